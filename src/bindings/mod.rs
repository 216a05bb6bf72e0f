//! The JavaScript surface (wasm-bindgen), one module per exported concept:
//! [`client`] the `ArvakClient` class, [`result`] `JobResult`, [`watch`] the `watchJob` iterator,
//! [`resilience`] `RetryPolicy`, `CircuitBreaker` and `ResilientClient`, [`future`] `JobFuture`,
//! `asCompleted` and `waitAll`, [`batch`] `BatchJobManager` and the progress bar,
//! [`errors`] construction of the error classes from `js/errors.js`, [`options`] option parsing,
//! [`convert`] data → plain objects, [`types`] the TypeScript declarations.

pub mod args;
pub mod batch;
pub mod client;
pub mod convert;
pub mod errors;
pub mod future;
pub mod options;
pub mod promise;
pub mod resilience;
pub mod result;
pub mod shape;
pub mod types;
pub mod watch;

pub use client::JsArvakClient;
pub use result::JsJobResult;
pub use watch::JsJobWatch;
