//! Checks of positional arguments, made before any generated glue touches them.
//!
//! wasm-bindgen's glue passes a `String` or `&Struct` parameter to the module unchecked in release
//! builds: a number where a string belongs makes the module read out of bounds and trap. Every
//! exported function therefore takes such parameters as `JsValue` and checks them here. The rule
//! (one for the whole package, the same as for option fields): a wrong argument is an `ArvakError`
//! with code `INVALID_ARGUMENT` naming the parameter — thrown by constructors and synchronous
//! methods, the rejection of the returned promise for asynchronous ones.

use std::cell::RefCell;

use wasm_bindgen::JsValue;

use crate::logic::error::ArvakError;
use crate::web::resilience::{Retry, SharedBreaker};
use crate::web::ArvakClient;

/// How a JS value is described in argument errors ("a number", "null", "an array", …).
pub fn describe(value: &JsValue) -> &'static str {
    if value.is_null() {
        "null"
    } else if value.is_undefined() {
        "undefined"
    } else if js_sys::Array::is_array(value) {
        "an array"
    } else if value.is_string() {
        "a string"
    } else if value.as_f64().is_some() {
        "a number"
    } else if value.is_bigint() {
        "a bigint"
    } else if value.is_symbol() {
        "a symbol"
    } else if value.as_bool().is_some() {
        "a boolean"
    } else if value.is_function() {
        "a function"
    } else {
        "an object"
    }
}

/// The error for parameter `name` that is not `expected`.
pub fn wrong(name: &str, expected: &str, value: &JsValue) -> ArvakError {
    ArvakError::invalid_argument(format!(
        "{name} must be {expected}, got {}",
        describe(value)
    ))
}

/// A string parameter.
pub fn string(value: &JsValue, name: &str) -> Result<String, ArvakError> {
    value
        .as_string()
        .ok_or_else(|| wrong(name, "a string", value))
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// An optional number parameter, checked by its user (`number` in TypeScript).
    #[wasm_bindgen(typescript_type = "number")]
    pub type NumberArg;
}

// Recognising this package's own instances. wasm-bindgen cannot borrow an exported struct out of
// an arbitrary JS value (a parameter typed `&Struct` is unchecked, and a field of an options object
// cannot be typed at all), so each class has a hidden method (`__arvakClient`, `__arvakRetry`,
// `__arvakBreaker`) that puts a clone of its Rust value into a slot here; any other value has no
// such method and is refused.

thread_local! {
    static HANDOFF_CLIENT: RefCell<Option<ArvakClient>> = const { RefCell::new(None) };
    static HANDOFF_RETRY: RefCell<Option<Retry>> = const { RefCell::new(None) };
    static HANDOFF_BREAKER: RefCell<Option<SharedBreaker>> = const { RefCell::new(None) };
}

type Slot<T> = std::thread::LocalKey<RefCell<Option<T>>>;

/// Calls `value[method]()` and takes what it put into `slot`.
fn take_handoff<T>(value: &JsValue, method: &str, slot: &'static Slot<T>) -> Option<T> {
    use wasm_bindgen::JsCast;
    if !value.is_object() {
        return None;
    }
    let f = js_sys::Reflect::get(value, &JsValue::from_str(method)).ok()?;
    let f: js_sys::Function = f.dyn_into().ok()?;
    slot.with(|s| s.borrow_mut().take());
    f.call0(value).ok()?;
    slot.with(|s| s.borrow_mut().take())
}

/// Offers `client` to [`client`] (called by the hidden `ArvakClient.__arvakClient` method).
pub(crate) fn hand_off_client(client: ArvakClient) {
    HANDOFF_CLIENT.with(|slot| *slot.borrow_mut() = Some(client));
}

/// Offers a retry policy to [`retry_of`] (the hidden `RetryPolicy.__arvakRetry`).
pub(crate) fn hand_off_retry(retry: Retry) {
    HANDOFF_RETRY.with(|slot| *slot.borrow_mut() = Some(retry));
}

/// Offers a breaker to [`shared_breaker_of`] (the hidden `CircuitBreaker.__arvakBreaker`).
pub(crate) fn hand_off_breaker(breaker: SharedBreaker) {
    HANDOFF_BREAKER.with(|slot| *slot.borrow_mut() = Some(breaker));
}

/// The Rust client behind an `ArvakClient` instance (or a `ResilientClient`, which is one).
pub fn client(value: &JsValue, name: &str) -> Result<ArvakClient, ArvakError> {
    take_handoff(value, "__arvakClient", &HANDOFF_CLIENT)
        .ok_or_else(|| wrong(name, "an ArvakClient", value))
}

/// The policy behind a `RetryPolicy` instance, or `None` for any other value.
pub(crate) fn retry_of(value: &JsValue) -> Option<Retry> {
    take_handoff(value, "__arvakRetry", &HANDOFF_RETRY)
}

/// The shared breaker behind a `CircuitBreaker` instance, or `None` for any other value.
pub(crate) fn shared_breaker_of(value: &JsValue) -> Option<SharedBreaker> {
    take_handoff(value, "__arvakBreaker", &HANDOFF_BREAKER)
}
