//! Plain-HTTP endpoints beside the gRPC service on the same port: `/__stats` and `/__faults`
//! for tests, and `/__bad/<mode>/…`, deliberately broken grpc-web answers for client tests.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::StreamExt;

use crate::faults::{FaultConfig, StatsSnapshot};
use crate::service::AppState;

/// The control and test routes.
pub fn routes(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/__stats", get(get_stats))
        .route("/__stats/reset", post(reset_stats))
        .route(
            "/__faults",
            get(get_faults).post(set_faults).delete(reset_faults),
        )
        .route("/__jobs/{id}/expire", post(expire_job))
        .route("/__bad/{mode}/{*rest}", post(bad_grpc_web))
        .with_state(state)
}

/// `GET /health`, shaped like the service's health endpoint (which upstream serves on a separate port).
async fn health(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "status": "healthy",
        "version": env!("CARGO_PKG_VERSION"),
        "uptime_seconds": state.started.elapsed().as_secs(),
    }))
}

async fn get_stats(State(state): State<Arc<AppState>>) -> Json<StatsSnapshot> {
    Json(
        state
            .stats
            .snapshot(state.store.created(), state.store.len() as u64),
    )
}

async fn reset_stats(State(state): State<Arc<AppState>>) -> Json<StatsSnapshot> {
    state.stats.reset();
    get_stats(State(state)).await
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct FaultsView {
    rules: std::collections::BTreeMap<String, crate::faults::FaultRule>,
    min_job_ms: u64,
    rate_limit: u32,
    api_key_required: bool,
    flap: Option<crate::faults::Flap>,
}

async fn get_faults(State(state): State<Arc<AppState>>) -> Json<FaultsView> {
    let (rules, flap) = {
        let faults = state.faults.read().unwrap_or_else(|p| p.into_inner());
        (faults.rules.clone(), faults.flap)
    };
    let runtime = state.runtime();
    Json(FaultsView {
        rules,
        min_job_ms: runtime.min_job_ms,
        rate_limit: runtime.rate_limit,
        api_key_required: runtime.api_key.is_some(),
        flap,
    })
}

async fn set_faults(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let config: FaultConfig = match serde_json::from_slice(&body) {
        Ok(config) => config,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("invalid fault config: {e}\n"),
            )
                .into_response()
        }
    };
    if let Err(e) = config.validate() {
        return (
            StatusCode::BAD_REQUEST,
            format!("invalid fault config: {e}\n"),
        )
            .into_response();
    }
    tracing::info!(?config, "fault configuration replaced");
    state.apply_faults(config);
    get_faults(State(state)).await.into_response()
}

async fn reset_faults(State(state): State<Arc<AppState>>) -> Json<FaultsView> {
    state.reset_faults();
    get_faults(State(state)).await
}

/// `POST /__jobs/<id>/expire`: a COMPLETED job becomes RESULT_EXPIRED (404 for an unknown id,
/// 409 when the job is not COMPLETED or already expired).
async fn expire_job(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Response {
    match state.store.expire(&id) {
        None => (StatusCode::NOT_FOUND, format!("no job {id}\n")).into_response(),
        Some(crate::proto::JobState::ResultExpired) => {
            Json(serde_json::json!({ "jobId": id, "state": "JOB_STATE_RESULT_EXPIRED" }))
                .into_response()
        }
        Some(other) => (
            StatusCode::CONFLICT,
            format!("job {id} is {}, not completed\n", other.as_str_name()),
        )
            .into_response(),
    }
}

/// A grpc-web frame: flag byte, big-endian length, payload.
fn frame(flag: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 5);
    out.push(flag);
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// How long `/__bad/hang` keeps a request without answering.
const HANG: std::time::Duration = std::time::Duration::from_secs(600);

fn with_body_stream(body: Body, content_type: HeaderValue) -> Response {
    let mut response = Response::new(body);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, content_type);
    response
}

/// Marks a `/__bad` answer whose CORS headers [`strip_cors`] removes after the CORS layer added them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StripCors {
    /// Every `access-control-*` header: the browser refuses the answer.
    All,
    /// `access-control-expose-headers`: the browser hides grpc-status and grpc-message.
    Expose,
}

/// Applied outside the CORS layer: removes what a [`StripCors`] mark asks for.
pub async fn strip_cors(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut response = next.run(request).await;
    if let Some(mark) = response.extensions().get::<StripCors>().copied() {
        let headers = response.headers_mut();
        let names: Vec<_> = headers
            .keys()
            .filter(|k| {
                k.as_str().starts_with("access-control-")
                    && (mark == StripCors::All || k.as_str() == "access-control-expose-headers")
            })
            .cloned()
            .collect();
        for name in names {
            headers.remove(name);
        }
    }
    response
}

async fn bad_grpc_web(Path((mode, _rest)): Path<(String, String)>) -> Response {
    let grpc_web = HeaderValue::from_static("application/grpc-web+proto");
    let with_body = |body: Vec<u8>| {
        let mut response = Response::new(Body::from(body));
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, grpc_web.clone());
        response
    };
    match mode.as_str() {
        "no-status" => with_body(Vec::new()),
        "truncated" => {
            let mut body = vec![0u8, 0, 0, 0, 100];
            body.extend_from_slice(&[0x0a, 0x03, b'a', b'b', b'c']);
            with_body(body)
        }
        "garbage" => {
            let mut body = frame(0x00, &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]);
            body.extend(frame(0x80, b"grpc-status:0\r\n"));
            with_body(body)
        }
        "html" => (
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body>not a grpc-web endpoint</body></html>",
        )
            .into_response(),
        "http-500" => {
            (StatusCode::INTERNAL_SERVER_ERROR, "internal server error\n").into_response()
        }
        // Any HTTP status with a plain-text body, as a proxy would answer (`http-404`, `http-503`…).
        m if m.starts_with("http-") => match m
            .strip_prefix("http-")
            .and_then(|c| c.parse::<u16>().ok())
            .and_then(|c| StatusCode::from_u16(c).ok())
        {
            Some(code) => (code, format!("proxy says {}\n", code.as_u16())).into_response(),
            None => (StatusCode::NOT_FOUND, format!("bad status in mode '{m}'\n")).into_response(),
        },
        "ok-no-message" => {
            // Trailers-only OK: the status is in the headers, the body is empty.
            let mut response = with_body(Vec::new());
            response
                .headers_mut()
                .insert("grpc-status", HeaderValue::from_static("0"));
            response
        }
        "ok-no-message-trailer" => with_body(frame(0x80, b"grpc-status:0\r\n")),
        "two-messages" => {
            // Two (empty) messages and OK: valid framing, but a unary call returns one message.
            let mut body = frame(0x00, &[]);
            body.extend(frame(0x00, &[]));
            body.extend(frame(0x80, b"grpc-status:0\r\n"));
            with_body(body)
        }
        "text" => {
            // A grpc-web-text answer (base64 of an empty ListBackends message and an OK trailer).
            let mut response = Response::new(Body::from("AAAAAAA=gAAAAA9ncnBjLXN0YXR1czowDQo="));
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/grpc-web-text+proto"),
            );
            response
        }
        "bad-details" => {
            let mut response = with_body(Vec::new());
            let headers = response.headers_mut();
            headers.insert("grpc-status", HeaderValue::from_static("3"));
            headers.insert("grpc-message", HeaderValue::from_static("details%20follow"));
            headers.insert(
                "grpc-status-details-bin",
                HeaderValue::from_static("!!not-base64!!"),
            );
            response
        }
        "bad-message" => {
            let mut response = with_body(Vec::new());
            let headers = response.headers_mut();
            headers.insert("grpc-status", HeaderValue::from_static("13"));
            headers.insert("grpc-message", HeaderValue::from_static("broken%FF%FEtext%"));
            response
        }
        // A trailers-only answer with that raw grpc-status value (`status-99`, `status-abc`,
        // `status--1`), as a broken server or proxy might send.
        m if m.starts_with("status-") => {
            let mut response = with_body(Vec::new());
            let headers = response.headers_mut();
            if let Ok(value) = HeaderValue::from_str(&m["status-".len()..]) {
                headers.insert("grpc-status", value);
            }
            headers.insert("grpc-message", HeaderValue::from_static("odd%20status"));
            response
        }
        // Never answers: no status line, no headers (bounded so a forgotten request cannot pin the
        // server; the handler is dropped as soon as the client goes away).
        "hang" => {
            tokio::time::sleep(HANG).await;
            (StatusCode::GATEWAY_TIMEOUT, "gave up hanging\n").into_response()
        }
        // The connection is cut: the body fails before its first byte, so hyper aborts the
        // connection instead of ending the response.
        "reset" => Response::new(Body::from_stream(futures::stream::once(async {
            Err::<Bytes, std::io::Error>(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "bad mode 'reset'",
            ))
        }))),
        // A valid answer (empty ListBackends message, OK trailer) one byte every 200 ms.
        "trickle" => {
            let mut body = frame(0x00, &[]);
            body.extend(frame(0x80, b"grpc-status:0\r\n"));
            let bytes = futures::stream::iter(body).then(|b| async move {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                Ok::<Bytes, std::io::Error>(Bytes::from(vec![b]))
            });
            let mut response = Response::new(Body::from_stream(bytes));
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, grpc_web.clone());
            response
        }
        // One 32 MiB message frame (zeros, streamed in 64 KiB chunks), then OK: far above the
        // 4 MiB a gRPC client accepts by default.
        "huge" => {
            const CHUNK: usize = 64 * 1024;
            const CHUNKS: usize = 512;
            let head = Bytes::from(vec![0u8, 0x02, 0x00, 0x00, 0x00]);
            let zeros = Bytes::from(vec![0u8; CHUNK]);
            let tail = Bytes::from(frame(0x80, b"grpc-status:0\r\n"));
            let parts = std::iter::once(head)
                .chain(std::iter::repeat_n(zeros, CHUNKS))
                .chain(std::iter::once(tail))
                .map(Ok::<Bytes, std::io::Error>);
            with_body_stream(
                Body::from_stream(futures::stream::iter(parts)),
                grpc_web.clone(),
            )
        }
        // A trailers-only NOT_FOUND, without the CORS headers a browser needs to read the answer
        // (`no-cors`) or to read grpc-status / grpc-message (`no-expose`).
        "no-cors" | "no-expose" => {
            let mut response = with_body(Vec::new());
            let headers = response.headers_mut();
            headers.insert("grpc-status", HeaderValue::from_static("5"));
            headers.insert("grpc-message", HeaderValue::from_static("hidden"));
            response.extensions_mut().insert(if mode == "no-cors" {
                StripCors::All
            } else {
                StripCors::Expose
            });
            response
        }
        other => (
            StatusCode::NOT_FOUND,
            format!("unknown bad mode '{other}' (no-status, truncated, garbage, html, http-500, http-<code>, text, bad-details, bad-message, ok-no-message, ok-no-message-trailer, two-messages, status-<value>, hang, reset, trickle, huge, no-cors, no-expose)\n"),
        )
            .into_response(),
    }
}
