use http::{
    HeaderMap, HeaderValue, Request, Response,
    header::{ACCEPT, CONTENT_TYPE},
    response::Builder,
};
use http_body_util::BodyExt;
use js_sys::{Array, Uint8Array};
use tonic::body::Body;
use wasm_bindgen::JsValue;
use web_sys::{Headers, RequestCredentials, RequestInit};

use crate::{
    Error, ResponseBody,
    fetch::{fetch, fetch_url},
    options::FetchOptions,
};

pub async fn call(
    mut base_url: String,
    request: Request<Body>,
    options: FetchOptions,
) -> Result<Response<ResponseBody>, Error> {
    base_url.push_str(&request.uri().to_string());

    let headers = prepare_headers(request.headers())?;
    let body = prepare_body(request).await?;

    let request_init = prepare_request_init(headers, body);
    // PATCHED (arvak-grpc-wasm, see PATCHED.md): without a custom fetch, one init and the URL go to
    // the global fetch; a custom fetch still gets `(request, init)` as documented.
    let (response, abort) = match options.fetch.as_ref() {
        Some(custom) => {
            let request = web_sys::Request::new_with_str_and_init(&base_url, &request_init)
                .map_err(Error::js_error)?;
            let (init, abort) = options.request_init()?;
            (fetch(&request, &init, Some(custom)).await?, abort)
        }
        None => {
            let abort = options.apply_to(&request_init)?;
            (fetch_url(&base_url, &request_init).await?, abort)
        }
    };

    let result = Response::builder().status(response.status());
    let (result, content_type) = set_response_headers(result, &response)?;

    // PATCHED (arvak-grpc-wasm, see PATCHED.md): an answer that is not grpc-web says its HTTP status
    // (gRPC maps it to a status code), instead of only that its content-type is wrong.
    let grpc_web = content_type
        .as_deref()
        .is_some_and(|ct| ct.starts_with("application/grpc-web"));
    if !grpc_web && response.status() != 200 {
        return Err(Error::HttpStatus {
            status: response.status(),
            content_type,
        });
    }

    let content_type = content_type.ok_or(Error::MissingContentTypeHeader)?;
    let body_stream = response.body().ok_or(Error::MissingResponseBody)?;

    let body = ResponseBody::new(body_stream, &content_type, abort, options.max_frame_size)?;

    result.body(body).map_err(Into::into)
}

fn prepare_headers(header_map: &HeaderMap<HeaderValue>) -> Result<Headers, Error> {
    // Construct default headers.
    let headers = Headers::new().map_err(Error::js_error)?;
    headers
        .append(CONTENT_TYPE.as_str(), "application/grpc-web+proto")
        .map_err(Error::js_error)?;
    headers
        .append(ACCEPT.as_str(), "application/grpc-web+proto")
        .map_err(Error::js_error)?;
    headers.append("x-grpc-web", "1").map_err(Error::js_error)?;

    // Apply default headers.
    for (header_name, header_value) in header_map.iter() {
        // Allow default headers to be overridden except for `content-type`.
        if header_name != CONTENT_TYPE {
            headers
                .set(header_name.as_str(), header_value.to_str()?)
                .map_err(Error::js_error)?;
        }
    }

    Ok(headers)
}

async fn prepare_body(request: Request<Body>) -> Result<Option<JsValue>, Error> {
    let body = Some(request.collect().await?.to_bytes());
    Ok(body.map(|bytes| Uint8Array::from(bytes.as_ref()).into()))
}

fn prepare_request_init(headers: Headers, body: Option<JsValue>) -> RequestInit {
    let init = RequestInit::new();

    init.set_method("POST");
    init.set_headers(headers.as_ref());
    if let Some(ref body) = body {
        init.set_body(body);
    }
    init.set_credentials(RequestCredentials::SameOrigin);
    init
}

/// PATCHED (arvak-grpc-wasm, see PATCHED.md): the response headers cross the JS boundary as one
/// string, `Array.from(headers).join("\n")`, instead of an iterator step and two `get`s per header.
/// Each entry prints as `name,value`: a header name has no comma and a value no line break.
fn set_response_headers(
    mut result: Builder,
    response: &web_sys::Response,
) -> Result<(Builder, Option<String>), Error> {
    let joined = Array::from(response.headers().as_ref()).join("\n");
    let joined = String::from(joined);
    let mut content_type = None;
    for (header_name, header_value) in header_lines(&joined) {
        if header_name == CONTENT_TYPE.as_str() {
            content_type = Some(header_value.to_owned());
        }
        result = result.header(header_name, header_value);
    }
    Ok((result, content_type))
}

/// The `(name, value)` pairs of `Array.from(headers).join("\n")`.
fn header_lines(joined: &str) -> impl Iterator<Item = (&str, &str)> {
    joined.split('\n').filter_map(|line| line.split_once(','))
}

#[cfg(test)]
mod tests {
    use super::header_lines;

    #[test]
    fn joined_headers_split_at_the_first_comma_of_each_line() {
        let joined =
            "content-type,application/grpc-web+proto\nvary,origin, access-control-request-method\n";
        let pairs: Vec<_> = header_lines(joined).collect();
        assert_eq!(
            pairs,
            [
                ("content-type", "application/grpc-web+proto"),
                ("vary", "origin, access-control-request-method"),
            ]
        );
        assert_eq!(header_lines("").count(), 0);
    }
}
