use js_sys::Promise;
use wasm_bindgen::{JsCast, JsValue, prelude::wasm_bindgen};
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStream, Request, RequestInit, Response};

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

// PATCHED (arvak-grpc-wasm, see PATCHED.md): the response's headers and a whole body, each read in
// one crossing of the JS boundary instead of one per header, per chunk and per promise.
#[wasm_bindgen(inline_js = r#"
export function headerLines(response) {
  let lines = "";
  for (const [name, value] of response.headers) lines += name + "\n" + value + "\n";
  return lines;
}
export async function readWhole(body, limit, cap) {
  const reader = body.getReader();
  let bytes = new Uint8Array(0), complete = false, error = null, next = 0;
  try {
    while (bytes.length <= cap) {
      const { done, value } = await reader.read();
      if (done) { complete = true; break; }
      if (!(value instanceof Uint8Array)) throw new TypeError("a body chunk is not a Uint8Array");
      if (bytes.length === 0) {
        bytes = value;
      } else {
        const all = new Uint8Array(bytes.length + value.length);
        all.set(bytes);
        all.set(value, bytes.length);
        bytes = all;
      }
      // Each frame's length prefix as soon as it is in: a frame over the limit ends the read
      // there, and the frame parser refuses it from its prefix (nothing more is read).
      while (next + 5 <= bytes.length) {
        const size = ((bytes[next + 1] << 24) | (bytes[next + 2] << 16) | (bytes[next + 3] << 8) | bytes[next + 4]) >>> 0;
        if (size > limit) return [bytes.subarray(0, next + 5), false, null];
        next += 5 + size;
      }
    }
  } catch (e) {
    error = e;
  }
  return [bytes, complete, error];
}
"#)]
extern "C" {
    /// `name\nvalue\n` for every header of `response` (fetch's `Headers` hold no line breaks).
    #[wasm_bindgen(js_name = headerLines)]
    pub fn header_lines(response: &Response) -> String;
    /// Reads `body` to its end, to the length prefix of a frame over `limit`, or until more than
    /// `cap` bytes arrived: resolves to `[bytes, complete, error]` (never rejects once the reader
    /// is taken).
    #[wasm_bindgen(js_name = readWhole)]
    fn read_whole(body: &ReadableStream, limit: f64, cap: f64) -> Promise;
}

/// What [`read_body`] read: the bytes, whether the body ended, and the read's error if it failed.
pub struct WholeBody {
    pub bytes: bytes::Bytes,
    pub complete: bool,
    pub error: Option<Error>,
}

/// PATCHED (arvak-grpc-wasm, see PATCHED.md): reads a unary answer's `body` in one go. It stops at
/// the length prefix of a frame over `max_frame_size` (the frame parser then refuses that frame
/// from its prefix, as it does while streaming), and after two frames' worth of bytes (a unary
/// answer is one message frame and one trailer frame).
pub async fn read_body(body: &ReadableStream, max_frame_size: Option<usize>) -> Result<WholeBody, Error> {
    let limit = max_frame_size.map_or(f64::INFINITY, |limit| limit as f64);
    let cap = 2.0 * (limit + 5.0);
    let out: js_sys::Array = JsFuture::from(read_whole(body, limit, cap))
        .await
        .map_err(Error::js_error)?
        .unchecked_into();
    let bytes = out
        .get(0)
        .dyn_into::<js_sys::Uint8Array>()
        .map(|a| bytes::Bytes::from(a.to_vec()))
        .unwrap_or_default();
    let error = out.get(2);
    Ok(WholeBody {
        bytes,
        complete: out.get(1).is_truthy(),
        error: (!error.is_null()).then(|| Error::js_error(error)),
    })
}
