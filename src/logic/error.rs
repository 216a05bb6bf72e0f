//! The client's error type and the status → error classification of spec §7.
//!
//! Classification uses the status code **and** the RPC that was called, never words in the message:
//! the service's `NOT_FOUND` text is only the id (`[permanent] <id>`), so job-vs-backend is decided by
//! the RPC. The one sanctioned exception is WatchJob's in-stream `INTERNAL "Failed to get job: Job not
//! found: <id>"`, which the spec documents as the only way the stream reports an unknown job.

use std::fmt;

pub use tonic::Code;

/// The RPCs of `arvak.v1.ArvakService` a browser can call (SubmitBatchStream needs a bidi stream).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rpc {
    /// `SubmitJob`
    SubmitJob,
    /// `SubmitBatch`
    SubmitBatch,
    /// `GetJobStatus`
    GetJobStatus,
    /// `GetJobResult`
    GetJobResult,
    /// `CancelJob`
    CancelJob,
    /// `ListBackends`
    ListBackends,
    /// `GetBackendInfo`
    GetBackendInfo,
    /// `WatchJob` (server stream)
    WatchJob,
    /// `StreamResults` (server stream)
    StreamResults,
}

impl Rpc {
    /// The method name as it appears in the path `/arvak.v1.ArvakService/<name>`.
    pub fn name(self) -> &'static str {
        match self {
            Rpc::SubmitJob => "SubmitJob",
            Rpc::SubmitBatch => "SubmitBatch",
            Rpc::GetJobStatus => "GetJobStatus",
            Rpc::GetJobResult => "GetJobResult",
            Rpc::CancelJob => "CancelJob",
            Rpc::ListBackends => "ListBackends",
            Rpc::GetBackendInfo => "GetBackendInfo",
            Rpc::WatchJob => "WatchJob",
            Rpc::StreamResults => "StreamResults",
        }
    }

    /// The HTTP path of the method: `/arvak.v1.ArvakService/<name>`.
    pub fn path(self) -> &'static str {
        match self {
            Rpc::SubmitJob => "/arvak.v1.ArvakService/SubmitJob",
            Rpc::SubmitBatch => "/arvak.v1.ArvakService/SubmitBatch",
            Rpc::GetJobStatus => "/arvak.v1.ArvakService/GetJobStatus",
            Rpc::GetJobResult => "/arvak.v1.ArvakService/GetJobResult",
            Rpc::CancelJob => "/arvak.v1.ArvakService/CancelJob",
            Rpc::ListBackends => "/arvak.v1.ArvakService/ListBackends",
            Rpc::GetBackendInfo => "/arvak.v1.ArvakService/GetBackendInfo",
            Rpc::WatchJob => "/arvak.v1.ArvakService/WatchJob",
            Rpc::StreamResults => "/arvak.v1.ArvakService/StreamResults",
        }
    }

    /// Whether a `NOT_FOUND` from this RPC means the *backend* is unknown (spec §7).
    fn not_found_is_backend(self) -> bool {
        matches!(
            self,
            Rpc::SubmitJob | Rpc::SubmitBatch | Rpc::GetBackendInfo
        )
    }

    /// Whether this RPC submits circuits (its `INVALID_ARGUMENT` means an invalid circuit).
    fn submits(self) -> bool {
        matches!(self, Rpc::SubmitJob | Rpc::SubmitBatch)
    }

    /// Whether this RPC reads a job's result (GetJobResult and StreamResults validate alike, §6.8).
    fn reads_result(self) -> bool {
        matches!(self, Rpc::GetJobResult | Rpc::StreamResults)
    }
}

impl fmt::Display for Rpc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The canonical upper-case name of a gRPC status code (`"NOT_FOUND"`), as gRPC documents them.
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// Declares the error kinds once: the Rust enum and, for each kind, its JavaScript class name, the
/// `name` its instances show, a short title for people and its documentation. `js/errors.js` and
/// `js/errors.d.ts` carry a block generated from this table (`tests/generated_js.rs` checks it and
/// rewrites it with `ARVAK_BLESS=1`); the package entry and the playground read the classes from
/// there.
macro_rules! error_kinds {
    ($(
        #[doc = $doc:literal]
        $kind:ident => $class:literal, name $shown:literal, title $title:literal;
    )*) => {
        /// Which error class a failure belongs to. Each kind maps to one JavaScript class
        /// (`class_name`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorKind {
            $( #[doc = $doc] $kind, )*
        }

        impl ErrorKind {
            /// Every kind, in declaration order.
            pub const ALL: [ErrorKind; [$(stringify!($kind)),*].len()] = [$(ErrorKind::$kind),*];

            /// The name of the JavaScript class `js/errors.js` defines for this kind.
            pub fn class_name(self) -> &'static str {
                match self { $( ErrorKind::$kind => $class, )* }
            }

            /// The `name` property of its instances (DOM names for aborts and timeouts, so
            /// `err.name === "AbortError"` checks keep working).
            pub fn shown_name(self) -> &'static str {
                match self { $( ErrorKind::$kind => $shown, )* }
            }

            /// A short title for people ("Unknown job").
            pub fn title(self) -> &'static str {
                match self { $( ErrorKind::$kind => $title, )* }
            }

            /// What the kind means (its JSDoc).
            pub fn doc(self) -> &'static str {
                match self { $( ErrorKind::$kind => $doc.trim_ascii(), )* }
            }

            /// Whether the kind is a definite answer about the job, backend or circuit: asking again
            /// cannot change it, so no retry policy retries it.
            pub fn is_definite(self) -> bool {
                matches!(
                    self,
                    ErrorKind::JobNotFound
                        | ErrorKind::BackendNotFound
                        | ErrorKind::InvalidCircuit
                        | ErrorKind::JobNotCompleted
                        | ErrorKind::JobFailed
                        | ErrorKind::JobCancelled
                        | ErrorKind::ResultExpired
                        | ErrorKind::Unauthenticated
                )
            }
        }
    };
}

error_kinds! {
    /// Base class of every error the client rejects with; nothing more specific applies.
    Other => "ArvakError", name "ArvakError", title "The call failed";
    /// The job id is unknown (or was evicted).
    JobNotFound => "JobNotFoundError", name "JobNotFoundError", title "Unknown job";
    /// The backend id is unknown.
    BackendNotFound => "BackendNotFoundError", name "BackendNotFoundError", title "Unknown backend";
    /// The circuit was rejected at submission (parse error, unsupported format, complexity limit).
    InvalidCircuit => "InvalidCircuitError", name "InvalidCircuitError", title "The server rejected the circuit";
    /// The job has no result (yet): it is QUEUED or RUNNING.
    JobNotCompleted => "JobNotCompletedError", name "JobNotCompletedError", title "The job has no result yet";
    /// The job ended FAILED; `message` is the server's error text.
    JobFailed => "JobFailedError", name "JobFailedError", title "The job failed";
    /// The job was cancelled.
    JobCancelled => "JobCancelledError", name "JobCancelledError", title "The job was cancelled";
    /// The job completed but its result has expired on the server (RESULT_EXPIRED).
    ResultExpired => "ResultExpiredError", name "ResultExpiredError", title "The result has expired on the server";
    /// A deadline ran out (`timeoutMs`, `maxWaitMs`, or the server's timeout). Its `name` is "TimeoutError".
    Timeout => "ArvakTimeoutError", name "TimeoutError", title "Timed out";
    /// The call was aborted through its signal, or the client was closed. Its `name` is "AbortError".
    Aborted => "ArvakAbortError", name "AbortError", title "Stopped";
    /// Transport failure, server unreachable, or a malformed response (the message says what to check).
    Unavailable => "UnavailableError", name "UnavailableError", title "Cannot reach the server";
    /// The server refused work for now (rate, concurrency or queue limit).
    RateLimited => "RateLimitedError", name "RateLimitedError", title "The server is busy (rate limit)";
    /// Missing or wrong API key.
    Unauthenticated => "UnauthenticatedError", name "UnauthenticatedError", title "Not authorised";
    /// The circuit breaker refused the call without sending it (the server failed repeatedly); `retryAfterMs` says when it will let one through.
    CircuitOpen => "CircuitOpenError", name "CircuitOpenError", title "Circuit breaker open";
}

/// Declares once the properties every JavaScript error object carries: the `ErrorField` enum (which
/// `bindings::errors::to_js` matches exhaustively, so a new field cannot be forgotten there) and,
/// per field, its JS name, TypeScript type, default and documentation, from which
/// `tests/generated_js.rs` checks the constructor in `js/errors.js`, the declarations in
/// `js/errors.d.ts` and `ArvakErrorInfo` in `src/bindings/types.rs`.
macro_rules! error_fields {
    ($(
        #[doc = $doc:literal]
        $field:ident => $name:literal: $ts:literal = $default:literal;
    )*) => {
        /// A property of the JavaScript error objects (see `js/errors.js`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ErrorField {
            $( #[doc = $doc] $field, )*
        }

        impl ErrorField {
            /// Every field, in declaration order.
            pub const ALL: [ErrorField; [$(stringify!($field)),*].len()] = [$(ErrorField::$field),*];

            /// Its JavaScript property name.
            pub fn js_name(self) -> &'static str {
                match self { $( ErrorField::$field => $name, )* }
            }

            /// Its TypeScript type.
            pub fn ts_type(self) -> &'static str {
                match self { $( ErrorField::$field => $ts, )* }
            }

            /// The JavaScript value the constructor uses when the option is absent.
            pub fn js_default(self) -> &'static str {
                match self { $( ErrorField::$field => $default, )* }
            }

            /// What the field means (its JSDoc).
            pub fn doc(self) -> &'static str {
                match self { $( ErrorField::$field => $doc.trim_ascii(), )* }
            }
        }
    };
}

error_fields! {
    /// gRPC status code (client-side: 1 CANCELLED for aborts, 4 DEADLINE_EXCEEDED for deadlines, 14 UNAVAILABLE for failed fetches).
    Code => "code": "number" = "2";
    /// The code's canonical name, e.g. "NOT_FOUND".
    CodeName => "codeName": "string" = "'UNKNOWN'";
    /// The RPC that failed, e.g. "GetJobResult"; null for failures outside an RPC.
    Rpc => "rpc": "string | null" = "null";
    /// The server's `[permanent]`/`[transient]` message tag (removed from `message`); information only.
    Tag => "tag": "\"permanent\" | \"transient\" | null" = "null";
    /// Response metadata (trailers) that came with the status.
    Metadata => "metadata": "Record<string, string>" = "{}";
    /// Attempts made: 1 + retries (a retry policy can make it more than 1); 0 when the circuit breaker refused the call without sending it.
    Attempts => "attempts": "number" = "1";
    /// The job the call was about, if any.
    JobId => "jobId": "string | null" = "null";
    /// The backend the call was about, if any.
    BackendId => "backendId": "string | null" = "null";
}

/// The `[permanent]` / `[transient]` prefix the service puts on many messages (spec §6).
///
/// Kept as information only: `[transient]` is also used for states that never change (a CANCELED
/// job's missing result), so it must not drive decisions on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    /// `[permanent]`
    Permanent,
    /// `[transient]`
    Transient,
}

impl Tag {
    /// `"permanent"` or `"transient"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Tag::Permanent => "permanent",
            Tag::Transient => "transient",
        }
    }
}

/// Splits a leading `[permanent]` / `[transient]` tag (and one following space) off a message.
pub fn strip_tag(message: &str) -> (Option<Tag>, &str) {
    for (prefix, tag) in [
        ("[permanent]", Tag::Permanent),
        ("[transient]", Tag::Transient),
    ] {
        if let Some(rest) = message.strip_prefix(prefix) {
            return (Some(tag), rest.strip_prefix(' ').unwrap_or(rest));
        }
    }
    (None, message)
}

/// The WatchJob in-stream error text for an unknown job id (spec §6.7, §7).
const WATCH_JOB_NOT_FOUND: &str = "Failed to get job: Job not found";

/// The text of a server-side timeout (tonic's timeout layer, spec §1).
const SERVER_TIMEOUT: &str = "Timeout expired";

impl ArvakError {
    /// Whether this is the server's own timeout (tonic's `CANCELLED "Timeout expired"`, spec §1).
    pub fn is_server_timeout(&self) -> bool {
        self.code == Code::Cancelled && self.kind == ErrorKind::Timeout
    }
}

/// Decides the error kind from a status code, the RPC and the (tag-stripped) message (spec §7).
pub fn classify(code: Code, rpc: Rpc, message: &str) -> ErrorKind {
    match code {
        Code::NotFound if rpc.not_found_is_backend() => ErrorKind::BackendNotFound,
        Code::NotFound => ErrorKind::JobNotFound,
        Code::InvalidArgument if rpc.submits() => ErrorKind::InvalidCircuit,
        Code::FailedPrecondition if rpc.reads_result() => ErrorKind::JobNotCompleted,
        Code::Aborted if rpc.reads_result() => ErrorKind::JobFailed,
        Code::Internal if rpc == Rpc::WatchJob && message.starts_with(WATCH_JOB_NOT_FOUND) => {
            ErrorKind::JobNotFound
        }
        Code::ResourceExhausted => ErrorKind::RateLimited,
        Code::Unauthenticated => ErrorKind::Unauthenticated,
        Code::Unavailable | Code::Unknown => ErrorKind::Unavailable,
        Code::DeadlineExceeded => ErrorKind::Timeout,
        Code::Cancelled if message == SERVER_TIMEOUT => ErrorKind::Timeout,
        _ => ErrorKind::Other,
    }
}

/// A failed call, wait or stream. Converted 1:1 into the JavaScript error classes.
///
/// ```
/// use arvak_grpc_wasm::{ArvakError, ErrorKind};
///
/// let e = ArvakError::invalid_argument("jobId must be a string, got a number");
/// assert_eq!(e.kind, ErrorKind::Other);
/// assert_eq!(e.code_name(), "INVALID_ARGUMENT");
/// ```
#[derive(Debug, Clone)]
pub struct ArvakError {
    /// Which error class this is.
    pub kind: ErrorKind,
    /// The gRPC status code (client-side failures use the code a gRPC client would: `CANCELLED` for
    /// an abort, `DEADLINE_EXCEEDED` for a deadline, `UNAVAILABLE` for a failed fetch).
    pub code: Code,
    /// The RPC that produced the error, if any.
    pub rpc: Option<Rpc>,
    /// The message: grpc-message percent-decoded with the tag removed, or the client's own text.
    pub message: String,
    /// The tag the server put in front of the message, if any.
    pub tag: Option<Tag>,
    /// Response metadata (trailers / trailers-only headers) that came with the status.
    pub metadata: Vec<(String, String)>,
    /// How many attempts were made (1 + retries; 0 when the circuit breaker refused the call before
    /// anything was sent).
    pub attempts: u32,
    /// For a circuit-open error: milliseconds until the breaker lets a call through again.
    /// (Whole milliseconds: an `f64` here would make the derived `Debug`, which `std::error::Error`
    /// vtables reference, pull float formatting into the wasm.)
    pub retry_after_ms: Option<u32>,
    /// The job the call was about, when there was one.
    pub job_id: Option<String>,
    /// The backend the call was about, when there was one.
    pub backend_id: Option<String>,
    /// The JavaScript value that caused this error (an abort reason, a thrown exception).
    #[cfg(target_arch = "wasm32")]
    pub cause: Option<wasm_bindgen::JsValue>,
}

impl ArvakError {
    /// A new error with the given kind, code and message and everything else empty.
    pub fn new(kind: ErrorKind, code: Code, message: impl Into<String>) -> Self {
        ArvakError {
            kind,
            code,
            rpc: None,
            message: message.into(),
            tag: None,
            metadata: Vec::new(),
            attempts: 1,
            retry_after_ms: None,
            job_id: None,
            backend_id: None,
            #[cfg(target_arch = "wasm32")]
            cause: None,
        }
    }

    /// Builds the error for a status the server (or the transport) returned from `rpc`.
    ///
    /// `message` must already be percent-decoded (tonic does that); the tag is stripped here.
    /// An empty message is replaced by a short description so no error has an empty text.
    pub fn from_status(
        code: Code,
        rpc: Rpc,
        message: &str,
        metadata: Vec<(String, String)>,
    ) -> Self {
        let (tag, text) = strip_tag(message);
        let kind = classify(code, rpc, text);
        let text = if text.trim().is_empty() {
            format!("{} from {}", code_name(code), rpc.name())
        } else {
            text.to_owned()
        };
        let mut e = ArvakError::new(kind, code, text).with_rpc(rpc);
        e.tag = tag;
        e.metadata = metadata;
        e
    }

    /// A usage error detected before anything was sent (bad option, bad header).
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        ArvakError::new(ErrorKind::Other, Code::InvalidArgument, message)
    }

    /// The caller's AbortSignal fired.
    pub fn aborted(detail: Option<&str>) -> Self {
        let message = match detail {
            Some(d) if !d.is_empty() => format!("The operation was aborted: {d}"),
            _ => "The operation was aborted".to_owned(),
        };
        ArvakError::new(ErrorKind::Aborted, Code::Cancelled, message)
    }

    /// The client was closed while the operation was pending, or before it started.
    pub fn client_closed() -> Self {
        ArvakError::new(
            ErrorKind::Aborted,
            Code::Cancelled,
            "The client was closed (ArvakClient.close())",
        )
    }

    /// A call's own deadline ran out.
    pub fn deadline_exceeded(timeout_ms: f64) -> Self {
        ArvakError::new(
            ErrorKind::Timeout,
            Code::DeadlineExceeded,
            format!(
                "Deadline exceeded: no answer within {}",
                describe_ms(timeout_ms)
            ),
        )
    }

    /// `waitForJob`'s `maxWaitMs` ran out (the job keeps running on the server).
    pub fn wait_timeout(job_id: &str, max_wait_ms: f64) -> Self {
        ArvakError::new(
            ErrorKind::Timeout,
            Code::DeadlineExceeded,
            format!(
                "Job {job_id} did not finish within {} (the job was not cancelled)",
                describe_ms(max_wait_ms)
            ),
        )
        .with_job(job_id)
    }

    /// Sets the RPC.
    pub fn with_rpc(mut self, rpc: Rpc) -> Self {
        self.rpc = Some(rpc);
        self
    }

    /// Sets the job id the error is about.
    pub fn with_job(mut self, job_id: &str) -> Self {
        self.job_id = Some(job_id.to_owned());
        self
    }

    /// Sets the backend id the error is about.
    pub fn with_backend(mut self, backend_id: &str) -> Self {
        self.backend_id = Some(backend_id.to_owned());
        self
    }

    /// The canonical name of [`ArvakError::code`].
    pub fn code_name(&self) -> &'static str {
        code_name(self.code)
    }
}

impl fmt::Display for ArvakError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.class_name(), self.message)
    }
}

impl std::error::Error for ArvakError {}

/// `1500` → `"1500 ms"`; fractional values are rounded, non-finite ones spelled out.
pub fn describe_ms(ms: f64) -> String {
    if ms.is_finite() {
        format!("{} ms", describe_number(ms.round()))
    } else {
        "an unbounded time".to_owned()
    }
}

/// `v` limited to `[lo, hi]` (NaN becomes `lo`). Use it instead of `f64::clamp`, whose
/// `min <= max` check formats both floats with `Debug` and so pulls float formatting (about 20 KB)
/// into the wasm.
pub fn clamp_f64(v: f64, lo: f64, hi: f64) -> f64 {
    v.max(lo).min(hi)
}

/// A number for a message, like JavaScript's `String(n)` for everyday values (`1024`, `-1`,
/// `1.5`, `NaN`, `Infinity`), written with integer formatting only: `f64`'s `Display` would pull
/// float-formatting tables into the wasm for nothing but error texts.
pub fn describe_number(v: f64) -> String {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if v.is_nan() {
        return "NaN".to_owned();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    let sign = if v < 0.0 { "-" } else { "" };
    let a = v.abs();
    if a >= EXACT {
        // Beyond u64 would need u128 formatting code in the wasm just for this message.
        return if a < 1.8e19 {
            format!("{sign}{}", a as u64)
        } else {
            format!("{sign}a number above 1.8e19")
        };
    }
    let int = a.trunc() as u64;
    let micro = ((a - a.trunc()) * 1e6).round() as u64;
    match micro {
        0 if int == 0 => "0".to_owned(),
        0 => format!("{sign}{int}"),
        1_000_000 => format!("{sign}{}", int + 1),
        m => {
            let frac = format!("{m:06}");
            format!("{sign}{int}.{}", frac.trim_end_matches('0'))
        }
    }
}

/// The reason phrase of the HTTP statuses proxies answer with ("" for others).
fn http_reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "an error status",
    }
}

/// What went wrong below gRPC: the fetch itself, or a response that is not valid grpc-web.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportProblem {
    /// `fetch` rejected (network error, server not running, CORS refusal, bad URL).
    FetchFailed(String),
    /// The response's content-type is not grpc-web (an HTML page, a proxy error page…).
    NotGrpcWeb(String),
    /// `application/grpc-web-text` (base64) responses are not supported.
    TextEncoding,
    /// The response had no content-type at all.
    MissingContentType,
    /// The body ended before a complete frame and a grpc-status arrived.
    Incomplete {
        /// The HTTP status of the response.
        http_status: u16,
        /// Whether any complete message had arrived before the body ended.
        got_messages: bool,
    },
    /// The response could not be parsed as grpc-web (bad trailer frame, bad header).
    Malformed(String),
    /// Reading the response body failed after the headers arrived.
    BodyFailed(String),
    /// A non-grpc-web answer with an HTTP error status (a proxy's 404 or 503 page, a gateway's 401).
    HttpStatus {
        /// The HTTP status.
        status: u16,
        /// Its content-type, if it had one.
        content_type: Option<String>,
    },
    /// A message (or trailer frame) longer than `maxReceiveMessageBytes`, refused from its length
    /// prefix before it was read; the request was cancelled.
    TooLarge {
        /// The length the frame announced.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// The `fetch` option returned something that is not a `Response`.
    NotAResponse,
}

/// The gRPC status for an HTTP status of a non-gRPC answer, as gRPC maps it
/// (grpc/doc/http-grpc-status-mapping.md).
pub fn code_of_http_status(status: u16) -> Code {
    match status {
        400 => Code::Internal,
        401 => Code::Unauthenticated,
        403 => Code::PermissionDenied,
        404 => Code::Unimplemented,
        429 | 502 | 503 | 504 => Code::Unavailable,
        _ => Code::Unknown,
    }
}

/// The hint appended to every transport error: what to check.
pub const TRANSPORT_HINT: &str = "check the URL (scheme, host, port, path prefix), that the server or grpc-web proxy \
is running, and that its CORS configuration allows this origin and exposes the headers grpc-status and \
grpc-message (Access-Control-Expose-Headers)";

impl TransportProblem {
    /// The client-side description, including what to check.
    pub fn describe(&self, url: &str) -> String {
        let what = match self {
            TransportProblem::FetchFailed(js) => format!("The request to {url} failed ({js})"),
            TransportProblem::NotGrpcWeb(ct) => format!(
                "The response from {url} is not grpc-web (content-type \"{ct}\"); the URL may point at a web server \
                 or a proxy error page instead of a grpc-web endpoint"
            ),
            TransportProblem::TextEncoding => format!(
                "The response from {url} uses application/grpc-web-text (base64), which this client does not \
                 support; configure the endpoint for binary grpc-web (application/grpc-web+proto)"
            ),
            TransportProblem::MissingContentType => {
                format!("The response from {url} has no content-type header, so it is not grpc-web")
            }
            TransportProblem::Incomplete {
                http_status,
                got_messages: false,
            } => format!(
                "The response from {url} (HTTP {http_status}) carried no grpc-status: the body was empty or \
                 truncated and no grpc-status header was readable"
            ),
            TransportProblem::Incomplete {
                http_status,
                got_messages: true,
            } => format!(
                "The response from {url} (HTTP {http_status}) ended without a grpc-status after some \
                 messages (truncated stream)"
            ),
            TransportProblem::Malformed(detail) => {
                format!("The response from {url} is malformed grpc-web ({detail})")
            }
            TransportProblem::BodyFailed(js) => {
                format!("Reading the response body from {url} failed ({js})")
            }
            TransportProblem::HttpStatus {
                status,
                content_type,
            } => {
                let ct = match content_type {
                    Some(ct) => format!("content-type \"{ct}\""),
                    None => "no content-type".to_owned(),
                };
                format!(
                    "{url} answered HTTP {status} ({}) with a response that is not grpc-web ({ct}); \
                     a proxy or web server in front of the service refused or did not route the call",
                    http_reason(*status)
                )
            }
            TransportProblem::TooLarge { length, limit } => {
                return format!(
                    "The server at {url} sent a message of {length} bytes, too large for \
                     maxReceiveMessageBytes ({limit}); the response was cancelled before it was \
                     read (raise the client option maxReceiveMessageBytes if such answers are \
                     expected)"
                )
            }
            TransportProblem::NotAResponse => {
                return "The client's fetch option returned something that is not a Response \
                        (it must return fetch(...)'s promise or a Response)"
                    .to_owned()
            }
        };
        format!("{what}: {TRANSPORT_HINT}")
    }

    /// The status code a gRPC client reports for this problem.
    pub fn code(&self) -> Code {
        match self {
            TransportProblem::FetchFailed(_) | TransportProblem::BodyFailed(_) => Code::Unavailable,
            TransportProblem::HttpStatus { status, .. } => code_of_http_status(*status),
            TransportProblem::TooLarge { .. } => Code::OutOfRange,
            TransportProblem::NotAResponse => Code::Internal,
            _ => Code::Unknown,
        }
    }

    /// The error for this problem on `rpc`: its kind is the code's ([`classify`]), so an HTTP 401
    /// is an [`ErrorKind::Unauthenticated`] and a 503 an [`ErrorKind::Unavailable`].
    pub fn into_error(self, rpc: Rpc, url: &str) -> ArvakError {
        let code = self.code();
        ArvakError::new(classify(code, rpc, ""), code, self.describe(url)).with_rpc(rpc)
    }
}

impl fmt::Display for TransportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe("the server"))
    }
}

impl std::error::Error for TransportProblem {}

/// A unary answer that ended with status OK but did not carry exactly one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnaryShape {
    /// Messages received: 0, or 2 meaning "more than one" (reading stops at the second).
    pub messages: u32,
}

impl UnaryShape {
    /// The error: `INTERNAL` (gRPC's code for a protocol violation by the server), kind
    /// [`ErrorKind::Other`].
    pub fn into_error(self, rpc: Rpc, url: &str) -> ArvakError {
        let what = if self.messages == 0 {
            format!(
                "The server at {url} answered {rpc} with status OK but without a response \
                 message; a unary call returns exactly one"
            )
        } else {
            format!(
                "The server at {url} answered {rpc} with more than one message; a unary call \
                 returns exactly one, so the answer was rejected"
            )
        };
        ArvakError::new(ErrorKind::Other, Code::Internal, what).with_rpc(rpc)
    }
}

/// Drops response headers that are transport noise, keeping application metadata.
///
/// Trailers-only responses put the status into the HTTP headers, so tonic's status metadata then also
/// contains `content-type`, CORS and date headers; those say nothing about the error.
pub fn filter_metadata(pairs: impl IntoIterator<Item = (String, String)>) -> Vec<(String, String)> {
    const NOISE: [&str; 10] = [
        "content-type",
        "content-length",
        "date",
        "vary",
        "server",
        "connection",
        "transfer-encoding",
        "grpc-encoding",
        "grpc-accept-encoding",
        "grpc-status-details-bin",
    ];
    let out: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, _)| !NOISE.contains(&k.as_str()) && !k.starts_with("access-control-"))
        .collect();
    crate::logic::order::sorted(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_RPCS: [Rpc; 9] = [
        Rpc::SubmitJob,
        Rpc::SubmitBatch,
        Rpc::GetJobStatus,
        Rpc::GetJobResult,
        Rpc::CancelJob,
        Rpc::ListBackends,
        Rpc::GetBackendInfo,
        Rpc::WatchJob,
        Rpc::StreamResults,
    ];

    #[test]
    fn not_found_is_decided_by_rpc_not_by_text() {
        for rpc in [Rpc::SubmitJob, Rpc::SubmitBatch, Rpc::GetBackendInfo] {
            assert_eq!(
                classify(Code::NotFound, rpc, "job"),
                ErrorKind::BackendNotFound
            );
        }
        for rpc in [
            Rpc::GetJobStatus,
            Rpc::GetJobResult,
            Rpc::CancelJob,
            Rpc::StreamResults,
        ] {
            assert_eq!(
                classify(Code::NotFound, rpc, "backend"),
                ErrorKind::JobNotFound
            );
        }
    }

    #[test]
    fn spec_section_7_table() {
        use ErrorKind::*;
        let cases: &[(Code, Rpc, &str, ErrorKind)] = &[
            (
                Code::Unauthenticated,
                Rpc::ListBackends,
                "Invalid or missing API key",
                Unauthenticated,
            ),
            (Code::Unauthenticated, Rpc::WatchJob, "", Unauthenticated),
            (
                Code::ResourceExhausted,
                Rpc::SubmitJob,
                "Rate limit exceeded: 100 req/s (limit: 100 req/s)",
                RateLimited,
            ),
            (
                Code::ResourceExhausted,
                Rpc::SubmitBatch,
                "Concurrency limit reached: 2 jobs running (limit: 2)",
                RateLimited,
            ),
            (
                Code::InvalidArgument,
                Rpc::SubmitJob,
                "QASM parse error: x",
                InvalidCircuit,
            ),
            (
                Code::InvalidArgument,
                Rpc::SubmitBatch,
                "Circuit exceeds complexity limits: 300 qubits exceeds limit of 200",
                InvalidCircuit,
            ),
            (Code::InvalidArgument, Rpc::GetJobStatus, "whatever", Other),
            (
                Code::FailedPrecondition,
                Rpc::GetJobResult,
                "abc",
                JobNotCompleted,
            ),
            (
                Code::FailedPrecondition,
                Rpc::StreamResults,
                "abc",
                JobNotCompleted,
            ),
            (Code::FailedPrecondition, Rpc::CancelJob, "abc", Other),
            (
                Code::Aborted,
                Rpc::GetJobResult,
                "Backend submit failed: x",
                JobFailed,
            ),
            (
                Code::Aborted,
                Rpc::StreamResults,
                "Backend submit failed: x",
                JobFailed,
            ),
            (Code::Aborted, Rpc::SubmitJob, "x", Other),
            (
                Code::Internal,
                Rpc::WatchJob,
                "Failed to get job: Job not found: 1234",
                JobNotFound,
            ),
            (Code::Internal, Rpc::WatchJob, "something else", Other),
            (
                Code::Internal,
                Rpc::GetJobStatus,
                "Failed to get job: Job not found: 1",
                Other,
            ),
            (
                Code::Internal,
                Rpc::SubmitJob,
                "Circuit compilation failed: x",
                Other,
            ),
            (
                Code::DeadlineExceeded,
                Rpc::SubmitJob,
                "Circuit compilation timed out after 30s",
                Timeout,
            ),
            (
                Code::DeadlineExceeded,
                Rpc::WatchJob,
                "Watch stream timed out after 1 hour",
                Timeout,
            ),
            (
                Code::Cancelled,
                Rpc::GetJobStatus,
                "Timeout expired",
                Timeout,
            ),
            (Code::Cancelled, Rpc::GetJobStatus, "other", Other),
            (Code::Unavailable, Rpc::ListBackends, "", Unavailable),
            (Code::Unknown, Rpc::ListBackends, "", Unavailable),
            (Code::Unimplemented, Rpc::ListBackends, "", Other),
            (Code::OutOfRange, Rpc::GetJobResult, "", Other),
            (Code::PermissionDenied, Rpc::GetJobResult, "", Other),
        ];
        for (code, rpc, msg, want) in cases {
            assert_eq!(classify(*code, *rpc, msg), *want, "{code:?} {rpc} {msg:?}");
        }
    }

    #[test]
    fn paths_match_names() {
        for rpc in ALL_RPCS {
            assert_eq!(rpc.path(), format!("/arvak.v1.ArvakService/{}", rpc.name()));
        }
    }

    #[test]
    fn classification_is_total() {
        for rpc in ALL_RPCS {
            for c in 0..=16 {
                let _ = classify(Code::from_i32(c), rpc, "");
            }
        }
    }

    #[test]
    fn tags_are_stripped_and_kept() {
        assert_eq!(strip_tag("[permanent] abc"), (Some(Tag::Permanent), "abc"));
        assert_eq!(strip_tag("[transient] abc"), (Some(Tag::Transient), "abc"));
        assert_eq!(strip_tag("[permanent] "), (Some(Tag::Permanent), ""));
        assert_eq!(strip_tag("[permanent]x"), (Some(Tag::Permanent), "x"));
        assert_eq!(strip_tag("x [permanent] y"), (None, "x [permanent] y"));
        assert_eq!(strip_tag(""), (None, ""));
    }

    #[test]
    fn from_status_builds_the_whole_error() {
        let e = ArvakError::from_status(
            Code::NotFound,
            Rpc::GetBackendInfo,
            "[permanent] nonexistent",
            vec![("x-a".into(), "1".into())],
        );
        assert_eq!(e.kind, ErrorKind::BackendNotFound);
        assert_eq!(e.code_name(), "NOT_FOUND");
        assert_eq!(e.message, "nonexistent");
        assert_eq!(e.tag, Some(Tag::Permanent));
        assert_eq!(e.rpc, Some(Rpc::GetBackendInfo));
        assert_eq!(e.attempts, 1);
        assert_eq!(e.metadata, vec![("x-a".to_owned(), "1".to_owned())]);
        // An empty id still gives a readable message.
        let e = ArvakError::from_status(Code::NotFound, Rpc::SubmitJob, "[permanent] ", vec![]);
        assert_eq!(e.message, "NOT_FOUND from SubmitJob");
        assert_eq!(
            e.to_string(),
            "BackendNotFoundError: NOT_FOUND from SubmitJob"
        );
    }

    #[test]
    fn client_side_errors_use_grpc_client_codes() {
        assert_eq!(ArvakError::aborted(None).code, Code::Cancelled);
        assert_eq!(ArvakError::aborted(None).kind, ErrorKind::Aborted);
        assert!(ArvakError::aborted(Some("stop"))
            .message
            .ends_with(": stop"));
        assert_eq!(ArvakError::client_closed().kind, ErrorKind::Aborted);
        let t = ArvakError::deadline_exceeded(1500.0);
        assert_eq!(
            (t.kind, t.code),
            (ErrorKind::Timeout, Code::DeadlineExceeded)
        );
        assert!(t.message.contains("1500 ms"));
        let w = ArvakError::wait_timeout("j1", 200.0);
        assert_eq!(w.job_id.as_deref(), Some("j1"));
        assert!(w.message.contains("not cancelled"));
    }

    #[test]
    fn numbers_are_described_without_float_formatting() {
        let cases = [
            (0.0, "0"),
            (-0.0, "0"),
            (1024.0, "1024"),
            (-1.0, "-1"),
            (1.5, "1.5"),
            (-2.25, "-2.25"),
            (0.1, "0.1"),
            (1e-9, "0"),
            (2.9999999, "3"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (1e19, "10000000000000000000"),
            (1e20, "a number above 1.8e19"),
            (4294967296.0, "4294967296"),
            (-1e300, "-a number above 1.8e19"),
        ];
        for (v, want) in cases {
            assert_eq!(describe_number(v), want, "{v}");
        }
        assert_eq!(describe_ms(1499.6), "1500 ms");
        assert_eq!(describe_ms(f64::INFINITY), "an unbounded time");
    }

    #[test]
    fn transport_problems_say_what_to_check() {
        let problems = [
            TransportProblem::FetchFailed("TypeError: Failed to fetch".into()),
            TransportProblem::NotGrpcWeb("text/html".into()),
            TransportProblem::TextEncoding,
            TransportProblem::MissingContentType,
            TransportProblem::Incomplete {
                http_status: 200,
                got_messages: false,
            },
            TransportProblem::Incomplete {
                http_status: 500,
                got_messages: true,
            },
            TransportProblem::Malformed("trailer".into()),
            TransportProblem::BodyFailed("x".into()),
        ];
        for p in problems {
            let e = p.clone().into_error(Rpc::ListBackends, "http://h:1");
            assert_eq!(e.kind, ErrorKind::Unavailable);
            assert!(e.message.contains("http://h:1"), "{}", e.message);
            assert!(e.message.contains("Access-Control-Expose-Headers"));
            assert!(e.message.contains("running"));
        }
        // HTTP statuses of non-grpc-web answers: gRPC's mapping, the status in the message.
        for (status, code, kind) in [
            (400, Code::Internal, ErrorKind::Other),
            (401, Code::Unauthenticated, ErrorKind::Unauthenticated),
            (403, Code::PermissionDenied, ErrorKind::Other),
            (404, Code::Unimplemented, ErrorKind::Other),
            (429, Code::Unavailable, ErrorKind::Unavailable),
            (500, Code::Unknown, ErrorKind::Unavailable),
            (502, Code::Unavailable, ErrorKind::Unavailable),
            (503, Code::Unavailable, ErrorKind::Unavailable),
            (504, Code::Unavailable, ErrorKind::Unavailable),
            (418, Code::Unknown, ErrorKind::Unavailable),
        ] {
            let p = TransportProblem::HttpStatus {
                status,
                content_type: Some("text/plain".into()),
            };
            let e = p.into_error(Rpc::ListBackends, "http://h:1");
            assert_eq!((e.code, e.kind), (code, kind), "HTTP {status}");
            assert!(
                e.message.contains(&format!("HTTP {status}")),
                "{}",
                e.message
            );
            assert!(e.message.contains("text/plain"), "{}", e.message);
            assert!(e.message.contains("http://h:1"), "{}", e.message);
            assert!(e.message.contains("Access-Control-Expose-Headers"));
            assert!(e.message.contains("running"));
        }
        assert_eq!(
            TransportProblem::FetchFailed(String::new()).code(),
            Code::Unavailable
        );
        assert_eq!(
            TransportProblem::Malformed(String::new()).code(),
            Code::Unknown
        );
        let e = TransportProblem::TooLarge {
            length: 33_554_432,
            limit: 4_194_304,
        }
        .into_error(Rpc::GetJobResult, "http://h:1");
        assert_eq!((e.code, e.kind), (Code::OutOfRange, ErrorKind::Other));
        assert!(e.message.contains("33554432") && e.message.contains("maxReceiveMessageBytes"));
    }

    #[test]
    fn metadata_filter_drops_transport_noise() {
        let m = filter_metadata(vec![
            ("content-type".into(), "application/grpc-web".into()),
            ("access-control-allow-origin".into(), "*".into()),
            ("x-request-id".into(), "r".into()),
            ("date".into(), "d".into()),
        ]);
        assert_eq!(m, vec![("x-request-id".to_owned(), "r".to_owned())]);
    }

    #[test]
    fn class_names_are_unique() {
        let mut names: Vec<_> = ErrorKind::ALL.iter().map(|k| k.class_name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ErrorKind::ALL.len());
    }

    #[test]
    fn unary_answers_of_the_wrong_shape_are_internal_and_say_what_came() {
        let none = UnaryShape { messages: 0 }.into_error(Rpc::ListBackends, "http://h:1");
        assert_eq!((none.code, none.kind), (Code::Internal, ErrorKind::Other));
        assert!(none
            .message
            .contains("status OK but without a response message"));
        assert!(
            !none.message.contains("grpc-status"),
            "the status was readable: {}",
            none.message
        );
        let two = UnaryShape { messages: 2 }.into_error(Rpc::GetJobResult, "http://h:1");
        assert_eq!(two.code, Code::Internal);
        assert!(
            two.message.contains("more than one message"),
            "{}",
            two.message
        );
        assert_eq!(two.rpc, Some(Rpc::GetJobResult));
    }
}
