//! Gateway mode: a grpc-web front for any native gRPC server (such as a stock Arvak server,
//! which speaks only gRPC over HTTP/2 and has no CORS, spec §1).
//!
//! Browsers send grpc-web (binary or base64 text) over HTTP/1.1; tonic-web's translation turns
//! each call into a plain gRPC request whose body bytes are forwarded unchanged to the upstream
//! over HTTP/2, and turns the upstream's response (data frames, then trailers) back into grpc-web
//! with the trailers as the final frame. Protobuf is never decoded, so any service works.
//! Request metadata (`grpc-timeout`, `x-api-key`, …) passes through; when the browser goes away,
//! the upstream HTTP/2 stream is reset, which ends server streams upstream.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use clap::Parser;
use http::uri::{Authority, Scheme};
use http::{header, Request, Response, Uri, Version};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tonic::body::Body;
use tonic_web::GrpcWebLayer;
use tower::{Service, ServiceBuilder};

use crate::app::cors_layer;

/// `arvak-dev-server gateway` flags.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "arvak-dev-server gateway",
    about = "grpc-web gateway: lets browsers reach a native gRPC server (e.g. a stock Arvak server) without Envoy"
)]
pub struct GatewaySettings {
    /// The native gRPC server to forward to, e.g. http://127.0.0.1:50051 (HTTP/2 cleartext).
    #[arg(long)]
    pub upstream: String,

    /// Listen address for browsers; port 0 picks a free port. The URL is printed on stdout when ready.
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub addr: SocketAddr,

    /// Allowed CORS origin (repeatable). Default: any http(s)://localhost:* or http(s)://127.0.0.1:* origin.
    #[arg(long = "allow-origin")]
    pub allow_origins: Vec<String>,

    /// HTTPS for browsers (see `--tls`, `--cert`, `--key`).
    #[command(flatten)]
    pub tls: crate::tls::TlsArgs,
}

/// Headers that belong to one HTTP hop and must not be forwarded (HTTP/2 forbids them).
const HOP_BY_HOP: [&str; 7] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "host",
    "origin",
];

/// A request body whose length is not announced upstream. grpc-web-text bodies shrink when
/// decoded from base64, so the browser's length would be wrong for the forwarded bytes (and
/// HTTP/2 resets a stream whose data disagrees with its content-length).
pub struct UnsizedBody(Body);

impl http_body::Body for UnsizedBody {
    type Data = bytes::Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.get_mut().0).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_end_stream()
    }
}

/// Forwards gRPC requests unchanged to one upstream over HTTP/2.
#[derive(Clone)]
pub struct Forward {
    client: Client<HttpConnector, UnsizedBody>,
    scheme: Scheme,
    authority: Authority,
    upstream: String,
}

impl Forward {
    /// A forwarder to `upstream` (`http://host:port`).
    pub fn new(upstream: &str) -> Result<Self, String> {
        let uri: Uri = upstream
            .parse()
            .map_err(|e| format!("invalid --upstream '{upstream}': {e}"))?;
        let authority = uri
            .authority()
            .cloned()
            .ok_or_else(|| format!("--upstream '{upstream}' has no host:port"))?;
        if uri.scheme_str() != Some("http") {
            return Err(format!(
                "--upstream '{upstream}' must be http:// (HTTP/2 cleartext, as the Arvak server speaks)"
            ));
        }
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(Duration::from_secs(5)));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .http2_only(true)
            .build(connector);
        Ok(Forward {
            client,
            scheme: Scheme::HTTP,
            authority,
            upstream: upstream.trim_end_matches('/').to_string(),
        })
    }
}

impl Service<Request<Body>> for Forward {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let mut req = req.map(UnsizedBody);
        let mut parts = req.uri().clone().into_parts();
        parts.scheme = Some(self.scheme.clone());
        parts.authority = Some(self.authority.clone());
        let client = self.client.clone();
        let upstream = self.upstream.clone();
        Box::pin(async move {
            match Uri::from_parts(parts) {
                Ok(uri) => *req.uri_mut() = uri,
                Err(e) => {
                    let status = tonic::Status::internal(format!("gateway: bad request path: {e}"));
                    return Ok(status.into_http());
                }
            }
            *req.version_mut() = Version::HTTP_2;
            let headers = req.headers_mut();
            headers.remove(header::CONTENT_LENGTH);
            for name in HOP_BY_HOP {
                headers.remove(name);
            }
            headers.insert(header::TE, http::HeaderValue::from_static("trailers"));
            match client.request(req).await {
                Ok(response) => Ok(response.map(Body::new)),
                Err(e) => {
                    let status = tonic::Status::unavailable(format!(
                        "gateway: upstream {upstream} unreachable: {}",
                        error_chain(&e)
                    ));
                    Ok(status.into_http())
                }
            }
        })
    }
}

/// An error and its sources, joined: "client error (Connect): tcp connect error: Connection refused".
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

/// The gateway's HTTP application: CORS, then grpc-web translation, then forwarding.
pub fn router(settings: &GatewaySettings) -> Result<Router, String> {
    let forward = ServiceBuilder::new()
        .layer(GrpcWebLayer::new())
        .service(Forward::new(&settings.upstream)?);
    Ok(Router::new()
        .fallback_service(forward)
        .layer(cors_layer(&settings.allow_origins))
        .layer(crate::app::timing_allow_origin()))
}

/// A gateway running in the background.
pub struct RunningGateway {
    /// The bound address.
    pub addr: SocketAddr,
    /// The certificate's SPKI hash when serving HTTPS.
    pub spki_sha256: Option<String>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<std::io::Result<()>>,
}

impl RunningGateway {
    /// Base URL for browsers, e.g. `http://127.0.0.1:43127` (`https://` with TLS).
    pub fn url(&self) -> String {
        let scheme = if self.spki_sha256.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// Stops accepting and waits (at most 5 s) for open calls to end.
    pub async fn stop(self) -> std::io::Result<()> {
        let _ = self.shutdown.send(true);
        match tokio::time::timeout(Duration::from_secs(5), self.task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(std::io::Error::other(join)),
            Err(_) => Ok(()),
        }
    }
}

/// Binds `settings.addr` and starts the gateway in the background.
pub async fn start(settings: GatewaySettings) -> std::io::Result<RunningGateway> {
    let app = router(&settings).map_err(std::io::Error::other)?;
    let tls = settings.tls.setup()?;
    let listener = TcpListener::bind(settings.addr).await?;
    let addr = listener.local_addr()?;
    let (shutdown, stop) = watch::channel(false);
    let spki_sha256 = tls.as_ref().map(|t| t.spki_sha256.clone());
    let task = crate::app::serve(listener, tls, app, stop)?;
    Ok(RunningGateway {
        addr,
        spki_sha256,
        shutdown,
        task,
    })
}
