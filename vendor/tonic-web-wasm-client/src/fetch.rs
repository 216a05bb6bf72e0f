use js_sys::Promise;
use wasm_bindgen::{JsCast, JsValue, prelude::wasm_bindgen};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit, Response};

use crate::Error;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_with_request_and_init(input: &Request, init: &RequestInit) -> Promise;

    // PATCHED (arvak-grpc-wasm, see PATCHED.md): the global fetch with a URL and one init, as
    // plain-JS clients call it (no `Request` object built first and copied again by fetch).
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_with_str_and_init(input: &str, init: &RequestInit) -> Promise;
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
/// everything (method, headers, body, signal and the fetch options).
pub async fn fetch_url(url: &str, init: &RequestInit) -> Result<Response, Error> {
    let js_response = JsFuture::from(fetch_with_str_and_init(url, init))
        .await
        .map_err(Error::js_error)?;
    js_response.dyn_into().map_err(|_| Error::NotAResponse)
}
