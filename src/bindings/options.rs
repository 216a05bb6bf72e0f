//! Every option object of the JavaScript surface, declared once with [`js_options!`]
//! (TypeScript interface, parameter type and typed reader), and the logic turning the read fields
//! into the Rust options of [`crate::web`] (defaults, ranges, combinations).
//!
//! `null` and `undefined` mean "default", unknown fields are ignored, a wrong type is an
//! `ArvakError` with code `INVALID_ARGUMENT` naming the field, and so is a getter that throws.

use js_sys::{Array, Function};
use wasm_bindgen::{JsCast, JsValue};

use std::rc::Rc;

use crate::js_options;
use crate::logic::data::{BatchCircuit, Circuit};
use crate::logic::error::{code_name, ArvakError};
use crate::logic::protocol::MaxStreams;
use crate::logic::wait::Strategy;
use crate::resilience::backoff::parse_code_name;
use crate::resilience::{
    BackoffStrategy, BreakerConfig, BudgetConfig, Jitter, RetryPolicy, RetryableCodes, Transition,
};
use crate::web::resilience::{Retry, RetryEvent, SharedBreaker};
use crate::web::{
    CallOptions, ClientOptions, Credentials, HeaderContext, HeaderHook, ResilienceOptions,
    SubmitOptions, WaitOptions, WatchOptions,
};

use super::convert::{breaker_change, header_context, retry_info};
use super::shape::{headers_of, invalid};

js_options! {
    /// Options of `new ArvakClient(url, options)` (resilience options included).
    pub struct ClientFields as "ClientOptions", arg ClientOptionsArg, extends "ResilienceOptions" {
        /// Default deadline of every call in ms (default 30000; `Infinity` = none). Sent as `grpc-timeout`.
        timeoutMs: number,
        /// Headers sent with every call, e.g. `{ "x-api-key": key }`, or a function computing them for every attempt (an expiring token; it may return a promise).
        headers: value("Record<string, string> | HeaderFunction"),
        /// With a `headers` function: an UNAUTHENTICATED answer is retried once at once, with headers the function computes again (default false).
        refreshOnUnauthenticated: boolean,
        /// fetch `credentials` mode (default "same-origin").
        credentials: one_of("omit", "same-origin", "include"),
        /// At most this many unary calls in flight; more queue (default: unlimited).
        maxConcurrency: number,
        /// At most this many WatchJob streams for `waitForJob` "auto", or "auto" (the default): 2 on HTTP/1.1 (browsers allow 6 connections per origin, each open stream holds one), 64 once the client sees HTTP/2 or HTTP/3 (`client.protocol`).
        maxStreams: value("number | \"auto\""),
        /// Called instead of the global `fetch` for every request, as `fetch(request, init)` (logging, tracing, a service worker); it must return a `Response` or a promise of one.
        fetch: callback("typeof fetch"),
        /// The largest message accepted from the server in bytes (default 4194304 = 4 MiB, as gRPC). A larger one is refused from its length prefix, before it is read: `ArvakError` OUT_OF_RANGE, and the request is cancelled.
        maxReceiveMessageBytes: integer,
        /// Keep every submitted job id in the job journal of this name (localStorage), so a reloaded page can find and resume them (`journalJobs()`, `journalBatches()`, `BatchJobManager.resumeBatch`).
        journal: string,
    }
}

js_options! {
    /// Options every method accepts.
    pub struct CallFields as "CallOptions", arg CallOptionsArg {
        /// Aborts the call: it rejects at once with `ArvakAbortError` and the request is cancelled.
        signal: signal,
        /// This call's deadline in ms (default: the client's `timeoutMs`; `Infinity` = none).
        timeoutMs: number,
        /// Extra headers for this call (override the client's).
        headers: headers,
    }
}

js_options! {
    /// Per-circuit settings in `submitBatch` and batches.
    pub struct CircuitSettingsFields as "BatchCircuitSettings", arg BatchCircuitSettingsArg {
        /// Shots (default 1024; in a batch: the batch's `shots`, else 1024).
        shots: integer,
        /// Compiler optimisation level (default 0; >= 1 widens simulator keys to 20 bits).
        optimizationLevel: integer,
    }
}

js_options! {
    /// Options of `submitQasm` / `submitCircuitJson`.
    pub struct SubmitFields as "SubmitOptions", arg SubmitOptionsArg,
        extends "CallOptions", "BatchCircuitSettings" {
        /// With a journaled client: a label kept with the job (shown by `journalJobs()`).
        label: string,
    }
}

js_options! {
    /// Options of `submitBatch`.
    pub struct BatchFields as "BatchOptions", arg BatchOptionsArg,
        extends "CallOptions", "BatchCircuitSettings" {
        /// How string circuits and `{ circuit }` entries are read (default "qasm3").
        format: one_of("qasm3", "json"),
    }
}

js_options! {
    /// One circuit of a batch given as an object: exactly one of `qasm`, `json` or `circuit`.
    pub struct CircuitFields as "BatchCircuitObject", arg BatchCircuitObjectArg,
        extends "BatchCircuitSettings" {
        /// OpenQASM 3 source.
        qasm: string,
        /// Arvak IR JSON.
        json: string,
        /// Source read per the batch's `format`.
        circuit: string,
    }
}

js_options! {
    /// How a wait polls (as in `waitForJob`; also the wait settings of futures).
    pub struct WaitSettingsFields as "FutureWaitSettings", arg FutureWaitSettingsArg {
        /// Longest pause between status polls in ms (default 1000, at least 100; polls start at once and back off 20, 30, 45, … ms up to it).
        pollIntervalMs: number,
        /// "auto" (default): a result check at once, then WatchJob while under the stream cap, else polling; "watch": always the stream; "poll": polling only.
        strategy: one_of("auto", "watch", "poll"),
    }
}

js_options! {
    /// Options of `waitForJob`.
    pub struct WaitFields as "WaitOptions", arg WaitOptionsArg,
        extends "CallOptions", "FutureWaitSettings" {
        /// Give up after this many ms with `ArvakTimeoutError` (the job is not cancelled). Default: no limit.
        maxWaitMs: number,
        /// Called once per state change. Exceptions are reported on the console and ignored.
        onUpdate: callback("(update: JobUpdate) => void"),
    }
}

js_options! {
    /// Options of `watchJob`. `timeoutMs`, when given, bounds the whole subscription.
    pub struct WatchFields as "WatchOptions", arg WatchOptionsArg, extends "CallOptions" {
        /// Also yield the server's periodic repeats of an unchanged state (default false).
        emitRepeats: boolean,
    }
}

js_options! {
    /// Options of `streamResults`.
    pub struct StreamFields as "StreamResultsOptions", arg StreamResultsOptionsArg,
        extends "CallOptions" {
        /// Max entries per chunk (default: the server's 1000).
        chunkSize: integer,
        /// Called for every chunk. Exceptions are reported on the console and ignored.
        onChunk: callback("(chunk: ResultChunk) => void"),
    }
}

js_options! {
    /// Options of `jobFuture` / `JobFuture.forJob`: every call's options plus how to wait.
    pub struct JobFutureFields as "JobFutureOptions", arg JobFutureOptionsArg,
        extends "CallOptions", "FutureWaitSettings" {}
}

js_options! {
    /// Options of `submitQasmFuture`.
    pub struct FutureFields as "FutureOptions", arg FutureOptionsArg,
        extends "SubmitOptions", "FutureWaitSettings" {}
}

js_options! {
    /// Options of `submitBatchFuture`.
    pub struct BatchFutureFields as "BatchFutureOptions", arg BatchFutureOptionsArg,
        extends "BatchOptions", "FutureWaitSettings" {
        /// Jobs waited for at a time (default 10).
        maxWaits: integer,
    }
}

js_options! {
    /// Options of `new RetryPolicy(options)` (or a plain object with these fields as `retryPolicy`).
    pub struct RetryPolicyFields as "RetryPolicyOptions", arg RetryPolicyOptionsArg {
        /// Attempts per call, the first included (default 3; 1 disables retries; at most 100).
        maxAttempts: integer,
        /// First backoff in ms (default 1000).
        initialBackoffMs: number,
        /// Longest backoff in ms, jitter included (default 60000).
        maxBackoffMs: number,
        /// Growth factor of exponential backoff (default 2, >= 1).
        backoffMultiplier: number,
        /// "full" (default, same as true): uniform in [0, d]; "equal": [d/2, d]; "none" (false): d.
        jitter: value("\"full\" | \"equal\" | \"none\" | boolean"),
        /// "exponential" (default), "linear" or "constant".
        strategy: one_of("exponential", "linear", "constant"),
        /// Codes worth retrying (default UNAVAILABLE, UNKNOWN, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, CANCELLED).
        retryableCodes: value("Array<RetryableCodeName | number>"),
        /// Called before each retry. Exceptions are reported on the console and ignored.
        onRetry: callback("(info: RetryInfo) => void"),
    }
}

js_options! {
    /// Options of `new CircuitBreaker(options)` (or a plain object with these fields as `circuitBreaker`).
    pub struct BreakerFields as "CircuitBreakerOptions", arg CircuitBreakerOptionsArg {
        /// Consecutive server/transport failures that open it (default 5).
        failureThreshold: integer,
        /// Successful probes that close it again (default 2).
        successThreshold: integer,
        /// How long it stays open before a probe, in ms (default 60000).
        timeoutMs: number,
        /// Probes in flight at once while half-open (default 1).
        halfOpenMaxCalls: integer,
        /// Called on every state change. Exceptions are reported on the console and ignored.
        onStateChange: callback("(change: BreakerStateChange) => void"),
    }
}

js_options! {
    /// The client-wide retry budget (gRFC A6): retries stop while tokens <= maxTokens / 2.
    pub struct BudgetFields as "RetryBudgetOptions", arg RetryBudgetOptionsArg {
        /// Bucket size (default 10). Each counted failure costs 1 token.
        maxTokens: number,
        /// Tokens back per successful attempt (default 0.1).
        tokenRatio: number,
    }
}

js_options! {
    /// Retry, breaker, budget and pacing options of `ArvakClient` and `ResilientClient`.
    pub struct ResilienceFields as "ResilienceOptions", arg ResilienceOptionsArg {
        /// Retry policy. `ArvakClient` default: none (one attempt); `ResilientClient` default: `new RetryPolicy()`. `true`: defaults, `false`: none.
        retryPolicy: value("RetryPolicy | RetryPolicyOptions | boolean"),
        /// Same as `retryPolicy`.
        retry: value("RetryPolicy | RetryPolicyOptions | boolean"),
        /// Circuit breaker (default: none). Pass one `CircuitBreaker` to several clients to share it.
        circuitBreaker: value("CircuitBreaker | CircuitBreakerOptions | boolean"),
        /// Retry budget (default `{ maxTokens: 10, tokenRatio: 0.1 }`; `false`: unlimited).
        retryBudget: value("RetryBudgetOptions | boolean"),
        /// The server's per-IP job rate if known (default: learned from its first RESOURCE_EXHAUSTED).
        maxSubmitsPerSecond: integer,
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `BatchCircuit[]` (the TypeScript type of the parameter).
    #[wasm_bindgen(typescript_type = "BatchCircuit[]")]
    pub type BatchCircuitsArg;
}

const OPTIONS: &str = "options";

/// `ClientOptions`.
pub fn client(opts: &JsValue) -> Result<ClientOptions, ArvakError> {
    let o = ClientFields::read(opts, OPTIONS)?;
    let defaults = ClientOptions::default();
    let (headers, header_hook) = match o.headers {
        Some(f) if f.is_function() => (Vec::new(), Some(header_hook(f.unchecked_into()))),
        Some(v) => (headers_of(&v, "options.headers")?, None),
        None => (Vec::new(), None),
    };
    Ok(ClientOptions {
        timeout_ms: o.timeoutMs.or(defaults.timeout_ms),
        headers,
        header_hook,
        refresh_on_unauthenticated: o.refreshOnUnauthenticated.unwrap_or(false),
        credentials: match o.credentials {
            None => Credentials::default(),
            Some(c) => Credentials::parse(&c)?,
        },
        max_concurrency: match o.maxConcurrency {
            None => None,
            Some(v) if v == f64::INFINITY => None,
            Some(v) if v.is_finite() && v >= 0.0 && v.fract() == 0.0 => Some((v as usize).max(1)),
            Some(_) => {
                return Err(invalid(
                    "options.maxConcurrency must be a whole number or Infinity".to_owned(),
                ))
            }
        },
        max_streams: match o.maxStreams {
            None => defaults.max_streams,
            Some(v) if v.as_string().as_deref() == Some("auto") => MaxStreams::Auto,
            Some(v) => match v.as_f64() {
                Some(n) if n.is_finite() && n >= 0.0 && n.fract() == 0.0 => {
                    MaxStreams::Fixed(n as usize)
                }
                _ => {
                    return Err(invalid(
                        "options.maxStreams must be a whole number or \"auto\"".to_owned(),
                    ))
                }
            },
        },
        fetch: o.fetch,
        journal: o.journal,
        max_receive_message_bytes: match o.maxReceiveMessageBytes {
            None => defaults.max_receive_message_bytes,
            Some(0) => {
                return Err(invalid(
                    "options.maxReceiveMessageBytes must be at least 1".to_owned(),
                ))
            }
            Some(n) => n as usize,
        },
        resilience: resilience(opts, false)?,
    })
}

/// A `headers` function as a [`HeaderHook`]: called with `{ rpc, attempt }` for every attempt; its
/// answer (or the promise's value) must be an object of strings. A throw or a rejection fails the
/// call before it is sent, with the exception as `cause`.
fn header_hook(f: Function) -> HeaderHook {
    Rc::new(move |context: HeaderContext| {
        let f = f.clone();
        Box::pin(async move {
            let failed = |e: JsValue| {
                let mut err = invalid("options.headers: the function threw or rejected".to_owned());
                err.cause = Some(e);
                err
            };
            let mut answer = f
                .call1(&JsValue::NULL, &header_context(&context))
                .map_err(failed)?;
            if let Some(promise) = answer.dyn_ref::<js_sys::Promise>() {
                answer = wasm_bindgen_futures::JsFuture::from(promise.clone())
                    .await
                    .map_err(failed)?;
            }
            headers_of(&answer, "options.headers()")
        }) as std::pin::Pin<Box<dyn std::future::Future<Output = _>>>
    })
}

/// The `signal`, `timeoutMs` and `headers` every method accepts.
pub fn call(opts: &JsValue) -> Result<CallOptions, ArvakError> {
    let o = CallFields::read(opts, OPTIONS)?;
    if o.timeoutMs.is_some() {
        crate::logic::deadline::parse_timeout_ms(o.timeoutMs, "options.timeoutMs")?;
    }
    Ok(CallOptions {
        signal: o.signal,
        timeout_ms: o.timeoutMs,
        headers: o.headers,
    })
}

/// `shots` (default 1024) and `optimizationLevel` (default 0).
pub fn submit(opts: &JsValue) -> Result<SubmitOptions, ArvakError> {
    let o = CircuitSettingsFields::read(opts, OPTIONS)?;
    let defaults = SubmitOptions::default();
    Ok(SubmitOptions {
        shots: o.shots.unwrap_or(defaults.shots),
        optimization_level: o.optimizationLevel.unwrap_or(defaults.optimization_level),
        label: None,
    })
}

/// The `label` of `submitQasm` / `submitCircuitJson` options.
pub fn submit_label(opts: &JsValue) -> Result<Option<String>, ArvakError> {
    Ok(SubmitFields::read(opts, OPTIONS)?.label)
}

/// The circuits of `submitBatch`: strings (read per `format`) or `{ qasm | json | circuit, shots?,
/// optimizationLevel? }`; batch-level `shots` / `optimizationLevel` are the per-circuit defaults.
pub fn batch(circuits: &JsValue, opts: &JsValue) -> Result<Vec<BatchCircuit>, ArvakError> {
    let json_format = BatchFields::read(opts, OPTIONS)?.format.as_deref() == Some("json");
    let defaults = submit(opts)?;
    let array = circuits
        .dyn_ref::<Array>()
        .ok_or_else(|| invalid("circuits must be an array".to_owned()))?;
    let by_format = |s: String| {
        if json_format {
            Circuit::ArvakIrJson(s)
        } else {
            Circuit::Qasm3(s)
        }
    };
    let mut out = Vec::with_capacity(array.length() as usize);
    for (i, item) in array.iter().enumerate() {
        if let Some(s) = item.as_string() {
            out.push(BatchCircuit {
                circuit: by_format(s),
                shots: defaults.shots,
                optimization_level: defaults.optimization_level,
            });
            continue;
        }
        let what = format!("circuits[{i}]");
        let it = CircuitFields::read(&item, &what)?;
        let settings = CircuitSettingsFields::read(&item, &what)?;
        let circuit = match (it.qasm, it.json, it.circuit) {
            (Some(q), None, None) => Circuit::Qasm3(q),
            (None, Some(j), None) => Circuit::ArvakIrJson(j),
            (None, None, Some(c)) => by_format(c),
            _ => {
                return Err(invalid(format!(
                    "{what} must be a string or an object with exactly one of qasm, json or circuit"
                )))
            }
        };
        out.push(BatchCircuit {
            circuit,
            shots: settings.shots.unwrap_or(defaults.shots),
            optimization_level: settings
                .optimizationLevel
                .unwrap_or(defaults.optimization_level),
        });
    }
    Ok(out)
}

/// `pollIntervalMs`, `maxWaitMs`, `strategy`.
pub fn wait(opts: &JsValue) -> Result<WaitOptions, ArvakError> {
    let s = WaitSettingsFields::read(opts, OPTIONS)?;
    let o = WaitFields::read(opts, OPTIONS)?;
    let defaults = WaitOptions::default();
    Ok(WaitOptions {
        poll_interval_ms: s.pollIntervalMs.unwrap_or(defaults.poll_interval_ms),
        max_wait_ms: o.maxWaitMs,
        strategy: match s.strategy {
            None => Strategy::Auto,
            Some(s) => Strategy::parse(&s)?,
        },
    })
}

/// The `onUpdate` callback of `waitForJob`.
pub fn on_update(opts: &JsValue) -> Result<Option<Function>, ArvakError> {
    Ok(WaitFields::read(opts, OPTIONS)?.onUpdate)
}

/// `emitRepeats`.
pub fn watch(opts: &JsValue) -> Result<WatchOptions, ArvakError> {
    Ok(WatchOptions {
        emit_repeats: WatchFields::read(opts, OPTIONS)?
            .emitRepeats
            .unwrap_or(false),
    })
}

/// `chunkSize` (0 / absent: the server's default of 1000) and `onChunk`.
pub fn stream(opts: &JsValue) -> Result<(Option<u32>, Option<Function>), ArvakError> {
    let o = StreamFields::read(opts, OPTIONS)?;
    Ok((o.chunkSize.filter(|&n| n > 0), o.onChunk))
}

/// `maxWaits` of `submitBatchFuture` (default 10, at least 1).
pub fn max_waits(opts: &JsValue) -> Result<usize, ArvakError> {
    Ok(BatchFutureFields::read(opts, OPTIONS)?
        .maxWaits
        .unwrap_or(10)
        .max(1) as usize)
}

/// A field that may be `false` (off), `true` (defaults) or a value.
enum Toggle {
    Absent,
    Off,
    Defaults,
    Value(JsValue),
}

fn toggle(v: Option<JsValue>) -> Toggle {
    match v {
        None => Toggle::Absent,
        Some(v) => match v.as_bool() {
            Some(false) => Toggle::Off,
            Some(true) => Toggle::Defaults,
            None => Toggle::Value(v),
        },
    }
}

/// The resilience options of `ArvakClient` and `ResilientClient`: `retryPolicy` (or `retry`),
/// `circuitBreaker`, `retryBudget`, `maxSubmitsPerSecond`. `defaults_on`: a missing `retryPolicy`
/// means the default policy (ResilientClient) instead of no retries (ArvakClient).
pub fn resilience(opts: &JsValue, defaults_on: bool) -> Result<ResilienceOptions, ArvakError> {
    let o = ResilienceFields::read(opts, OPTIONS)?;
    let retry = match toggle(o.retryPolicy.or(o.retry)) {
        Toggle::Absent if defaults_on => Some(Retry::default()),
        Toggle::Absent | Toggle::Off => None,
        Toggle::Defaults => Some(Retry::default()),
        Toggle::Value(v) => Some(retry_policy(&v, "options.retryPolicy")?),
    };
    let breaker = match toggle(o.circuitBreaker) {
        Toggle::Absent | Toggle::Off => None,
        Toggle::Defaults => Some(SharedBreaker::new(BreakerConfig::default(), None)),
        Toggle::Value(v) => Some(circuit_breaker(&v, "options.circuitBreaker")?),
    };
    let budget = match toggle(o.retryBudget) {
        Toggle::Absent | Toggle::Defaults => Some(BudgetConfig::default()),
        Toggle::Off => None,
        Toggle::Value(v) => {
            let b = BudgetFields::read(&v, "options.retryBudget")?;
            let d = BudgetConfig::default();
            let c = BudgetConfig {
                max_tokens: b.maxTokens.unwrap_or(d.max_tokens),
                token_ratio: b.tokenRatio.unwrap_or(d.token_ratio),
            };
            c.validate()?;
            Some(c)
        }
    };
    let mut pacer = crate::resilience::PacerConfig::default();
    if let Some(rate) = o.maxSubmitsPerSecond {
        pacer.max_submits_per_second = Some(rate);
        pacer.validate()?;
    }
    Ok(ResilienceOptions {
        retry,
        breaker,
        budget,
        pacer,
    })
}

/// A retry policy from a `RetryPolicy` instance or a plain options object (same field names);
/// `what` names the object in errors.
pub fn retry_policy(v: &JsValue, what: &str) -> Result<Retry, ArvakError> {
    if let Some(r) = super::args::retry_of(v) {
        return Ok(r);
    }
    let o = RetryPolicyFields::read(v, what)?;
    let wrong = |name: &str, expected: &str| invalid(format!("{what}.{name} must be {expected}"));
    let d = RetryPolicy::default();
    let jitter = match o.jitter {
        None => d.jitter,
        Some(j) => match (j.as_bool(), j.as_string()) {
            (Some(true), _) => Jitter::Full,
            (Some(false), _) => Jitter::None,
            (None, Some(s)) => Jitter::parse(&s)?,
            _ => {
                return Err(wrong(
                    "jitter",
                    "\"full\", \"equal\", \"none\" or a boolean",
                ))
            }
        },
    };
    let strategy = match o.strategy.as_deref() {
        None | Some("exponential") => BackoffStrategy::Exponential,
        Some("linear") => BackoffStrategy::Linear,
        Some(_) => BackoffStrategy::Constant,
    };
    let retryable_codes = match o.retryableCodes {
        None => d.retryable_codes,
        Some(list) => {
            let expected = "an array of gRPC status code names (\"UNAVAILABLE\") or numbers 0–16";
            let array = list
                .dyn_ref::<Array>()
                .ok_or_else(|| wrong("retryableCodes", expected))?;
            let mut codes = Vec::new();
            for item in array.iter() {
                let code = match (item.as_string(), item.as_f64()) {
                    (Some(name), _) => parse_code_name(&name),
                    (None, Some(n)) if n.fract() == 0.0 && (0.0..=16.0).contains(&n) => {
                        Some(tonic::Code::from_i32(n as i32))
                    }
                    _ => None,
                };
                codes.push(code.ok_or_else(|| wrong("retryableCodes", expected))?);
            }
            RetryableCodes::new(codes)
        }
    };
    let policy = RetryPolicy {
        max_attempts: o.maxAttempts.unwrap_or(d.max_attempts),
        initial_backoff_ms: o.initialBackoffMs.unwrap_or(d.initial_backoff_ms),
        max_backoff_ms: o.maxBackoffMs.unwrap_or(d.max_backoff_ms),
        backoff_multiplier: o.backoffMultiplier.unwrap_or(d.backoff_multiplier),
        jitter,
        strategy,
        retryable_codes,
    };
    policy.validate()?;
    let on_retry = o.onRetry.map(|f| {
        Rc::new(move |ev: &RetryEvent<'_>| {
            if let Err(e) = f.call1(&JsValue::NULL, &retry_info(ev)) {
                crate::web::env::report_callback_error("onRetry", &e);
            }
        }) as crate::web::resilience::RetryHook
    });
    Ok(Retry { policy, on_retry })
}

/// The status code names of a policy (for the `RetryPolicy.retryableCodes` getter).
pub fn code_names(codes: &RetryableCodes) -> Array {
    codes
        .codes()
        .iter()
        .map(|&c| JsValue::from_str(code_name(c)))
        .collect()
}

/// A breaker from a `CircuitBreaker` instance (the same, shared breaker) or a config object;
/// `what` names the object in errors.
pub fn circuit_breaker(v: &JsValue, what: &str) -> Result<SharedBreaker, ArvakError> {
    if let Some(shared) = super::args::shared_breaker_of(v) {
        return Ok(shared);
    }
    let (config, hook) = breaker_config(v, what)?;
    Ok(SharedBreaker::new(config, hook))
}

/// `{ failureThreshold, successThreshold, timeoutMs, halfOpenMaxCalls, onStateChange }`.
pub fn breaker_config(
    v: &JsValue,
    what: &str,
) -> Result<(BreakerConfig, Option<crate::web::resilience::BreakerHook>), ArvakError> {
    let o = BreakerFields::read(v, what)?;
    let d = BreakerConfig::default();
    let config = BreakerConfig {
        failure_threshold: o.failureThreshold.unwrap_or(d.failure_threshold),
        success_threshold: o.successThreshold.unwrap_or(d.success_threshold),
        timeout_ms: o.timeoutMs.unwrap_or(d.timeout_ms),
        half_open_max_calls: o.halfOpenMaxCalls.unwrap_or(d.half_open_max_calls),
    };
    config.validate()?;
    let hook = o.onStateChange.map(|f| {
        Rc::new(move |t: &Transition| {
            if let Err(e) = f.call1(&JsValue::NULL, &breaker_change(t)) {
                crate::web::env::report_callback_error("onStateChange", &e);
            }
        }) as crate::web::resilience::BreakerHook
    });
    Ok((config, hook))
}
