//! The browser-bound core: a Rust API over grpc-web, usable from Rust wasm apps as well as through
//! the JavaScript bindings.
//!
//! ```ignore
//! use arvak_grpc_wasm::web::{ArvakClient, ClientOptions, CallOptions, SubmitOptions, WaitOptions};
//! let client = ArvakClient::new("http://localhost:8080", ClientOptions::default())?;
//! let call = CallOptions::default();
//! let job = client.submit_qasm(BELL, "simulator", SubmitOptions { shots: 1000, ..Default::default() }, &call).await?;
//! let result = client.wait_for_job(&job, WaitOptions::default(), &call, &mut |_| {}).await?;
//! ```
//!
//! ## Where [`ArvakClient`]'s methods live
//!
//! | methods | module |
//! |---|---|
//! | `new`, `with_resilience`, `close`, getters; `submit_qasm`, `submit_circuit_json`, `submit_batch`, `get_job_status`, `get_job_result`, `cancel_job`, `list_backends`, `get_backend_info`, `stream_results`; the unary pipeline (one `CallContext` per call, one `Attempt` per try) | `client` |
//! | `wait_for_job` | `wait` |
//! | `watch_job` | `watch` |
//! | `submit_future`, `submit_batch_futures`, `job_future` | `future` |
//! | the attempt loop's state (`Attempts`: breaker, budget, pacer, policy — no client inside) | `resilience` |
//! | `BatchJobManager` (a separate type over a client; `resume_batch` after a reload) | `batch` |
//! | the job journal (`journal()`: ids kept across reloads in localStorage) | `journal` |

pub mod batch;
mod client;
pub mod env;
mod future;
mod guard;
pub mod journal;
pub mod resilience;
mod rpc;
mod transport;
mod wait;
mod watch;

pub use crate::logic::protocol::{MaxStreams, Protocol};
pub use batch::{BatchJobManager, BatchOutcome, ManagerOptions, ProgressHook, RunOptions};
pub use client::{
    ArvakClient, CallOptions, ClientOptions, Credentials, HeaderContext, HeaderHook, SubmitOptions,
};
pub use future::JobFuture;
pub use guard::{abort_error, AbortWatch};
pub use journal::{BatchSummary, Journal};
pub use resilience::{ResilienceOptions, Retry, RetryEvent, SharedBreaker};
pub use wait::WaitOptions;
pub use watch::{JobWatch, WatchOptions};
