//! The grpc-web transport: `tonic-web-wasm-client` plus a thin safety layer.
//!
//! The layer
//! * refuses `application/grpc-web-text` responses (tonic-web-wasm-client 0.9.2 panics decoding
//!   them) and reports non-grpc-web responses (HTML pages, proxy errors) with what to check;
//! * sanitises response headers and trailers before tonic parses the status (see
//!   [`crate::logic::message::sanitize_status_headers`]: tonic would panic on a bad
//!   `grpc-status-details-bin`);
//! * turns a body that ends without any grpc-status (a server or proxy that does not speak grpc-web,
//!   or CORS hiding `grpc-status`) into a [`TransportProblem`] whose message says what to check.
//!
//! Aborting: tonic-web-wasm-client owns an `AbortController` per request and aborts the `fetch`
//! when its request future or response body is dropped, so dropping a call cancels it.

use std::error::Error as StdError;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame};
use tonic_web_wasm_client::options::{Credentials, FetchOptions};
use tonic_web_wasm_client::{Client, ResponseBody};
use tower_service::Service;

use crate::logic::error::{filter_metadata, ArvakError, Rpc, TransportProblem};
use crate::logic::message::sanitize_status_headers;

type BoxError = Box<dyn StdError + Send + Sync>;

/// The tower service the generated tonic client runs on.
#[derive(Clone, Debug)]
pub struct Transport {
    inner: Client,
}

impl Transport {
    /// A transport for `base_url`: the fetch credentials mode, the `fetch` to call (default: the
    /// global one) and the largest message accepted (refused from its length prefix).
    pub fn new(
        base_url: &str,
        credentials: Credentials,
        fetch: Option<js_sys::Function>,
        max_message_bytes: usize,
    ) -> Self {
        let mut options = FetchOptions::new()
            .credentials(credentials)
            .max_frame_size(max_message_bytes);
        options.fetch = fetch;
        Transport {
            inner: Client::new_with_options(base_url.to_owned(), options),
        }
    }
}

fn problem(p: TransportProblem) -> BoxError {
    Box::new(p)
}

/// Maps tonic-web-wasm-client's errors to what they mean for a user.
fn map_client_error(e: tonic_web_wasm_client::Error) -> BoxError {
    use tonic_web_wasm_client::Error as E;
    match e {
        E::TonicStatusError(status) => Box::new(status),
        E::JsError(msg) => problem(TransportProblem::FetchFailed(msg)),
        E::InvalidContentType(ct) => problem(TransportProblem::NotGrpcWeb(ct)),
        E::MissingContentTypeHeader => problem(TransportProblem::MissingContentType),
        E::HttpStatus {
            status,
            content_type,
        } => problem(TransportProblem::HttpStatus {
            status,
            content_type,
        }),
        E::FrameTooLarge { length, limit } => problem(TransportProblem::TooLarge { length, limit }),
        E::NotAResponse => problem(TransportProblem::NotAResponse),
        E::MissingResponseBody => problem(TransportProblem::Incomplete {
            http_status: 0,
            got_messages: false,
        }),
        other => problem(TransportProblem::Malformed(other.to_string())),
    }
}

impl Service<http::Request<tonic::body::Body>> for Transport {
    type Response = http::Response<SafeBody>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(map_client_error)
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        let fut = self.inner.call(request);
        Box::pin(async move {
            let response = fut.await.map_err(map_client_error)?;
            let (mut parts, body) = response.into_parts();
            let content_type = parts
                .headers
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_ascii_lowercase();
            if content_type.contains("application/grpc-web-text") {
                return Err(problem(TransportProblem::TextEncoding));
            }
            sanitize_status_headers(&mut parts.headers);
            let has_status = parts.headers.contains_key("grpc-status");
            let http_status = parts.status.as_u16();
            Ok(http::Response::from_parts(
                parts,
                SafeBody {
                    inner: body,
                    has_status,
                    http_status,
                    got_data: false,
                    done: false,
                },
            ))
        })
    }
}

/// The response body with trailer sanitising and a clear error when no status ever arrives.
pub struct SafeBody {
    inner: ResponseBody,
    has_status: bool,
    http_status: u16,
    got_data: bool,
    done: bool,
}

impl SafeBody {
    fn incomplete(&self) -> BoxError {
        problem(TransportProblem::Incomplete {
            http_status: self.http_status,
            got_messages: self.got_data,
        })
    }
}

impl Body for SafeBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        match polled {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(frame))) => {
                if frame.is_data() {
                    this.got_data = true;
                    return Poll::Ready(Some(Ok(frame)));
                }
                match frame.into_trailers() {
                    Ok(mut trailers) => {
                        sanitize_status_headers(&mut trailers);
                        if trailers.contains_key("grpc-status") {
                            this.has_status = true;
                        }
                        Poll::Ready(Some(Ok(Frame::trailers(trailers))))
                    }
                    Err(frame) => Poll::Ready(Some(Ok(frame))),
                }
            }
            Poll::Ready(Some(Err(e))) => {
                this.done = true;
                use tonic_web_wasm_client::Error as E;
                let err = match e {
                    // A trailers-only answer (the status in the headers, an empty body): the
                    // status is readable, so the body simply ended.
                    E::MalformedResponse if this.has_status && !this.got_data => {
                        return Poll::Ready(None);
                    }
                    E::MalformedResponse => this.incomplete(),
                    E::JsError(msg) => problem(TransportProblem::BodyFailed(msg)),
                    other => map_client_error(other),
                };
                Poll::Ready(Some(Err(err)))
            }
            Poll::Ready(None) => {
                this.done = true;
                if this.has_status {
                    Poll::Ready(None)
                } else {
                    Poll::Ready(Some(Err(this.incomplete())))
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }
}

/// Finds a [`TransportProblem`] in an error's source chain.
fn find_problem(status: &tonic::Status) -> Option<TransportProblem> {
    let mut source: Option<&(dyn StdError + 'static)> = StdError::source(status);
    while let Some(err) = source {
        if let Some(p) = err.downcast_ref::<TransportProblem>() {
            return Some(p.clone());
        }
        source = err.source();
    }
    None
}

/// Converts a status from `rpc` into the client's error.
pub fn status_error(status: tonic::Status, rpc: Rpc, url: &str) -> ArvakError {
    if let Some(p) = find_problem(&status) {
        return p.into_error(rpc, url);
    }
    let metadata = filter_metadata(
        status
            .metadata()
            .clone()
            .into_headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned()))),
    );
    ArvakError::from_status(status.code(), rpc, status.message(), metadata)
}
