//! The `RetryPolicy` and `CircuitBreaker` classes.
//!
//! A `RetryPolicy` is an immutable, validated set of options (a plain object with the same field
//! names works too; `toJSON()` shows it). A `CircuitBreaker` is live state that every client given
//! the same instance shares, so its `state` getter shows what those clients see. Clients take the
//! Rust value behind an instance through a hidden method (`__arvakRetry` / `__arvakBreaker`, see
//! [`super::args`]).

use wasm_bindgen::prelude::*;

use super::errors::to_js;
use super::options;
use super::options::{CircuitBreakerOptionsArg, RetryPolicyOptionsArg};
use super::shape::set;
use crate::resilience::BreakerConfig;
use crate::web::resilience::{Retry, SharedBreaker};

fn arg<T: Into<JsValue>>(o: Option<T>) -> JsValue {
    o.map(Into::into).unwrap_or(JsValue::UNDEFINED)
}

/// How many attempts a call may make and how long to wait between them. Pass it to a client as
/// `retryPolicy` (or `retry`). Submits are retried only when the failure proves that no job was
/// created (a rate-limit rejection, or a server pushback).
#[wasm_bindgen(js_name = RetryPolicy)]
pub struct JsRetryPolicy {
    inner: Retry,
}

#[wasm_bindgen(js_class = RetryPolicy)]
impl JsRetryPolicy {
    /// A policy (defaults: 3 attempts, 1000 ms initial backoff doubling up to 60000 ms, full
    /// jitter). Throws an `ArvakError` for invalid values.
    #[wasm_bindgen(constructor)]
    pub fn new(options: Option<RetryPolicyOptionsArg>) -> Result<JsRetryPolicy, JsValue> {
        let o = arg(options);
        let inner = options::retry_policy(&o, "options").map_err(|e| to_js(&e))?;
        Ok(JsRetryPolicy { inner })
    }

    /// The settings as a plain object: every field of `RetryPolicyOptions` but `onRetry` (the
    /// browser test `retry_policy_to_json_has_every_option_field` holds the two to each other).
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "Required<Omit<RetryPolicyOptions, \"onRetry\">>")]
    pub fn to_json(&self) -> JsValue {
        let p = &self.inner.policy;
        let o = js_sys::Object::new();
        set(&o, "maxAttempts", p.max_attempts);
        set(&o, "initialBackoffMs", p.initial_backoff_ms);
        set(&o, "maxBackoffMs", p.max_backoff_ms);
        set(&o, "backoffMultiplier", p.backoff_multiplier);
        set(&o, "jitter", p.jitter.as_str());
        set(&o, "strategy", p.strategy.as_str());
        set(
            &o,
            "retryableCodes",
            options::code_names(&p.retryable_codes),
        );
        o.into()
    }

    /// Internal: hands the policy (and its hook) to a client being configured with it.
    #[wasm_bindgen(js_name = __arvakRetry, skip_typescript)]
    pub fn handoff(&self) {
        super::args::hand_off_retry(self.inner.clone());
    }
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
            options::breaker_config(&o, "options").map_err(|e| to_js(&e))?
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

    /// Closes the breaker now (counts reset).
    pub fn reset(&self) {
        self.inner.reset();
    }

    /// Internal: hands the shared breaker to a client being configured with this instance.
    #[wasm_bindgen(js_name = __arvakBreaker, skip_typescript)]
    pub fn handoff(&self) {
        super::args::hand_off_breaker(self.inner.clone());
    }
}
