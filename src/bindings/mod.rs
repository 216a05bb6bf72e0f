//! The JavaScript surface (wasm-bindgen), one module per exported concept:
//! [`client`] the `ArvakClient` class, [`result`] `JobResult`, [`watch`] the `watchJob` iterator,
//! [`errors`] construction of the error classes from `js/errors.js`, [`options`] option parsing,
//! [`convert`] data → plain objects, [`types`] the TypeScript declarations.

pub mod client;
pub mod convert;
pub mod errors;
pub mod options;
pub mod result;
pub mod types;
pub mod watch;

pub use client::JsArvakClient;
pub use result::JsJobResult;
pub use watch::JsJobWatch;
