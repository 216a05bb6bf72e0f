//! [`ArvakClient`]: the Rust API of the browser client, and its call pipeline.
//!
//! Every unary call goes through the same steps:
//! deadline (call `timeout_ms`, else the client default) → guard (AbortSignal, `close()`, deadline) →
//! then per attempt ([`super::resilience`]): pacing (submits) → circuit-breaker permit →
//! concurrency permit (`max_concurrency`) → headers (client's, then the call's) + `grpc-timeout` with
//! the budget left → the grpc-web request → status → [`ArvakError`] by code and RPC → breaker and
//! budget → retry after a backoff (abortable, never past the deadline) or give up with `attempts`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue, MetadataMap};
use web_sys::AbortSignal;

use super::env::now_ms;
use super::guard::Guard;
use super::journal::Journal;
use super::resilience::{Attempts, CallFailure, ResilienceOptions, ResilienceState};
use super::rpc::{decode, RawCodec};
use super::transport::{status_error, Transport};
use crate::logic::data::{
    BackendInfo, BatchCircuit, CancelOutcome, Circuit, Job, JobResult, ResultChunk,
};
use crate::logic::deadline::{format_grpc_timeout, parse_timeout_ms, Deadline};
use crate::logic::error::{ArvakError, Code, ErrorKind, Rpc, UnaryShape};
use crate::logic::protocol::{MaxStreams, Protocol, MAX_PROBES};
use crate::logic::relay::{self, RelayTag};
use crate::logic::results::{shots_from_counts, ChunkMerger};
use crate::logic::sync::{CancelToken, Limiter, StreamSlots};
use crate::logic::wait::RunTimes;
use crate::proto;
use bytes::Bytes;
use std::future::Future;
use std::pin::Pin;

/// The fetch `credentials` mode of every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Credentials {
    /// Never send cookies/HTTP auth.
    Omit,
    /// Send them to the page's own origin only (the fetch default).
    #[default]
    SameOrigin,
    /// Always send them (the server must answer CORS with `Access-Control-Allow-Credentials`).
    Include,
}

impl Credentials {
    /// Parses `"omit" | "same-origin" | "include"`.
    pub fn parse(s: &str) -> Result<Self, ArvakError> {
        match s {
            "omit" => Ok(Credentials::Omit),
            "same-origin" => Ok(Credentials::SameOrigin),
            "include" => Ok(Credentials::Include),
            other => Err(ArvakError::invalid_argument(format!(
                "credentials must be \"omit\", \"same-origin\" or \"include\", got \"{other}\""
            ))),
        }
    }

    fn to_fetch(self) -> tonic_web_wasm_client::options::Credentials {
        use tonic_web_wasm_client::options::Credentials as C;
        match self {
            Credentials::Omit => C::Omit,
            Credentials::SameOrigin => C::SameOrigin,
            Credentials::Include => C::Include,
        }
    }
}

/// What a [`HeaderHook`] is told: the call and its attempt (1-based).
#[derive(Debug, Clone, Copy)]
pub struct HeaderContext {
    /// The RPC about to be sent.
    pub rpc: Rpc,
    /// Its attempt number (1 for the first try; retries and refreshes count up).
    pub attempt: u32,
}

/// Headers computed for every attempt (an expiring token, say): their names and values, or an
/// error that fails the call before anything is sent.
pub type HeaderHook = Rc<
    dyn Fn(
        HeaderContext,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<(String, String)>, ArvakError>>>>,
>;

/// Options of a client.
#[derive(Clone)]
pub struct ClientOptions {
    /// Default deadline of each call in ms (`None`: no deadline). Default 30 000.
    pub timeout_ms: Option<f64>,
    /// Headers sent with every call (e.g. `x-api-key`).
    pub headers: Vec<(String, String)>,
    /// Headers computed for every attempt, on top of `headers` (per-call headers still win).
    pub header_hook: Option<HeaderHook>,
    /// With a `header_hook`: an `UNAUTHENTICATED` answer is retried once at once, with headers the
    /// hook computes again (a refreshed token). Default false.
    pub refresh_on_unauthenticated: bool,
    /// fetch `credentials`.
    pub credentials: Credentials,
    /// At most this many unary calls in flight; further calls queue (`None`: unlimited).
    pub max_concurrency: Option<usize>,
    /// WatchJob streams for `auto` waits (default `Auto`: 2 on HTTP/1.1, more on HTTP/2 and 3,
    /// see [`crate::logic::protocol`]); more waits poll.
    pub max_streams: MaxStreams,
    /// Called instead of the global `fetch` for every request, as `fetch(request, init)` (logging,
    /// tracing, a service worker's fetch); it must return a `Response` or a promise of one.
    pub fetch: Option<js_sys::Function>,
    /// The largest message accepted from the server in bytes (default 4 MiB, as gRPC's). A larger
    /// one is refused from its length prefix before it is read, and the request is cancelled.
    pub max_receive_message_bytes: usize,
    /// Keep submitted job ids in the named job journal, so they survive a reload
    /// ([`super::journal`]); `None` (the default): no journal.
    pub journal: Option<String>,
    /// Retry policy, circuit breaker, retry budget, submit pacing (default: one attempt per call,
    /// no breaker, submit pacing learned from the server).
    pub resilience: ResilienceOptions,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout_ms: Some(30_000.0),
            headers: Vec::new(),
            header_hook: None,
            refresh_on_unauthenticated: false,
            credentials: Credentials::SameOrigin,
            max_concurrency: None,
            max_streams: MaxStreams::Auto,
            fetch: None,
            max_receive_message_bytes: DEFAULT_MAX_RECEIVE_MESSAGE_BYTES,
            journal: None,
            resilience: ResilienceOptions::default(),
        }
    }
}

/// The default of [`ClientOptions::max_receive_message_bytes`]: 4 MiB, gRPC's default.
pub const DEFAULT_MAX_RECEIVE_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

/// Per-call options: every method takes them.
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    /// Aborts the call (rejects at once with an abort error and cancels the fetch).
    pub signal: Option<AbortSignal>,
    /// This call's deadline in ms (`None`: the client default; `f64::INFINITY`: none).
    pub timeout_ms: Option<f64>,
    /// Extra headers for this call (override the client's).
    pub headers: Vec<(String, String)>,
}

/// Submission options.
#[derive(Debug, Clone)]
pub struct SubmitOptions {
    /// Shots (default 1024).
    pub shots: u32,
    /// Compiler optimisation level (default 0; ≥ 1 widens simulator keys to 20 bits, spec §9).
    pub optimization_level: u32,
    /// A label kept with the job in the client's journal, if it has one.
    pub label: Option<String>,
}

impl Default for SubmitOptions {
    fn default() -> Self {
        SubmitOptions {
            shots: 1024,
            optimization_level: 0,
            label: None,
        }
    }
}

/// Ids an error is about.
#[derive(Clone, Copy, Default)]
pub(crate) struct Ids<'a> {
    pub job: Option<&'a str>,
    pub backend: Option<&'a str>,
}

impl<'a> Ids<'a> {
    pub fn job(id: &'a str) -> Self {
        Ids {
            job: Some(id),
            backend: None,
        }
    }
    pub fn backend(id: &'a str) -> Self {
        Ids {
            job: None,
            backend: Some(id),
        }
    }
    pub fn apply(self, mut e: ArvakError) -> ArvakError {
        if e.job_id.is_none() {
            e.job_id = self.job.map(str::to_owned);
        }
        if e.backend_id.is_none() {
            e.backend_id = self.backend.map(str::to_owned);
        }
        e
    }
}

/// What clones of a client share. Private to this module: the other parts of the client reach it
/// through the accessors below.
pub(crate) struct Inner {
    url: String,
    transport: Transport,
    max_message_bytes: usize,
    default_timeout_ms: Option<f64>,
    headers: Vec<(AsciiMetadataKey, AsciiMetadataValue)>,
    header_hook: Option<HeaderHook>,
    refresh_on_unauthenticated: bool,
    limiter: Limiter,
    slots: StreamSlots,
    closed: CancelToken,
    resilience: ResilienceState,
    journal: Option<Journal>,
    max_streams: MaxStreams,
    /// What the first calls' timing said, and how many times it was looked at.
    protocol: Cell<(Protocol, u8)>,
    /// How long jobs run per backend, learned by waits (shared with `with_resilience` clones).
    run_times: Rc<RefCell<RunTimes>>,
}

/// The Arvak client. Cheap to clone (clones share connections' settings, limits and `close()`).
///
/// ```ignore
/// use arvak_grpc_wasm::web::{ArvakClient, CallOptions, ClientOptions, SubmitOptions};
///
/// let client = ArvakClient::new("https://arvak.example.org", ClientOptions {
///     headers: vec![("x-api-key".into(), key)],
///     ..Default::default()
/// })?;
/// let call = CallOptions::default(); // or { signal: Some(abort.signal()), timeout_ms: Some(5000.0), .. }
/// let shots = SubmitOptions { shots: 1000, ..Default::default() };
/// let job_id = client.submit_qasm(BELL, "simulator", shots, &call).await?;
/// let job = client.get_job_status(&job_id, &call).await?;
/// println!("{} is {}", job.job_id, job.state.as_str());
/// ```
#[derive(Clone)]
pub struct ArvakClient {
    inner: Rc<Inner>,
}

/// What the rest of the client (waits, watches, batches, resilience) may use of a client.
impl ArvakClient {
    /// Fired by `close()`: every guard of every call listens to it.
    pub(crate) fn closed_token(&self) -> &CancelToken {
        &self.inner.closed
    }

    /// Whether an `UNAUTHENTICATED` answer gets one immediate retry with recomputed headers.
    pub(crate) fn refreshes_on_unauthenticated(&self) -> bool {
        self.inner.refresh_on_unauthenticated && self.inner.header_hook.is_some()
    }

    /// The WatchJob stream slots of waits.
    pub(crate) fn stream_slots(&self) -> &StreamSlots {
        &self.inner.slots
    }

    /// The client-wide retry, breaker, budget and pacer state.
    pub(crate) fn resilience_state(&self) -> &ResilienceState {
        &self.inner.resilience
    }
}

/// Validates headers into metadata entries (printable ASCII values, checked by
/// [`crate::logic::message::check_header_value`]; binary `-bin` headers are refused).
fn parse_headers(
    headers: &[(String, String)],
) -> Result<Vec<(AsciiMetadataKey, AsciiMetadataValue)>, ArvakError> {
    headers
        .iter()
        .map(|(k, v)| {
            let key =
                AsciiMetadataKey::from_bytes(k.to_ascii_lowercase().as_bytes()).map_err(|_| {
                    ArvakError::invalid_argument(format!("invalid header name \"{k}\""))
                })?;
            crate::logic::message::check_header_value(k, v)?;
            let value = AsciiMetadataValue::try_from(v.as_str()).map_err(|_| {
                ArvakError::invalid_argument(format!(
                    "invalid value for header \"{k}\" (printable ASCII only)"
                ))
            })?;
            Ok((key, value))
        })
        .collect()
}

/// How a unary call retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The client's retry policy as is: `maxAttempts`, budget and breaker can end the call;
    /// `timeoutMs` bounds all attempts together.
    Plain,
    /// A read of a job the caller owns ([`crate::resilience::owned`]): retried until the caller's
    /// deadline (`cap`) or a permanent answer; `timeoutMs` bounds each attempt.
    Owned,
}

/// What bounds one attempt: its deadline (sent as `grpc-timeout`) and the error it ends with.
struct Attempt<'a> {
    deadline: Deadline,
    on_deadline: &'a ArvakError,
    /// The journal relay's tag of a relayed submission ([`crate::logic::relay`]).
    relay: Option<&'a RelayTag>,
}

impl Attempt<'_> {
    /// `error`, or this attempt's deadline error when it is the server noticing that same deadline
    /// first ([`Deadline::explains`]).
    fn own_expiry(&self, error: ArvakError) -> ArvakError {
        if self.deadline.explains(&error, now_ms()) {
            self.on_deadline.clone()
        } else {
            error
        }
    }
}

#[wasm_bindgen::prelude::wasm_bindgen(module = "/js/glue.js")]
extern "C" {
    /// The newest timing entry's protocol for a URL under `base` ("" if none).
    #[wasm_bindgen(js_name = nextHopProtocol)]
    fn next_hop_protocol(base: &str) -> String;
}

/// One unary call as the pipeline carries it through its attempts: built once per call.
struct CallContext<'a> {
    rpc: Rpc,
    call: &'a CallOptions,
    ids: Ids<'a>,
    /// The caller's own deadline on top of `timeoutMs` (waits pass theirs).
    cap: Deadline,
    /// Jobs the call creates (0 for reads).
    jobs: u32,
    mode: Mode,
    /// Set for a submission the journal relay carries.
    relay: Option<&'a RelayTag>,
}

/// A failure before anything was sent (options, headers, an abort noticed up front).
fn not_sent(error: ArvakError) -> CallFailure {
    CallFailure {
        error,
        reach: crate::resilience::Reach::NotSent,
    }
}

/// A message the server must send but did not (`Option` field of a response).
fn missing(what: &str, rpc: Rpc) -> ArvakError {
    ArvakError::new(
        ErrorKind::Other,
        Code::Internal,
        format!("The server's {rpc} response has no {what}"),
    )
    .with_rpc(rpc)
}

impl ArvakClient {
    /// A client for the grpc-web endpoint at `url` (e.g. `http://localhost:8080`; a path prefix is
    /// kept, trailing slashes are dropped).
    pub fn new(url: &str, options: ClientOptions) -> Result<Self, ArvakError> {
        let default_timeout_ms = parse_timeout_ms(options.timeout_ms, "timeoutMs")?;
        let headers = parse_headers(&options.headers)?;
        let url = url.trim_end_matches('/').to_owned();
        let journal = options.journal.as_deref().map(Journal::open).transpose()?;
        Ok(ArvakClient {
            inner: Rc::new(Inner {
                transport: Transport::new(
                    &url,
                    options.credentials.to_fetch(),
                    options.fetch,
                    options.max_receive_message_bytes,
                ),
                max_message_bytes: options.max_receive_message_bytes,
                url,
                default_timeout_ms,
                headers,
                header_hook: options.header_hook,
                refresh_on_unauthenticated: options.refresh_on_unauthenticated,
                limiter: Limiter::new(options.max_concurrency),
                slots: StreamSlots::new(options.max_streams.cap(Protocol::Unknown)),
                max_streams: options.max_streams,
                protocol: Cell::new((Protocol::Unknown, 0)),
                run_times: Rc::default(),
                closed: CancelToken::new(),
                resilience: ResilienceState::new(options.resilience, None),
                journal,
            }),
        })
    }

    /// A client that shares this one's connection settings, headers, concurrency limit, stream cap,
    /// `close()` and submit pacer, with other resilience settings (what `ResilientClient` is).
    pub fn with_resilience(&self, options: ResilienceOptions) -> ArvakClient {
        let i = &self.inner;
        ArvakClient {
            inner: Rc::new(Inner {
                url: i.url.clone(),
                transport: i.transport.clone(),
                max_message_bytes: i.max_message_bytes,
                default_timeout_ms: i.default_timeout_ms,
                headers: i.headers.clone(),
                header_hook: i.header_hook.clone(),
                refresh_on_unauthenticated: i.refresh_on_unauthenticated,
                limiter: i.limiter.clone(),
                slots: i.slots.clone(),
                max_streams: i.max_streams,
                protocol: Cell::new(i.protocol.get()),
                run_times: i.run_times.clone(),
                closed: i.closed.clone(),
                resilience: ResilienceState::new(options, Some(i.resilience.pacer.clone())),
                journal: i.journal.clone(),
            }),
        }
    }

    /// The HTTP version of this client's calls as the browser reported it (`Unknown` until a call
    /// finished, and for a cross-origin server without `Timing-Allow-Origin`).
    pub fn protocol(&self) -> Protocol {
        self.inner.protocol.get().0
    }

    /// How long jobs on each backend run, as earlier waits saw it (waits aim a check there).
    pub(crate) fn run_times(&self) -> &RefCell<RunTimes> {
        &self.inner.run_times
    }

    /// The WatchJob stream cap `auto` waits use now.
    pub fn stream_cap(&self) -> usize {
        self.inner.slots.max()
    }

    /// Looks at the browser's timing of earlier calls until the protocol is known (at most
    /// [`MAX_PROBES`] times), and lifts the `auto` stream cap on HTTP/2 and HTTP/3.
    fn probe_protocol(&self) {
        let (known, probes) = self.inner.protocol.get();
        if known != Protocol::Unknown || probes >= MAX_PROBES {
            return;
        }
        let seen = Protocol::from_alpn(&next_hop_protocol(&self.inner.url));
        self.inner.protocol.set((seen, probes + 1));
        if seen != Protocol::Unknown {
            self.inner.slots.set_max(self.inner.max_streams.cap(seen));
        }
    }

    /// The job journal this client keeps, if any.
    pub fn journal(&self) -> Option<&Journal> {
        self.inner.journal.as_ref()
    }

    /// The circuit breaker this client uses, if any.
    pub fn breaker(&self) -> Option<super::resilience::SharedBreaker> {
        self.inner.resilience.breaker.clone()
    }

    /// The submit rate this client's pacer enforces (configured or learned), if any.
    pub fn submit_rate_limit(&self) -> Option<u32> {
        self.inner.resilience.pacer.borrow().limit()
    }

    /// The base URL.
    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// Closes the client: pending calls, waits and streams reject with an abort error and later calls
    /// reject at once. Idempotent.
    pub fn close(&self) {
        self.inner.closed.cancel();
    }

    /// Whether [`ArvakClient::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.is_cancelled()
    }

    /// WatchJob streams open now (waits and `watch_job` iterators).
    pub fn open_streams(&self) -> usize {
        self.inner.slots.open()
    }

    /// Unary calls in flight now.
    pub fn calls_in_flight(&self) -> usize {
        self.inner.limiter.in_use()
    }

    pub(crate) fn call_timeout(&self, call: &CallOptions) -> Result<Option<f64>, ArvakError> {
        match call.timeout_ms {
            None => Ok(self.inner.default_timeout_ms),
            v => parse_timeout_ms(v, "timeoutMs"),
        }
    }

    /// Request metadata: client headers, call headers, and `grpc-timeout` for `deadline`.
    /// The metadata of one attempt: the client's headers, the hook's (computed now, under
    /// `guard`), the call's, and `grpc-timeout` for what is left of `deadline`.
    pub(crate) async fn metadata(
        &self,
        context: HeaderContext,
        call: &CallOptions,
        guard: &mut Guard,
        deadline: Deadline,
        on_expired: &ArvakError,
    ) -> Result<MetadataMap, ArvakError> {
        let mut md = MetadataMap::new();
        for (k, v) in &self.inner.headers {
            md.insert(k.clone(), v.clone());
        }
        if let Some(hook) = &self.inner.header_hook {
            let computed = guard.run(hook(context)).await??;
            for (k, v) in parse_headers(&computed)? {
                md.insert(k, v);
            }
        }
        for (k, v) in parse_headers(&call.headers)? {
            md.insert(k, v);
        }
        if let Some(remaining) = deadline.remaining_ms(now_ms()) {
            let value = format_grpc_timeout(remaining)
                .and_then(|s| AsciiMetadataValue::try_from(s.as_str()).ok())
                .ok_or_else(|| on_expired.clone())?;
            md.insert("grpc-timeout", value);
        }
        Ok(md)
    }

    /// Opens a server stream of `rpc` (the caller's guard bounds it).
    pub(crate) async fn open_stream(
        &self,
        rpc: Rpc,
        metadata: MetadataMap,
        body: Bytes,
    ) -> Result<tonic::Streaming<Bytes>, tonic::Status> {
        let mut grpc = self.grpc();
        grpc.ready().await.map_err(tonic::Status::from_error)?;
        let mut req = tonic::Request::new(body);
        *req.metadata_mut() = metadata;
        let path = http::uri::PathAndQuery::from_static(rpc.path());
        Ok(grpc
            .server_streaming(req, path, RawCodec)
            .await?
            .into_inner())
    }

    /// A tonic client on the transport, with the client's message size limit (tonic checks it
    /// again after the transport did).
    fn grpc(&self) -> tonic::client::Grpc<Transport> {
        tonic::client::Grpc::new(self.inner.transport.clone())
            .max_decoding_message_size(self.inner.max_message_bytes)
    }

    pub(crate) fn status_error(&self, status: tonic::Status, rpc: Rpc, ids: Ids<'_>) -> ArvakError {
        ids.apply(status_error(status, rpc, &self.inner.url))
    }

    /// The unary pipeline for typed messages. `cap` further limits the deadline (waits pass their
    /// own); `jobs` is the number of jobs the call creates (0 for reads).
    pub(crate) async fn unary<Req: prost::Message, Resp: prost::Message + Default>(
        &self,
        rpc: Rpc,
        call: &CallOptions,
        cap: Deadline,
        ids: Ids<'_>,
        request: Req,
        jobs: u32,
    ) -> Result<Resp, CallFailure> {
        self.unary_mode(rpc, call, cap, ids, request, jobs, Mode::Plain, None)
            .await
    }

    /// [`ArvakClient::unary`] with a retry [`Mode`].
    #[allow(clippy::too_many_arguments)]
    async fn unary_mode<Req: prost::Message, Resp: prost::Message + Default>(
        &self,
        rpc: Rpc,
        call: &CallOptions,
        cap: Deadline,
        ids: Ids<'_>,
        request: Req,
        jobs: u32,
        mode: Mode,
        relay: Option<&RelayTag>,
    ) -> Result<Resp, CallFailure> {
        // Boxed as `dyn`: the pipeline is compiled once, not inlined into every typed caller.
        let ctx = CallContext {
            rpc,
            call,
            ids,
            cap,
            jobs,
            mode,
            relay,
        };
        let raw: Pin<Box<dyn Future<Output = Result<Bytes, CallFailure>> + '_>> =
            Box::pin(self.unary_raw(ctx, request.encode_to_vec()));
        let bytes = raw.await?;
        decode(rpc, bytes).map_err(|e| CallFailure {
            error: ids.apply(e),
            reach: crate::resilience::Reach::Sent,
        })
    }

    /// The attempt loop of one unary call: deadline and abort guard, breaker, retries.
    async fn unary_raw(&self, ctx: CallContext<'_>, body: Vec<u8>) -> Result<Bytes, CallFailure> {
        let body = Bytes::from(body);
        let CallContext {
            rpc,
            call,
            ids,
            cap,
            jobs,
            mode,
            relay,
        } = ctx;
        let result = async {
            let budget = self.call_timeout(call).map_err(not_sent)?;
            // Plain calls: `timeoutMs` bounds every attempt together. Owned reads: each attempt
            // gets `timeoutMs`, and only the caller's own deadline (`cap`) bounds them together.
            let overall = match mode {
                Mode::Plain => Deadline::after(now_ms(), budget).min(cap),
                Mode::Owned => cap,
            };
            let on_deadline = ArvakError::deadline_exceeded(
                overall.budget_ms().or(budget).unwrap_or(f64::INFINITY),
            );
            let mut guard = Guard::new(
                call.signal.as_ref(),
                self.closed_token(),
                overall,
                on_deadline.clone(),
            )
            .map_err(not_sent)?;
            let mut attempts = Attempts::new(self.resilience_state(), rpc, jobs, true);
            let mut refresh = self.refreshes_on_unauthenticated();
            if mode == Mode::Owned {
                attempts = attempts.owned();
            }
            loop {
                let permit = attempts.begin(&mut guard).await?;
                let result = match mode {
                    Mode::Plain => {
                        let attempt = Attempt {
                            deadline: overall,
                            on_deadline: &on_deadline,
                            relay,
                        };
                        self.send_once(rpc, call, attempt, &mut guard, &mut attempts, body.clone())
                            .await
                    }
                    Mode::Owned => {
                        let deadline = Deadline::after(now_ms(), budget).min(cap);
                        let on_attempt_deadline =
                            ArvakError::deadline_exceeded(budget.unwrap_or(f64::INFINITY));
                        match Guard::new(
                            None,
                            self.closed_token(),
                            deadline,
                            on_attempt_deadline.clone(),
                        ) {
                            Err(e) => Err(e),
                            Ok(mut attempt_guard) => {
                                let attempt = Attempt {
                                    deadline,
                                    on_deadline: &on_attempt_deadline,
                                    relay,
                                };
                                let once = self.send_once(
                                    rpc,
                                    call,
                                    attempt,
                                    &mut attempt_guard,
                                    &mut attempts,
                                    body.clone(),
                                );
                                guard.run(once).await.and_then(|r| r)
                            }
                        }
                    }
                };
                attempts.record(permit, &result);
                match result {
                    Ok(bytes) => return Ok(bytes),
                    // Once, at once: the hook computes fresh headers for the next attempt.
                    Err(e) if refresh && e.kind == ErrorKind::Unauthenticated => refresh = false,
                    Err(e) => attempts.retry_or_fail(e, &mut guard).await?,
                }
            }
        }
        .await;
        result.map_err(|mut f: CallFailure| {
            if f.error.rpc.is_none() {
                f.error.rpc = Some(rpc);
            }
            f.error = ids.apply(f.error);
            f
        })
    }

    /// One attempt: concurrency permit, metadata with `grpc-timeout`, the request.
    async fn send_once(
        &self,
        rpc: Rpc,
        call: &CallOptions,
        attempt: Attempt<'_>,
        guard: &mut Guard,
        attempts: &mut Attempts<'_>,
        body: Bytes,
    ) -> Result<Bytes, ArvakError> {
        let _permit = guard.run(self.inner.limiter.acquire()).await?;
        let context = HeaderContext {
            rpc,
            attempt: attempts.number(),
        };
        let mut metadata = self
            .metadata(context, call, guard, attempt.deadline, attempt.on_deadline)
            .await?;
        if let Some(tag) = attempt.relay {
            let value = relay::header_value(&tag.key, tag.resume && attempts.sent() == 0);
            if let Ok(value) = AsciiMetadataValue::try_from(value.as_str()) {
                metadata.insert(relay::HEADER, value);
            }
        }
        let mut req = tonic::Request::new(body);
        *req.metadata_mut() = metadata;
        let mut grpc = self.grpc();
        let path = http::uri::PathAndQuery::from_static(rpc.path());
        self.probe_protocol();
        attempts.sending();
        // Read as a stream so the answer's shape can be checked: a unary answer is exactly one
        // message (tonic's `unary` would silently drop a second one).
        let send = async move {
            grpc.ready().await.map_err(tonic::Status::from_error)?;
            let (headers, mut stream, _) = grpc
                .server_streaming(req, path, RawCodec)
                .await?
                .into_parts();
            // As tonic's unary does: response headers join the status's metadata (the
            // trailers win on duplicates).
            let with_headers = |mut status: tonic::Status| {
                let mut all = headers.clone().into_headers();
                all.extend(status.metadata().clone().into_headers());
                *status.metadata_mut() = MetadataMap::from_headers(all);
                status
            };
            let first = stream.message().await.map_err(with_headers)?;
            let messages = match &first {
                None => 0,
                Some(_) => match stream.message().await.map_err(with_headers)? {
                    None => 1,
                    Some(_) => 2,
                },
            };
            Ok::<_, tonic::Status>((first, messages))
        };
        match guard.run(send).await? {
            Ok((Some(bytes), 1)) => Ok(bytes),
            Ok((_, messages)) => Err(UnaryShape { messages }.into_error(rpc, &self.inner.url)),
            Err(status) => Err(attempt.own_expiry(status_error(status, rpc, &self.inner.url))),
        }
    }

    /// Opens a server stream of `rpc` through the breaker (and, with `retry`, the retry policy):
    /// `guard` bounds the opening, `stream_deadline` goes out as `grpc-timeout`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn open_stream_resilient(
        &self,
        rpc: Rpc,
        call: &CallOptions,
        guard: &mut Guard,
        stream_deadline: Deadline,
        on_deadline: &ArvakError,
        body: Vec<u8>,
        ids: Ids<'_>,
        retry: bool,
    ) -> Result<tonic::Streaming<Bytes>, ArvakError> {
        let body = Bytes::from(body);
        let mut attempts = Attempts::new(self.resilience_state(), rpc, 0, retry);
        let mut refresh = self.refreshes_on_unauthenticated();
        loop {
            let permit = attempts.begin(guard).await?;
            let result = async {
                let context = HeaderContext {
                    rpc,
                    attempt: attempts.number(),
                };
                let metadata = self
                    .metadata(context, call, guard, stream_deadline, on_deadline)
                    .await?;
                attempts.sending();
                let sent = Attempt {
                    deadline: stream_deadline,
                    on_deadline,
                    relay: None,
                };
                guard
                    .run(self.open_stream(rpc, metadata, body.clone()))
                    .await?
                    .map_err(|s| sent.own_expiry(self.status_error(s, rpc, ids)))
            }
            .await;
            attempts.record(permit, &result);
            match result {
                Ok(stream) => return Ok(stream),
                Err(e) if refresh && e.kind == ErrorKind::Unauthenticated => refresh = false,
                Err(e) => attempts.retry_or_fail(e, guard).await?,
            }
        }
    }

    /// Submits an OpenQASM 3 circuit; resolves to the job id as soon as the job exists.
    pub async fn submit_qasm(
        &self,
        qasm: &str,
        backend_id: &str,
        options: SubmitOptions,
        call: &CallOptions,
    ) -> Result<String, ArvakError> {
        self.submit(Circuit::Qasm3(qasm.to_owned()), backend_id, options, call)
            .await
    }

    /// Submits an Arvak IR JSON circuit (the service currently rejects this format).
    pub async fn submit_circuit_json(
        &self,
        json: &str,
        backend_id: &str,
        options: SubmitOptions,
        call: &CallOptions,
    ) -> Result<String, ArvakError> {
        self.submit(
            Circuit::ArvakIrJson(json.to_owned()),
            backend_id,
            options,
            call,
        )
        .await
    }

    async fn submit(
        &self,
        circuit: Circuit,
        backend_id: &str,
        options: SubmitOptions,
        call: &CallOptions,
    ) -> Result<String, ArvakError> {
        let c = BatchCircuit {
            circuit,
            shots: options.shots,
            optimization_level: options.optimization_level,
        };
        let job_id = self.submit_raw(&c, backend_id, call, None).await?;
        // Stored before the caller hears of it: a reload from here on still finds the job.
        if let Some(journal) = self.journal() {
            journal.add_job(&job_id, backend_id, options.label.as_deref());
        }
        Ok(job_id)
    }

    /// SubmitJob, reporting whether a failed submission may have created the job.
    pub(crate) async fn submit_raw(
        &self,
        circuit: &BatchCircuit,
        backend_id: &str,
        call: &CallOptions,
        relay: Option<&RelayTag>,
    ) -> Result<String, CallFailure> {
        let request = proto::SubmitJobRequest {
            circuit: Some(circuit.circuit.clone().into_payload()),
            backend_id: backend_id.to_owned(),
            shots: circuit.shots,
            optimization_level: circuit.optimization_level,
        };
        let resp: proto::SubmitJobResponse = self
            .unary_mode(
                Rpc::SubmitJob,
                call,
                Deadline::none(),
                Ids::backend(backend_id),
                request,
                1,
                Mode::Plain,
                relay,
            )
            .await?;
        if resp.job_id.is_empty() {
            return Err(CallFailure {
                error: missing("job id", Rpc::SubmitJob).with_backend(backend_id),
                reach: crate::resilience::Reach::Sent,
            });
        }
        Ok(resp.job_id)
    }

    /// Submits several circuits to one backend in one SubmitBatch call; job ids in input order.
    ///
    /// The service is not atomic (spec §6.2): on an error, jobs before the failing circuit exist.
    /// With a retry policy the call is retried only when the failure proves nothing was created
    /// (a rejection before any job, or a server pushback).
    pub async fn submit_batch(
        &self,
        circuits: Vec<BatchCircuit>,
        backend_id: &str,
        call: &CallOptions,
    ) -> Result<Vec<String>, ArvakError> {
        let refs: Vec<&BatchCircuit> = circuits.iter().collect();
        let ids = self.submit_batch_raw(&refs, backend_id, call, None).await?;
        if let Some(journal) = self.journal() {
            for id in &ids {
                journal.add_job(id, backend_id, None);
            }
        }
        Ok(ids)
    }

    /// SubmitBatch, reporting whether a failed request may have created jobs.
    pub(crate) async fn submit_batch_raw(
        &self,
        circuits: &[&BatchCircuit],
        backend_id: &str,
        call: &CallOptions,
        relay: Option<&RelayTag>,
    ) -> Result<Vec<String>, CallFailure> {
        let n = circuits.len();
        let request = proto::SubmitBatchRequest {
            backend_id: backend_id.to_owned(),
            jobs: circuits
                .iter()
                .map(|c| proto::BatchJobRequest {
                    circuit: Some(c.circuit.clone().into_payload()),
                    shots: c.shots,
                    optimization_level: c.optimization_level,
                })
                .collect(),
        };
        let resp: proto::SubmitBatchResponse = self
            .unary_mode(
                Rpc::SubmitBatch,
                call,
                Deadline::none(),
                Ids::backend(backend_id),
                request,
                u32::try_from(n).unwrap_or(u32::MAX),
                Mode::Plain,
                relay,
            )
            .await?;
        if resp.job_ids.len() != n {
            return Err(CallFailure {
                error: ArvakError::new(
                    ErrorKind::Other,
                    Code::Internal,
                    format!(
                        "The server returned {} job ids for {n} circuits",
                        resp.job_ids.len()
                    ),
                )
                .with_rpc(Rpc::SubmitBatch)
                .with_backend(backend_id),
                reach: crate::resilience::Reach::Sent,
            });
        }
        Ok(resp.job_ids)
    }

    /// The job's current state.
    pub async fn get_job_status(
        &self,
        job_id: &str,
        call: &CallOptions,
    ) -> Result<Job, ArvakError> {
        self.get_job_status_capped(job_id, call, Deadline::none())
            .await
    }

    /// GetJobStatus bounded by `cap` as well, with the client's policy as is.
    pub(crate) async fn get_job_status_capped(
        &self,
        job_id: &str,
        call: &CallOptions,
        cap: Deadline,
    ) -> Result<Job, ArvakError> {
        self.job_status(job_id, call, cap, Mode::Plain).await
    }

    /// GetJobStatus of a job the caller owns (waits, futures, batches): retried until `cap`.
    pub(crate) async fn get_job_status_owned(
        &self,
        job_id: &str,
        call: &CallOptions,
        cap: Deadline,
    ) -> Result<Job, ArvakError> {
        self.job_status(job_id, call, cap, Mode::Owned).await
    }

    async fn job_status(
        &self,
        job_id: &str,
        call: &CallOptions,
        cap: Deadline,
        mode: Mode,
    ) -> Result<Job, ArvakError> {
        let request = proto::GetJobStatusRequest {
            job_id: job_id.to_owned(),
        };
        let resp: proto::GetJobStatusResponse = self
            .unary_mode(
                Rpc::GetJobStatus,
                call,
                cap,
                Ids::job(job_id),
                request,
                0,
                mode,
                None,
            )
            .await?;
        resp.job
            .map(Job::from)
            .ok_or_else(|| missing("job", Rpc::GetJobStatus).with_job(job_id))
    }

    /// GetJobResult of a job the caller owns (waits, futures, batches): retried until `cap`.
    pub(crate) async fn get_job_result_owned(
        &self,
        job_id: &str,
        call: &CallOptions,
        cap: Deadline,
    ) -> Result<JobResult, ArvakError> {
        self.job_result(job_id, call, cap, Mode::Owned).await
    }

    /// The result of a COMPLETED job (job-not-completed / job-failed errors otherwise).
    pub async fn get_job_result(
        &self,
        job_id: &str,
        call: &CallOptions,
    ) -> Result<JobResult, ArvakError> {
        self.get_job_result_capped(job_id, call, Deadline::none())
            .await
    }

    /// GetJobResult bounded by `cap` as well, with the client's policy as is.
    pub(crate) async fn get_job_result_capped(
        &self,
        job_id: &str,
        call: &CallOptions,
        cap: Deadline,
    ) -> Result<JobResult, ArvakError> {
        self.job_result(job_id, call, cap, Mode::Plain).await
    }

    async fn job_result(
        &self,
        job_id: &str,
        call: &CallOptions,
        cap: Deadline,
        mode: Mode,
    ) -> Result<JobResult, ArvakError> {
        let request = proto::GetJobResultRequest {
            job_id: job_id.to_owned(),
        };
        let resp: proto::GetJobResultResponse = self
            .unary_mode(
                Rpc::GetJobResult,
                call,
                cap,
                Ids::job(job_id),
                request,
                0,
                mode,
                None,
            )
            .await?;
        resp.result
            .map(JobResult::from)
            .ok_or_else(|| missing("result", Rpc::GetJobResult).with_job(job_id))
    }

    /// Cancels a QUEUED or RUNNING job. Already-terminal jobs give `success == false`, not an error.
    pub async fn cancel_job(
        &self,
        job_id: &str,
        call: &CallOptions,
    ) -> Result<CancelOutcome, ArvakError> {
        let request = proto::CancelJobRequest {
            job_id: job_id.to_owned(),
        };
        let resp: proto::CancelJobResponse = self
            .unary(
                Rpc::CancelJob,
                call,
                Deadline::none(),
                Ids::job(job_id),
                request,
                0,
            )
            .await?;
        Ok(CancelOutcome::from(resp))
    }

    /// Every registered backend.
    pub async fn list_backends(&self, call: &CallOptions) -> Result<Vec<BackendInfo>, ArvakError> {
        let resp: proto::ListBackendsResponse = self
            .unary(
                Rpc::ListBackends,
                call,
                Deadline::none(),
                Ids::default(),
                proto::ListBackendsRequest {},
                0,
            )
            .await?;
        Ok(resp.backends.into_iter().map(BackendInfo::from).collect())
    }

    /// One backend by id.
    pub async fn get_backend_info(
        &self,
        backend_id: &str,
        call: &CallOptions,
    ) -> Result<BackendInfo, ArvakError> {
        let request = proto::GetBackendInfoRequest {
            backend_id: backend_id.to_owned(),
        };
        let resp: proto::GetBackendInfoResponse = self
            .unary(
                Rpc::GetBackendInfo,
                call,
                Deadline::none(),
                Ids::backend(backend_id),
                request,
                0,
            )
            .await?;
        resp.backend
            .map(BackendInfo::from)
            .ok_or_else(|| missing("backend", Rpc::GetBackendInfo).with_backend(backend_id))
    }

    /// Streams a COMPLETED job's counts in chunks (StreamResults) and merges them.
    ///
    /// `chunk_size` 0/`None` lets the server choose (1000). `on_chunk` sees every chunk. The deadline
    /// covers the whole stream. The merged result's `shots` is the sum of the counts (chunks carry no
    /// shot count), `execution_time_ms` and metadata are `None` — use `get_job_result` for those.
    pub async fn stream_results(
        &self,
        job_id: &str,
        chunk_size: Option<u32>,
        call: &CallOptions,
        on_chunk: &mut dyn FnMut(&ResultChunk),
    ) -> Result<JobResult, ArvakError> {
        let rpc = Rpc::StreamResults;
        let ids = Ids::job(job_id);
        let result = async {
            let budget = self.call_timeout(call)?;
            let deadline = Deadline::after(now_ms(), budget);
            let on_deadline = ArvakError::deadline_exceeded(budget.unwrap_or(f64::INFINITY));
            let mut guard = Guard::new(
                call.signal.as_ref(),
                &self.inner.closed,
                deadline,
                on_deadline.clone(),
            )?;
            let body = prost::Message::encode_to_vec(&proto::StreamResultsRequest {
                job_id: job_id.to_owned(),
                chunk_size: chunk_size.unwrap_or(0),
            });
            let mut stream = self
                .open_stream_resilient(
                    rpc,
                    call,
                    &mut guard,
                    deadline,
                    &on_deadline,
                    body,
                    ids,
                    true,
                )
                .await?;
            let mut merger = ChunkMerger::new();
            loop {
                let msg = guard
                    .run(stream.message())
                    .await?
                    .map_err(|s| status_error(s, rpc, &self.inner.url))?;
                let Some(chunk) = msg else { break };
                let chunk = ResultChunk::from(decode::<proto::ResultChunk>(rpc, chunk)?);
                on_chunk(&chunk);
                merger
                    .push(
                        chunk.chunk_index,
                        chunk.total_chunks,
                        chunk.is_final,
                        chunk.counts,
                    )
                    .map_err(|e| {
                        ArvakError::new(ErrorKind::Other, Code::DataLoss, e.to_string())
                    })?;
            }
            let counts = merger
                .finish()
                .map_err(|e| ArvakError::new(ErrorKind::Other, Code::DataLoss, e.to_string()))?;
            Ok(JobResult {
                job_id: job_id.to_owned(),
                shots: shots_from_counts(&counts),
                counts,
                execution_time_ms: None,
                metadata_json: None,
            })
        }
        .await;
        result.map_err(|e: ArvakError| {
            let e = if e.rpc.is_none() { e.with_rpc(rpc) } else { e };
            ids.apply(e)
        })
    }
}
