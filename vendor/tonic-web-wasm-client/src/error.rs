use http::header::{InvalidHeaderName, InvalidHeaderValue, ToStrError};
use js_sys::Object;
use thiserror::Error;
use wasm_bindgen::{JsCast, JsValue};

/// Error type for `tonic-web-wasm-client`
#[derive(Debug, Error)]
pub enum Error {
    /// Base64 decode error
    #[error("base64 decode error")]
    Base64DecodeError(#[from] base64::DecodeError),
    /// Header parsing error
    #[error("failed to parse headers")]
    HeaderParsingError,
    /// Header value error
    #[error("failed to convert header value to string")]
    HeaderValueError(#[from] ToStrError),
    /// HTTP error
    #[error("HTTP error")]
    HttpError(#[from] http::Error),
    /// Invalid content type
    #[error("invalid content type: {0}")]
    InvalidContentType(String),
    /// Invalid header name
    #[error("invalid header name")]
    InvalidHeaderName(#[from] InvalidHeaderName),
    /// Invalid header value
    #[error("invalid header value")]
    InvalidHeaderValue(#[from] InvalidHeaderValue),
    /// JS API error
    #[error("JS API error: {0}")]
    JsError(String),
    /// Malformed response
    #[error("malformed response")]
    MalformedResponse,
    /// Missing `content-type` header in gRPC response
    #[error("missing content-type header in gRPC response")]
    MissingContentTypeHeader,
    /// Missing response body in HTTP call
    #[error("missing response body in HTTP call")]
    MissingResponseBody,
    /// gRPC error
    #[error("gRPC error")]
    TonicStatusError(#[from] tonic::Status),
    /// PATCHED (arvak-grpc-wasm): an answer that is not grpc-web (no grpc-web content-type) with an
    /// HTTP status other than 200, e.g. a proxy's 404 or 503 page
    #[error("HTTP status {status} (content-type {content_type:?})")]
    HttpStatus {
        /// The HTTP status
        status: u16,
        /// The response's content-type, if any
        content_type: Option<String>,
    },
    /// PATCHED (arvak-grpc-wasm): a frame's length prefix exceeds `FetchOptions::max_frame_size`
    #[error("grpc-web frame of {length} bytes exceeds the limit of {limit} bytes")]
    FrameTooLarge {
        /// The frame's announced length
        length: usize,
        /// The limit
        limit: usize,
    },
    /// PATCHED (arvak-grpc-wasm): a custom `fetch` resolved to something that is not a `Response`
    #[error("the fetch function did not return a Response")]
    NotAResponse,
}

impl Error {
    /// Initialize js error from js value
    pub(crate) fn js_error(value: JsValue) -> Self {
        let message = js_object_display(&value);

        if message.contains("tonic_web_wasm_client::Error::TimedOut") {
            Self::TonicStatusError(tonic::Status::deadline_exceeded("Request timed out"))
        } else {
            Self::JsError(message)
        }
    }
}

fn js_object_display(option: &JsValue) -> String {
    let object: &Object = option.unchecked_ref();
    ToString::to_string(&object.to_string())
}
