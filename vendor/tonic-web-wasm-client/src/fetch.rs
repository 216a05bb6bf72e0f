use js_sys::Promise;
use wasm_bindgen::{JsCast, JsValue, prelude::wasm_bindgen};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

use crate::Error;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_with_request_and_init(input: &Request, init: &RequestInit) -> Promise;

    // PATCHED (arvak-grpc-wasm, see PATCHED.md): the global fetch as a value, and the two promise
    // calls that start it from a microtask (`fetch_url`).
    /// The global `fetch` function.
    type FetchFunction;

    #[wasm_bindgen(thread_local_v2, js_name = fetch)]
    static GLOBAL_FETCH: FetchFunction;

    /// `fetch.bind(this_arg, url, init)`.
    #[wasm_bindgen(method, js_name = bind)]
    fn bind_call(
        this: &FetchFunction,
        this_arg: &JsValue,
        url: &str,
        init: &RequestInit,
    ) -> JsValue;

    /// A promise, for `then` with a plain function.
    type Resolved;

    #[wasm_bindgen(js_namespace = Promise, js_name = resolve)]
    fn resolved() -> Resolved;

    #[wasm_bindgen(method, js_name = then)]
    fn then_call(this: &Resolved, on_fulfilled: &JsValue) -> Promise;
}

fn js_fetch(request: &Request, init: &RequestInit) -> Promise {
    let global = js_sys::global();
    let key = JsValue::from_str("ServiceWorkerGlobalScope");

    match js_sys::Reflect::has(&global, &key) {
        Ok(true) => global
            .unchecked_into::<web_sys::ServiceWorkerGlobalScope>()
            .fetch_with_request_and_init(request, init),
        _ => fetch_with_request_and_init(request, init),
    }
}

// PATCHED (arvak-grpc-wasm, see PATCHED.md): `custom` replaces the global fetch; whatever it
// returns is checked to be a `Response` (a throw or rejection is a `JsError` like a failed fetch).
pub async fn fetch(
    request: &Request,
    init: &RequestInit,
    custom: Option<&js_sys::Function>,
) -> Result<Response, Error> {
    let promise = match custom {
        Some(f) => Promise::resolve(
            &f.call2(&JsValue::UNDEFINED, request, init)
                .map_err(Error::js_error)?,
        ),
        None => js_fetch(request, init),
    };
    let js_response = JsFuture::from(promise).await.map_err(Error::js_error)?;

    js_response.dyn_into().map_err(|_| Error::NotAResponse)
}

/// PATCHED (arvak-grpc-wasm, see PATCHED.md): the global `fetch(url, init)`, `init` carrying
/// everything (method, headers, body, signal and the fetch options), as plain-JS clients call it
/// (no `Request` object built first and copied again by fetch).
///
/// fetch is started from a microtask, `Promise.resolve().then(fetch.bind(undefined, url, init))`,
/// not from the wasm frames polling this future: when DevTools or an automation watches the
/// network, Chromium records the stack of every request's initiator, and recording a dozen wasm
/// frames cost ~180 µs per call (the fetch call site's self time in a CPU profile of 1000 unary
/// calls, 260 → 84 µs). fetch never throws; its errors are rejections either way.
pub async fn fetch_url(url: &str, init: &RequestInit) -> Result<Response, Error> {
    let start = GLOBAL_FETCH.with(|fetch| fetch.bind_call(&JsValue::UNDEFINED, url, init));
    let js_response = JsFuture::from(resolved().then_call(&start))
        .await
        .map_err(Error::js_error)?;
    js_response.dyn_into().map_err(|_| Error::NotAResponse)
}
