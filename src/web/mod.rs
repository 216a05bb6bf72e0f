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

pub mod batch;
mod client;
pub mod env;
mod future;
mod guard;
pub mod resilience;
mod rpc;
mod transport;
mod wait;
mod watch;

pub use batch::{BatchJobManager, BatchOutcome, ManagerOptions, ProgressHook, RunOptions};
pub use client::{ArvakClient, CallOptions, ClientOptions, Credentials, SubmitOptions};
pub use future::JobFuture;
pub use guard::{abort_error, AbortWatch};
pub use resilience::{ResilienceOptions, Retry, RetryEvent, SharedBreaker};
pub use wait::WaitOptions;
pub use watch::{JobWatch, WatchOptions};
