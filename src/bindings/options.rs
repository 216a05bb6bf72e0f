//! JavaScript option objects → Rust options.
//!
//! Fields are read one by one with `Reflect.get` and checked by hand: unknown fields are ignored,
//! `null` and `undefined` mean "default", a wrong type is an error naming the field. (A serde
//! deserializer per options struct cost more wasm than the whole option surface is worth.) Every
//! problem becomes an `ArvakError` with code `INVALID_ARGUMENT`.

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

use std::rc::Rc;

use crate::logic::data::{BatchCircuit, Circuit};
use crate::logic::error::{code_name, describe_number, ArvakError};
use crate::logic::wait::Strategy;
use crate::resilience::backoff::parse_code_name;
use crate::resilience::{
    BackoffStrategy, BreakerConfig, BudgetConfig, Jitter, RetryPolicy, RetryableCodes, Transition,
};
use crate::web::resilience::{Retry, RetryEvent, SharedBreaker};
use crate::web::{
    CallOptions, ClientOptions, Credentials, ResilienceOptions, SubmitOptions, WaitOptions,
    WatchOptions,
};

use super::convert::{date, set};
use super::errors::to_js;

fn invalid(message: String) -> ArvakError {
    ArvakError::invalid_argument(message)
}

/// A readable option object: `undefined`/`null` (all defaults) or an object.
pub(crate) struct Opts<'a> {
    obj: Option<&'a JsValue>,
    what: &'a str,
}

impl<'a> Opts<'a> {
    pub(crate) fn new(value: &'a JsValue, what: &'a str) -> Result<Self, ArvakError> {
        if value.is_undefined() || value.is_null() {
            Ok(Opts { obj: None, what })
        } else if value.is_object() {
            Ok(Opts {
                obj: Some(value),
                what,
            })
        } else {
            Err(invalid(format!("{what} must be an object")))
        }
    }

    /// The field, or `None` for undefined/null.
    pub(crate) fn get(&self, name: &str) -> Option<JsValue> {
        let v = Reflect::get(self.obj?, &JsValue::from_str(name)).ok()?;
        (!v.is_undefined() && !v.is_null()).then_some(v)
    }

    fn wrong(&self, name: &str, expected: &str) -> ArvakError {
        invalid(format!("{}.{name} must be {expected}", self.what))
    }

    pub(crate) fn number(&self, name: &str) -> Result<Option<f64>, ArvakError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| self.wrong(name, "a number")),
        }
    }

    pub(crate) fn string(&self, name: &str) -> Result<Option<String>, ArvakError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_string()
                .map(Some)
                .ok_or_else(|| self.wrong(name, "a string")),
        }
    }

    pub(crate) fn boolean(&self, name: &str) -> Result<Option<bool>, ArvakError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_bool()
                .map(Some)
                .ok_or_else(|| self.wrong(name, "a boolean")),
        }
    }

    pub(crate) fn function(&self, name: &str) -> Result<Option<Function>, ArvakError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .dyn_into::<Function>()
                .map(Some)
                .map_err(|_| self.wrong(name, "a function")),
        }
    }

    /// `Record<string, string>`.
    fn headers(&self, name: &str) -> Result<Vec<(String, String)>, ArvakError> {
        let Some(v) = self.get(name) else {
            return Ok(Vec::new());
        };
        if !v.is_object() {
            return Err(self.wrong(name, "an object of strings"));
        }
        Object::entries(v.unchecked_ref())
            .iter()
            .map(|pair| {
                let pair: Array = pair.unchecked_into();
                let key = pair.get(0).as_string().unwrap_or_default();
                match pair.get(1).as_string() {
                    Some(value) => Ok((key, value)),
                    None => Err(invalid(format!(
                        "{}.{name}[\"{key}\"] must be a string",
                        self.what
                    ))),
                }
            })
            .collect()
    }

    /// A non-negative integer.
    pub(crate) fn integer(&self, name: &str, default: u32) -> Result<u32, ArvakError> {
        integer(
            self.number(name)?,
            &format!("{}.{name}", self.what),
            default,
        )
    }
}

fn integer(value: Option<f64>, name: &str, default: u32) -> Result<u32, ArvakError> {
    match value {
        None => Ok(default),
        Some(v) if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX) => {
            Ok(v as u32)
        }
        Some(v) => Err(invalid(format!(
            "{name} must be an integer between 0 and {}, got {}",
            u32::MAX,
            describe_number(v)
        ))),
    }
}

/// An optional callback field.
pub fn callback(opts: &JsValue, name: &str) -> Result<Option<Function>, ArvakError> {
    Opts::new(opts, "options")?.function(name)
}

/// `ClientOptions`.
pub fn client(opts: &JsValue) -> Result<ClientOptions, ArvakError> {
    let o = Opts::new(opts, "options")?;
    let defaults = ClientOptions::default();
    Ok(ClientOptions {
        timeout_ms: o.number("timeoutMs")?.or(defaults.timeout_ms),
        headers: o.headers("headers")?,
        credentials: match o.string("credentials")? {
            None => Credentials::default(),
            Some(c) => Credentials::parse(&c)?,
        },
        max_concurrency: match o.number("maxConcurrency")? {
            None => None,
            Some(v) if v == f64::INFINITY => None,
            v => Some(integer(v, "options.maxConcurrency", 1)?.max(1) as usize),
        },
        max_streams: o.integer("maxStreams", defaults.max_streams as u32)? as usize,
        resilience: resilience(opts, false)?,
    })
}

/// The `signal`, `timeoutMs` and `headers` every method accepts.
pub fn call(opts: &JsValue) -> Result<CallOptions, ArvakError> {
    let o = Opts::new(opts, "options")?;
    let signal = match o.get("signal") {
        None => None,
        Some(s) => Some(
            s.dyn_into::<AbortSignal>()
                .map_err(|_| o.wrong("signal", "an AbortSignal"))?,
        ),
    };
    let timeout_ms = o.number("timeoutMs")?;
    if timeout_ms.is_some() {
        crate::logic::deadline::parse_timeout_ms(timeout_ms, "options.timeoutMs")?;
    }
    Ok(CallOptions {
        signal,
        timeout_ms,
        headers: o.headers("headers")?,
    })
}

/// `shots` (default 1024) and `optimizationLevel` (default 0).
pub fn submit(opts: &JsValue) -> Result<SubmitOptions, ArvakError> {
    let o = Opts::new(opts, "options")?;
    let defaults = SubmitOptions::default();
    Ok(SubmitOptions {
        shots: o.integer("shots", defaults.shots)?,
        optimization_level: o.integer("optimizationLevel", defaults.optimization_level)?,
    })
}

/// The circuits of `submitBatch`: strings (read per `format`) or `{ qasm | json | circuit, shots?,
/// optimizationLevel? }`; batch-level `shots` / `optimizationLevel` are the per-circuit defaults.
pub fn batch(circuits: &JsValue, opts: &JsValue) -> Result<Vec<BatchCircuit>, ArvakError> {
    let o = Opts::new(opts, "options")?;
    let json_format = match o.string("format")?.as_deref() {
        None | Some("qasm3") => false,
        Some("json") => true,
        Some(other) => {
            return Err(invalid(format!(
                "options.format must be \"qasm3\" or \"json\", got \"{other}\""
            )))
        }
    };
    let shots = o.integer("shots", SubmitOptions::default().shots)?;
    let level = o.integer("optimizationLevel", 0)?;
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
    array
        .iter()
        .enumerate()
        .map(|(i, item)| {
            if let Some(s) = item.as_string() {
                return Ok(BatchCircuit {
                    circuit: by_format(s),
                    shots,
                    optimization_level: level,
                });
            }
            let what = format!("circuits[{i}]");
            let it = Opts::new(&item, &what)?;
            let circuit = match (
                it.string("qasm")?,
                it.string("json")?,
                it.string("circuit")?,
            ) {
                (Some(q), None, None) => Circuit::Qasm3(q),
                (None, Some(j), None) => Circuit::ArvakIrJson(j),
                (None, None, Some(c)) => by_format(c),
                _ => {
                    return Err(invalid(format!(
                        "{what} needs exactly one of qasm, json or circuit"
                    )))
                }
            };
            Ok(BatchCircuit {
                circuit,
                shots: it.integer("shots", shots)?,
                optimization_level: it.integer("optimizationLevel", level)?,
            })
        })
        .collect()
}

/// `pollIntervalMs`, `maxWaitMs`, `strategy`.
pub fn wait(opts: &JsValue) -> Result<WaitOptions, ArvakError> {
    let o = Opts::new(opts, "options")?;
    let defaults = WaitOptions::default();
    Ok(WaitOptions {
        poll_interval_ms: o
            .number("pollIntervalMs")?
            .unwrap_or(defaults.poll_interval_ms),
        max_wait_ms: o.number("maxWaitMs")?,
        strategy: match o.string("strategy")? {
            None => Strategy::Auto,
            Some(s) => Strategy::parse(&s)?,
        },
    })
}

/// `emitRepeats`.
pub fn watch(opts: &JsValue) -> Result<WatchOptions, ArvakError> {
    let o = Opts::new(opts, "options")?;
    Ok(WatchOptions {
        emit_repeats: o.boolean("emitRepeats")?.unwrap_or(false),
    })
}

/// `chunkSize` (0 / absent: the server's default of 1000).
pub fn chunk_size(opts: &JsValue) -> Result<Option<u32>, ArvakError> {
    Ok(match Opts::new(opts, "options")?.integer("chunkSize", 0)? {
        0 => None,
        n => Some(n),
    })
}

/// A field that may be `false` (off), `true` (defaults) or a value.
enum Toggle {
    Absent,
    Off,
    Defaults,
    Value(JsValue),
}

fn toggle(o: &Opts<'_>, names: &[&str]) -> Toggle {
    match names.iter().find_map(|n| o.get(n)) {
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
    let o = Opts::new(opts, "options")?;
    let retry = match toggle(&o, &["retryPolicy", "retry"]) {
        Toggle::Absent if defaults_on => Some(Retry::default()),
        Toggle::Absent | Toggle::Off => None,
        Toggle::Defaults => Some(Retry::default()),
        Toggle::Value(v) => Some(retry_policy(&v)?),
    };
    let breaker = match toggle(&o, &["circuitBreaker"]) {
        Toggle::Absent | Toggle::Off => None,
        Toggle::Defaults => Some(SharedBreaker::new(BreakerConfig::default(), None)),
        Toggle::Value(v) => Some(circuit_breaker(&v)?),
    };
    let budget = match toggle(&o, &["retryBudget"]) {
        Toggle::Absent | Toggle::Defaults => Some(BudgetConfig::default()),
        Toggle::Off => None,
        Toggle::Value(v) => {
            let b = Opts::new(&v, "retryBudget")?;
            let d = BudgetConfig::default();
            let c = BudgetConfig {
                max_tokens: b.number("maxTokens")?.unwrap_or(d.max_tokens),
                token_ratio: b.number("tokenRatio")?.unwrap_or(d.token_ratio),
            };
            c.validate()?;
            Some(c)
        }
    };
    let mut pacer = crate::resilience::PacerConfig::default();
    if o.number("maxSubmitsPerSecond")?.is_some() {
        pacer.max_submits_per_second = Some(o.integer("maxSubmitsPerSecond", 0)?);
        pacer.validate()?;
    }
    Ok(ResilienceOptions {
        retry,
        breaker,
        budget,
        pacer,
    })
}

/// A retry policy from a `RetryPolicy` instance or a plain options object (same field names).
pub fn retry_policy(v: &JsValue) -> Result<Retry, ArvakError> {
    if let Some(r) = super::resilience::retry_of(v) {
        return Ok(r);
    }
    let o = Opts::new(v, "retryPolicy")?;
    let d = RetryPolicy::default();
    let jitter = match o.get("jitter") {
        None => d.jitter,
        Some(j) => match (j.as_bool(), j.as_string()) {
            (Some(true), _) => Jitter::Full,
            (Some(false), _) => Jitter::None,
            (None, Some(s)) => Jitter::parse(&s)?,
            _ => return Err(o.wrong("jitter", "\"full\", \"equal\", \"none\" or a boolean")),
        },
    };
    let strategy = match o.string("strategy")?.as_deref() {
        None => d.strategy,
        Some("exponential") => BackoffStrategy::Exponential,
        Some("linear") => BackoffStrategy::Linear,
        Some("constant") => BackoffStrategy::Constant,
        Some(_) => return Err(o.wrong("strategy", "\"exponential\", \"linear\" or \"constant\"")),
    };
    let retryable_codes = match o.get("retryableCodes") {
        None => d.retryable_codes,
        Some(list) => {
            let array = list.dyn_ref::<Array>().ok_or_else(|| {
                o.wrong("retryableCodes", "an array of status code names or numbers")
            })?;
            let mut codes = Vec::new();
            for item in array.iter() {
                let code = match (item.as_string(), item.as_f64()) {
                    (Some(name), _) => parse_code_name(&name),
                    (None, Some(n)) if n.fract() == 0.0 && (0.0..=16.0).contains(&n) => {
                        Some(tonic::Code::from_i32(n as i32))
                    }
                    _ => None,
                };
                codes.push(code.ok_or_else(|| {
                    o.wrong(
                        "retryableCodes",
                        "an array of gRPC status code names (\"UNAVAILABLE\") or numbers 0–16",
                    )
                })?);
            }
            RetryableCodes::new(codes)
        }
    };
    let policy = RetryPolicy {
        max_attempts: o.integer("maxAttempts", d.max_attempts)?,
        initial_backoff_ms: o
            .number("initialBackoffMs")?
            .unwrap_or(d.initial_backoff_ms),
        max_backoff_ms: o.number("maxBackoffMs")?.unwrap_or(d.max_backoff_ms),
        backoff_multiplier: o
            .number("backoffMultiplier")?
            .unwrap_or(d.backoff_multiplier),
        jitter,
        strategy,
        retryable_codes,
    };
    policy.validate()?;
    let on_retry = o.function("onRetry")?.map(|f| {
        Rc::new(move |ev: &RetryEvent<'_>| {
            let info = Object::new();
            set(&info, "rpc", ev.rpc.name());
            set(&info, "attempt", ev.attempt);
            set(&info, "delayMs", ev.delay_ms);
            set(&info, "error", to_js(ev.error));
            if let Err(e) = f.call1(&JsValue::NULL, &info) {
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

/// A breaker from a `CircuitBreaker` instance (the same, shared breaker) or a config object.
pub fn circuit_breaker(v: &JsValue) -> Result<SharedBreaker, ArvakError> {
    if let Some(shared) = super::resilience::shared_breaker_of(v) {
        return Ok(shared);
    }
    let (config, hook) = breaker_config(v)?;
    Ok(SharedBreaker::new(config, hook))
}

/// `{ failureThreshold, successThreshold, timeoutMs, halfOpenMaxCalls, onStateChange }`.
pub fn breaker_config(
    v: &JsValue,
) -> Result<(BreakerConfig, Option<crate::web::resilience::BreakerHook>), ArvakError> {
    let o = Opts::new(v, "circuitBreaker")?;
    let d = BreakerConfig::default();
    let config = BreakerConfig {
        failure_threshold: o.integer("failureThreshold", d.failure_threshold)?,
        success_threshold: o.integer("successThreshold", d.success_threshold)?,
        timeout_ms: o.number("timeoutMs")?.unwrap_or(d.timeout_ms),
        half_open_max_calls: o.integer("halfOpenMaxCalls", d.half_open_max_calls)?,
    };
    config.validate()?;
    let hook = o.function("onStateChange")?.map(|f| {
        Rc::new(move |t: &Transition| {
            let change = Object::new();
            set(&change, "from", t.from.as_str());
            set(&change, "to", t.to.as_str());
            set(&change, "at", date(Some(t.at_ms)));
            if let Err(e) = f.call1(&JsValue::NULL, &change) {
                crate::web::env::report_callback_error("onStateChange", &e);
            }
        }) as crate::web::resilience::BreakerHook
    });
    Ok((config, hook))
}
