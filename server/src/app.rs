//! Assembles the server: gRPC and grpc-web (tonic-web) for `arvak.v1.ArvakService`, the control
//! routes and an optional static folder on one port, CORS over all of it, graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method};
use axum::serve::ListenerExt;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tonic_web::GrpcWebLayer;
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::config::Settings;
use crate::control;
use crate::proto::arvak_service_server::ArvakServiceServer;
use crate::service::{AppState, DevService};
use crate::tls::Tls;

const MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

/// Request headers a grpc-web client may send (spec §1 deployment notes).
const ALLOWED_HEADERS: [&str; 6] = [
    "content-type",
    "x-grpc-web",
    "x-user-agent",
    "grpc-timeout",
    "x-api-key",
    "x-request-id",
];
/// Response headers a browser client must be able to read.
/// `grpc-retry-pushback-ms` is exposed too: trailers-only answers carry it in the HTTP headers.
const EXPOSED_HEADERS: [&str; 4] = [
    "grpc-status",
    "grpc-message",
    "grpc-status-details-bin",
    "grpc-retry-pushback-ms",
];

/// The CORS policy: listed origins, or any http://localhost:* / http://127.0.0.1:* origin.
/// Shared by the dev server and the gateway.
pub fn cors_layer(allow_origins: &[String]) -> CorsLayer {
    let origins = if allow_origins.is_empty() {
        AllowOrigin::predicate(|origin: &HeaderValue, _| origin.to_str().is_ok_and(is_local_origin))
    } else {
        let list: Vec<HeaderValue> = allow_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        AllowOrigin::list(list)
    };
    CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([Method::GET, Method::POST, Method::DELETE, Method::OPTIONS])
        .allow_headers(ALLOWED_HEADERS.map(HeaderName::from_static))
        .expose_headers(EXPOSED_HEADERS.map(HeaderName::from_static))
        .max_age(Duration::from_secs(86_400))
}

/// Whether an origin is a loopback origin (`http(s)://localhost[:port]`, `http(s)://127.0.0.1[:port]`).
pub fn is_local_origin(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    let host = rest.split(':').next().unwrap_or("");
    let port_ok = rest
        .split_once(':')
        .is_none_or(|(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()));
    matches!(host, "localhost" | "127.0.0.1" | "[::1]") && port_ok
}

/// The complete HTTP application over `state`.
pub fn router(state: Arc<AppState>) -> Router {
    let grpc = ServiceBuilder::new().layer(GrpcWebLayer::new()).service(
        ArvakServiceServer::new(DevService::new(state.clone()))
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES),
    );
    let mut app = Router::new()
        .route_service("/arvak.v1.ArvakService/{*method}", grpc)
        .merge(control::routes(state.clone()));
    if let Some(dir) = &state.settings.www {
        let files = ServeDir::new(dir).append_index_html_on_directories(true);
        let header = |name: &'static str, value: &'static str, on: bool| {
            on.then(|| {
                SetResponseHeaderLayer::overriding(
                    HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                )
            })
        };
        let settings = &state.settings;
        let files = ServiceBuilder::new()
            .option_layer(header(
                "content-security-policy",
                "script-src 'self' 'wasm-unsafe-eval'",
                settings.csp,
            ))
            .option_layer(header(
                "cross-origin-opener-policy",
                "same-origin",
                settings.isolated,
            ))
            .option_layer(header(
                "cross-origin-embedder-policy",
                "require-corp",
                settings.isolated,
            ))
            .service(files);
        app = app.fallback_service(files);
    }
    app.layer(cors_layer(&state.settings.allow_origins))
        .layer(timing_allow_origin())
        .layer(axum::middleware::from_fn(control::strip_cors))
}

/// `Timing-Allow-Origin: *`: lets a cross-origin page read the protocol of its calls
/// (`PerformanceResourceTiming.nextHopProtocol`), which the client uses to tell HTTP/2 from
/// HTTP/1.1. Shared by the dev server and the gateway.
pub fn timing_allow_origin() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(
        HeaderName::from_static("timing-allow-origin"),
        HeaderValue::from_static("*"),
    )
}

/// Serves `app` on `listener` in the background (over TLS when `tls` is given) until `stop` turns
/// true; handlers see the peer address (`ConnectInfo<SocketAddr>`). Shared by the dev server and
/// the gateway.
pub fn serve(
    listener: TcpListener,
    tls: Option<Tls>,
    app: Router,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<JoinHandle<std::io::Result<()>>> {
    let stopped = async move {
        let _ = stop.wait_for(|stopped| *stopped).await;
    };
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    Ok(match tls {
        None => {
            // Small gRPC messages must not wait for Nagle's algorithm (40 ms stalls otherwise).
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            tokio::spawn(async move {
                axum::serve(listener, service)
                    .with_graceful_shutdown(stopped)
                    .await
            })
        }
        Some(tls) => {
            // The TLS listener sets TCP_NODELAY itself, before the handshake; `tap_io` only
            // makes the peer address available to handlers.
            let listener = tls.listen(listener)?.tap_io(|_| {});
            tokio::spawn(async move {
                axum::serve(listener, service)
                    .with_graceful_shutdown(stopped)
                    .await
            })
        }
    })
}

/// A server running in the background (used by `main` and by tests).
pub struct RunningServer {
    /// The bound address (the real port when 0 was asked for).
    pub addr: SocketAddr,
    /// The certificate's SPKI hash when serving HTTPS.
    pub spki_sha256: Option<String>,
    /// Shared state, for tests that look inside.
    pub state: Arc<AppState>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningServer {
    /// Base URL, e.g. `http://127.0.0.1:43125` (`https://` with TLS).
    pub fn url(&self) -> String {
        let scheme = if self.spki_sha256.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// Stops accepting, ends open streams, and waits (at most 5 s) for connections to finish.
    pub async fn stop(self) -> std::io::Result<()> {
        let _ = self.shutdown.send(true);
        match tokio::time::timeout(Duration::from_secs(5), self.task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(std::io::Error::other(join)),
            Err(_) => Ok(()),
        }
    }

    /// Waits until the server ends (after `stop_signal` resolves), then shuts down gracefully.
    pub async fn run_until(self, stop_signal: impl Future<Output = ()>) -> std::io::Result<()> {
        stop_signal.await;
        self.stop().await
    }
}

/// Binds `settings.addr` and starts serving in the background.
pub async fn start(settings: Settings) -> std::io::Result<RunningServer> {
    let tls = settings.tls.setup()?;
    let listener = TcpListener::bind(settings.addr).await?;
    let addr = listener.local_addr()?;
    let (shutdown, shutdown_rx) = watch::channel(false);
    let state = AppState::new(settings, shutdown_rx.clone());
    let app = router(state.clone());
    let spki_sha256 = tls.as_ref().map(|t| t.spki_sha256.clone());
    let task = serve(listener, tls, app, shutdown_rx)?;
    Ok(RunningServer {
        addr,
        spki_sha256,
        state,
        shutdown,
        task,
    })
}

#[cfg(test)]
mod tests {
    use super::is_local_origin;

    #[test]
    fn local_origins() {
        assert!(is_local_origin("http://localhost:8080"));
        assert!(is_local_origin("http://127.0.0.1:1"));
        assert!(is_local_origin("http://localhost"));
        // A page served over TLS (dev server --tls) is local too.
        assert!(is_local_origin("https://localhost:8080"));
        assert!(is_local_origin("https://127.0.0.1:4443"));
        assert!(!is_local_origin("ftp://localhost:8080"));
        assert!(!is_local_origin("https://localhost.evil.com"));
        assert!(!is_local_origin("http://localhost.evil.com"));
        assert!(!is_local_origin("http://127.0.0.1:80x"));
        assert!(!is_local_origin("http://example.com"));
    }
}
