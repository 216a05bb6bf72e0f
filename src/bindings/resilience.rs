//! The `RetryPolicy`, `CircuitBreaker` and `ResilientClient` classes.
//!
//! A `RetryPolicy` is an immutable, validated set of options: clients read it through its getters
//! (a plain object with the same field names works too). A `CircuitBreaker` is live state that
//! every client given the same instance shares, so its `state` getter shows what those clients see.

use std::cell::RefCell;

use js_sys::Array;
use wasm_bindgen::prelude::*;

use super::client::{JsArvakClient, ResilienceOptionsArg};
use super::errors::to_js;
use super::options;
use crate::resilience::{BackoffStrategy, BreakerConfig, Jitter};
use crate::web::resilience::{Retry, SharedBreaker};

#[wasm_bindgen]
extern "C" {
    /// `RetryPolicyOptions`.
    #[wasm_bindgen(typescript_type = "RetryPolicyOptions")]
    pub type RetryPolicyOptionsArg;
    /// `CircuitBreakerOptions`.
    #[wasm_bindgen(typescript_type = "CircuitBreakerOptions")]
    pub type CircuitBreakerOptionsArg;
}

fn arg<T: Into<JsValue>>(o: Option<T>) -> JsValue {
    o.map(Into::into).unwrap_or(JsValue::UNDEFINED)
}

/// How many attempts a call may make and how long to wait between them. Pass it to a client as
/// `retryPolicy` (or `retry`). Submits are retried only when the failure proves that no job was
/// created (a rate-limit rejection, or a server pushback).
#[wasm_bindgen(js_name = RetryPolicy)]
pub struct JsRetryPolicy {
    inner: Retry,
    on_retry: Option<js_sys::Function>,
}

#[wasm_bindgen(js_class = RetryPolicy)]
impl JsRetryPolicy {
    /// A policy (defaults: 3 attempts, 1000 ms initial backoff doubling up to 60000 ms, full
    /// jitter). Throws an `ArvakError` for invalid values.
    #[wasm_bindgen(constructor)]
    pub fn new(options: Option<RetryPolicyOptionsArg>) -> Result<JsRetryPolicy, JsValue> {
        let o = arg(options);
        let inner = options::retry_policy(&o).map_err(|e| to_js(&e))?;
        let on_retry = options::callback(&o, "onRetry").map_err(|e| to_js(&e))?;
        Ok(JsRetryPolicy { inner, on_retry })
    }

    /// Attempts per call, the first included.
    #[wasm_bindgen(getter, js_name = maxAttempts)]
    pub fn max_attempts(&self) -> u32 {
        self.inner.policy.max_attempts
    }

    /// The first backoff in ms.
    #[wasm_bindgen(getter, js_name = initialBackoffMs)]
    pub fn initial_backoff_ms(&self) -> f64 {
        self.inner.policy.initial_backoff_ms
    }

    /// The longest backoff in ms (jitter never exceeds it).
    #[wasm_bindgen(getter, js_name = maxBackoffMs)]
    pub fn max_backoff_ms(&self) -> f64 {
        self.inner.policy.max_backoff_ms
    }

    /// Growth factor of exponential backoff.
    #[wasm_bindgen(getter, js_name = backoffMultiplier)]
    pub fn backoff_multiplier(&self) -> f64 {
        self.inner.policy.backoff_multiplier
    }

    /// `"full"`, `"equal"` or `"none"`.
    #[wasm_bindgen(getter, unchecked_return_type = "\"full\" | \"equal\" | \"none\"")]
    pub fn jitter(&self) -> String {
        match self.inner.policy.jitter {
            Jitter::Full => "full",
            Jitter::Equal => "equal",
            Jitter::None => "none",
        }
        .to_owned()
    }

    /// `"exponential"`, `"linear"` or `"constant"`.
    #[wasm_bindgen(
        getter,
        unchecked_return_type = "\"exponential\" | \"linear\" | \"constant\""
    )]
    pub fn strategy(&self) -> String {
        match self.inner.policy.strategy {
            BackoffStrategy::Exponential => "exponential",
            BackoffStrategy::Linear => "linear",
            BackoffStrategy::Constant => "constant",
        }
        .to_owned()
    }

    /// The status code names that are retried (where retrying is safe).
    #[wasm_bindgen(getter, js_name = retryableCodes, unchecked_return_type = "string[]")]
    pub fn retryable_codes(&self) -> Array {
        options::code_names(&self.inner.policy.retryable_codes)
    }

    /// The hook called before each retry, if any.
    #[wasm_bindgen(
        getter,
        js_name = onRetry,
        unchecked_return_type = "((info: RetryInfo) => void) | undefined"
    )]
    pub fn on_retry(&self) -> JsValue {
        self.on_retry
            .as_ref()
            .map(|f| f.clone().into())
            .unwrap_or(JsValue::UNDEFINED)
    }

    /// The backoff before attempt `attempt + 1` without jitter (`attempt` ≥ 1), in ms.
    #[wasm_bindgen(js_name = backoffMs)]
    pub fn backoff_ms(&self, attempt: u32) -> f64 {
        self.inner.policy.base_delay_ms(attempt)
    }
}

thread_local! {
    static HANDOFF_BREAKER: RefCell<Option<SharedBreaker>> = const { RefCell::new(None) };
}

/// The breaker behind a `CircuitBreaker` instance, or `None` for any other value.
pub(crate) fn shared_breaker_of(v: &JsValue) -> Option<SharedBreaker> {
    let f = js_sys::Reflect::get(v, &JsValue::from_str("__arvakBreaker")).ok()?;
    let f: js_sys::Function = f.dyn_into().ok()?;
    HANDOFF_BREAKER.with(|slot| slot.borrow_mut().take());
    f.call0(v).ok()?;
    HANDOFF_BREAKER.with(|slot| slot.borrow_mut().take())
}

/// Stops calling a failing server: after `failureThreshold` consecutive server/transport failures
/// calls are rejected at once with `CircuitOpenError` for `timeoutMs`, then probe calls decide
/// whether to close again. Invalid circuits, unknown ids and other answers of a healthy server are
/// not failures. Share one instance between clients of the same server.
#[wasm_bindgen(js_name = CircuitBreaker)]
pub struct JsCircuitBreaker {
    inner: SharedBreaker,
}

impl JsCircuitBreaker {
    /// The shared breaker.
    pub fn shared(&self) -> &SharedBreaker {
        &self.inner
    }

    /// Wraps a shared breaker.
    pub fn wrap(inner: SharedBreaker) -> Self {
        JsCircuitBreaker { inner }
    }
}

#[wasm_bindgen(js_class = CircuitBreaker)]
impl JsCircuitBreaker {
    /// A closed breaker (defaults: failureThreshold 5, successThreshold 2, timeoutMs 60000,
    /// halfOpenMaxCalls 1). Throws an `ArvakError` for invalid values.
    #[wasm_bindgen(constructor)]
    pub fn new(options: Option<CircuitBreakerOptionsArg>) -> Result<JsCircuitBreaker, JsValue> {
        let o = arg(options);
        let (config, hook) = if o.is_undefined() || o.is_null() {
            (BreakerConfig::default(), None)
        } else {
            options::breaker_config(&o).map_err(|e| to_js(&e))?
        };
        Ok(JsCircuitBreaker {
            inner: SharedBreaker::new(config, hook),
        })
    }

    /// `"closed"`, `"open"` or `"half_open"` (an open breaker whose timeout has passed reports
    /// `"half_open"`: the next call is a probe).
    #[wasm_bindgen(getter, unchecked_return_type = "CircuitState")]
    pub fn state(&self) -> String {
        self.inner.state().as_str().to_owned()
    }

    /// Consecutive counted failures while closed.
    #[wasm_bindgen(getter, js_name = failureCount)]
    pub fn failure_count(&self) -> u32 {
        self.inner.consecutive_failures()
    }

    /// Milliseconds until a call will be let through again, or `null` when one would be now.
    #[wasm_bindgen(getter, js_name = retryAfterMs, unchecked_return_type = "number | null")]
    pub fn retry_after_ms(&self) -> JsValue {
        self.inner
            .retry_after_ms()
            .map(JsValue::from_f64)
            .unwrap_or(JsValue::NULL)
    }

    /// Consecutive failures that open the breaker.
    #[wasm_bindgen(getter, js_name = failureThreshold)]
    pub fn failure_threshold(&self) -> u32 {
        self.inner.config().failure_threshold
    }

    /// Successful probes that close it again.
    #[wasm_bindgen(getter, js_name = successThreshold)]
    pub fn success_threshold(&self) -> u32 {
        self.inner.config().success_threshold
    }

    /// How long it stays open before probing, in ms.
    #[wasm_bindgen(getter, js_name = timeoutMs)]
    pub fn timeout_ms(&self) -> f64 {
        self.inner.config().timeout_ms
    }

    /// Probes allowed in flight at once while half-open.
    #[wasm_bindgen(getter, js_name = halfOpenMaxCalls)]
    pub fn half_open_max_calls(&self) -> u32 {
        self.inner.config().half_open_max_calls
    }

    /// Closes the breaker now (counts reset).
    pub fn reset(&self) {
        self.inner.reset();
    }

    /// Internal: hands the shared breaker to a client being configured with this instance.
    #[wasm_bindgen(js_name = __arvakBreaker, skip_typescript)]
    pub fn handoff(&self) {
        let b = self.inner.clone();
        HANDOFF_BREAKER.with(|slot| *slot.borrow_mut() = Some(b));
    }
}

/// `new ResilientClient(client, { retryPolicy, circuitBreaker, retryBudget, maxSubmitsPerSecond })`:
/// an `ArvakClient` with the same methods that shares `client`'s connection settings, headers,
/// limits and `close()`, and retries with `retryPolicy` (default: `new RetryPolicy()`) and, when
/// given, the circuit breaker. Works with or without `new`.
#[wasm_bindgen(js_name = ResilientClient, skip_typescript)]
pub fn resilient_client(
    client: &JsArvakClient,
    options: Option<ResilienceOptionsArg>,
) -> Result<JsArvakClient, JsValue> {
    let o = arg(options);
    let r = options::resilience(&o, true).map_err(|e| to_js(&e))?;
    Ok(JsArvakClient::from_rust(client.rust().with_resilience(r)))
}
