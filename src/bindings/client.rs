//! The `ArvakClient` class (and `ResilientClient`, which makes one): a thin layer over
//! [`crate::web::ArvakClient`].
//!
//! Every method returns a promise that rejects with an `ArvakError` (option errors included).

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;

use super::args;
use super::convert;
use super::errors::{js_result, to_js};
use super::future::JsJobFuture;
use super::options::{
    self, BatchCircuitsArg, BatchFutureOptionsArg, BatchOptionsArg, CallOptionsArg,
    ClientOptionsArg, FutureOptionsArg, JobFutureOptionsArg, ResilienceOptionsArg,
    StreamResultsOptionsArg, SubmitOptionsArg, WaitOptionsArg, WatchOptionsArg,
};
use super::result::JsJobResult;
use super::watch::JsJobWatch;
use crate::logic::error::ArvakError;
use crate::web::{env::report_callback_error, ArvakClient};

fn opts<T: Into<JsValue>>(o: Option<T>) -> JsValue {
    o.map(Into::into).unwrap_or(JsValue::UNDEFINED)
}

impl JsArvakClient {
    /// Runs one call on a clone of the client and settles a promise with its answer: `run` reads the
    /// method's options object (its errors reject like call errors) and makes the call; `to_js`
    /// converts the answer.
    fn promise<T, V, Fut>(
        &self,
        options: JsValue,
        run: impl FnOnce(ArvakClient, JsValue) -> Fut + 'static,
        to_js: impl FnOnce(T) -> V + 'static,
    ) -> Promise
    where
        Fut: std::future::Future<Output = Result<T, ArvakError>> + 'static,
        V: Into<JsValue>,
    {
        let client = self.inner.clone();
        super::promise::boxed(Box::pin(async move {
            js_result(run(client, options).await.map(to_js))
        }))
    }
}

/// Calls a user callback; exceptions are reported on the console and do not stop the operation.
fn call_back(f: &Option<Function>, what: &str, arg: impl FnOnce() -> JsValue) {
    if let Some(f) = f {
        if let Err(e) = f.call1(&JsValue::NULL, &arg()) {
            report_callback_error(what, &e);
        }
    }
}

/// The client of the Arvak job service over grpc-web.
#[wasm_bindgen(js_name = ArvakClient)]
pub struct JsArvakClient {
    inner: ArvakClient,
}

impl JsArvakClient {
    /// The Rust client behind this object.
    pub fn rust(&self) -> &ArvakClient {
        &self.inner
    }

    /// Wraps a Rust client.
    pub fn from_rust(inner: ArvakClient) -> Self {
        JsArvakClient { inner }
    }
}

#[wasm_bindgen(js_class = ArvakClient)]
impl JsArvakClient {
    /// A client for the grpc-web endpoint at `url`. Throws an `ArvakError` for invalid options.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "string")] url: JsValue,
        options: Option<ClientOptionsArg>,
    ) -> Result<JsArvakClient, JsValue> {
        let url = args::string(&url, "url").map_err(|e| to_js(&e))?;
        let o = options::client(&opts(options)).map_err(|e| to_js(&e))?;
        let inner = ArvakClient::new(&url, o).map_err(|e| to_js(&e))?;
        Ok(JsArvakClient { inner })
    }

    /// The base URL.
    #[wasm_bindgen(getter)]
    pub fn url(&self) -> String {
        self.inner.url().to_owned()
    }

    /// Whether `close()` was called.
    #[wasm_bindgen(getter)]
    pub fn closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// WatchJob streams open now.
    #[wasm_bindgen(getter, js_name = openStreams)]
    pub fn open_streams(&self) -> usize {
        self.inner.open_streams()
    }

    /// The HTTP version of this client's calls as the browser reported it: "http/1.1", "h2", "h3",
    /// or "unknown" (before the first call finished, or for a cross-origin server that sends no
    /// `Timing-Allow-Origin`; then the HTTP/1.1 stream cap holds).
    #[wasm_bindgen(
        getter,
        unchecked_return_type = "\"http/1.1\" | \"h2\" | \"h3\" | \"unknown\""
    )]
    pub fn protocol(&self) -> String {
        self.inner.protocol().as_str().to_owned()
    }

    /// The WatchJob stream cap `auto` waits use now (with `maxStreams: "auto"`: 2, or 64 once
    /// HTTP/2 or HTTP/3 is seen).
    #[wasm_bindgen(getter, js_name = maxStreams)]
    pub fn max_streams(&self) -> usize {
        self.inner.stream_cap()
    }

    /// The name of the job journal this client keeps (the `journal` option), or null.
    #[wasm_bindgen(getter, js_name = journalName, unchecked_return_type = "string | null")]
    pub fn journal_name(&self) -> JsValue {
        self.inner
            .journal()
            .map_or(JsValue::NULL, |j| JsValue::from_str(j.name()))
    }

    /// The single jobs in the journal whose outcome no wait has delivered yet, oldest first
    /// (empty without a journal). A page reloaded mid-run finds its jobs here: `waitForJob` them.
    #[wasm_bindgen(js_name = journalJobs, unchecked_return_type = "JournalJob[]")]
    pub fn journal_jobs(&self) -> Array {
        self.inner.journal().map_or_else(Array::new, |j| {
            j.jobs().iter().map(super::convert::journal_job).collect()
        })
    }

    /// The unfinished batches in the journal, oldest first (empty without a journal); resume one
    /// with `BatchJobManager.resumeBatch(batchId)`.
    #[wasm_bindgen(js_name = journalBatches, unchecked_return_type = "JournalBatch[]")]
    pub fn journal_batches(&self) -> Array {
        self.inner.journal().map_or_else(Array::new, |j| {
            j.batches()
                .iter()
                .map(super::convert::journal_batch)
                .collect()
        })
    }

    /// Removes a job from the journal (a wait that delivers its outcome does this itself).
    #[wasm_bindgen(js_name = forgetJob)]
    pub fn forget_job(
        &self,
        #[wasm_bindgen(js_name = jobId, unchecked_param_type = "string")] job_id: JsValue,
    ) -> Result<(), JsValue> {
        let job_id = args::string(&job_id, "jobId").map_err(|e| to_js(&e))?;
        if let Some(j) = self.inner.journal() {
            j.forget_job(&job_id);
        }
        Ok(())
    }

    /// Removes a batch from the journal without resuming it (its jobs are not cancelled).
    #[wasm_bindgen(js_name = forgetBatch)]
    pub fn forget_batch(
        &self,
        #[wasm_bindgen(js_name = batchId, unchecked_param_type = "string")] batch_id: JsValue,
    ) -> Result<(), JsValue> {
        let batch_id = args::string(&batch_id, "batchId").map_err(|e| to_js(&e))?;
        if let Some(j) = self.inner.journal() {
            j.forget_batch(&batch_id);
        }
        Ok(())
    }

    /// Submits an OpenQASM 3 circuit; resolves to the job id.
    #[wasm_bindgen(js_name = submitQasm, unchecked_return_type = "Promise<string>")]
    pub fn submit_qasm(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] qasm: JsValue,
        #[wasm_bindgen(js_name = backendId, unchecked_param_type = "string")] backend_id: JsValue,
        options: Option<SubmitOptionsArg>,
    ) -> Promise {
        self.promise(
            opts(options),
            move |client, o| async move {
                let qasm = args::string(&qasm, "qasm")?;
                let backend_id = args::string(&backend_id, "backendId")?;
                let call = options::call(&o)?;
                let mut sub = options::submit(&o)?;
                sub.label = options::submit_label(&o)?;
                client.submit_qasm(&qasm, &backend_id, sub, &call).await
            },
            |id| id,
        )
    }

    /// Submits an Arvak IR JSON circuit (the service currently rejects it as an invalid circuit).
    #[wasm_bindgen(js_name = submitCircuitJson, unchecked_return_type = "Promise<string>")]
    pub fn submit_circuit_json(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] json: JsValue,
        #[wasm_bindgen(js_name = backendId, unchecked_param_type = "string")] backend_id: JsValue,
        options: Option<SubmitOptionsArg>,
    ) -> Promise {
        self.promise(
            opts(options),
            move |client, o| async move {
                let json = args::string(&json, "json")?;
                let backend_id = args::string(&backend_id, "backendId")?;
                let call = options::call(&o)?;
                let mut sub = options::submit(&o)?;
                sub.label = options::submit_label(&o)?;
                client
                    .submit_circuit_json(&json, &backend_id, sub, &call)
                    .await
            },
            |id| id,
        )
    }

    /// Submits several circuits in one SubmitBatch call; job ids in input order. Not atomic on the
    /// server: after an error, jobs before the failing circuit exist.
    #[wasm_bindgen(js_name = submitBatch, unchecked_return_type = "Promise<string[]>")]
    pub fn submit_batch(
        &self,
        circuits: BatchCircuitsArg,
        #[wasm_bindgen(js_name = backendId, unchecked_param_type = "string")] backend_id: JsValue,
        options: Option<BatchOptionsArg>,
    ) -> Promise {
        let circuits: JsValue = circuits.into();
        self.promise(
            opts(options),
            move |client, o| async move {
                let backend_id = args::string(&backend_id, "backendId")?;
                let call = options::call(&o)?;
                let list = options::batch(&circuits, &o)?;
                client.submit_batch(list, &backend_id, &call).await
            },
            |ids| convert::strings(&ids),
        )
    }

    /// The job's current state.
    #[wasm_bindgen(js_name = getJobStatus, unchecked_return_type = "Promise<Job>")]
    pub fn get_job_status(
        &self,
        #[wasm_bindgen(js_name = jobId, unchecked_param_type = "string")] job_id: JsValue,
        options: Option<CallOptionsArg>,
    ) -> Promise {
        self.promise(
            opts(options),
            move |client, o| async move {
                let job_id = args::string(&job_id, "jobId")?;
                let call = options::call(&o)?;
                client.get_job_status(&job_id, &call).await
            },
            |j| convert::job(&j),
        )
    }

    /// The result of a COMPLETED job.
    #[wasm_bindgen(js_name = getJobResult, unchecked_return_type = "Promise<JobResult>")]
    pub fn get_job_result(
        &self,
        #[wasm_bindgen(js_name = jobId, unchecked_param_type = "string")] job_id: JsValue,
        options: Option<CallOptionsArg>,
    ) -> Promise {
        self.promise(
            opts(options),
            move |client, o| async move {
                let job_id = args::string(&job_id, "jobId")?;
                let call = options::call(&o)?;
                client.get_job_result(&job_id, &call).await
            },
            JsJobResult::from,
        )
    }

    /// Cancels a QUEUED or RUNNING job; `{ success: false }` (no error) for terminal jobs.
    #[wasm_bindgen(js_name = cancelJob, unchecked_return_type = "Promise<CancelResult>")]
    pub fn cancel_job(
        &self,
        #[wasm_bindgen(js_name = jobId, unchecked_param_type = "string")] job_id: JsValue,
        options: Option<CallOptionsArg>,
    ) -> Promise {
        self.promise(
            opts(options),
            move |client, o| async move {
                let job_id = args::string(&job_id, "jobId")?;
                let call = options::call(&o)?;
                client.cancel_job(&job_id, &call).await
            },
            |c| convert::cancel(&c),
        )
    }

    /// Every registered backend.
    #[wasm_bindgen(js_name = listBackends, unchecked_return_type = "Promise<BackendInfo[]>")]
    pub fn list_backends(&self, options: Option<CallOptionsArg>) -> Promise {
        self.promise(
            opts(options),
            move |client, o| async move {
                let call = options::call(&o)?;
                client.list_backends(&call).await
            },
            |b| convert::backends(&b),
        )
    }

    /// One backend by id.
    #[wasm_bindgen(js_name = getBackendInfo, unchecked_return_type = "Promise<BackendInfo>")]
    pub fn get_backend_info(
        &self,
        #[wasm_bindgen(js_name = backendId, unchecked_param_type = "string")] backend_id: JsValue,
        options: Option<CallOptionsArg>,
    ) -> Promise {
        self.promise(
            opts(options),
            move |client, o| async move {
                let backend_id = args::string(&backend_id, "backendId")?;
                let call = options::call(&o)?;
                client.get_backend_info(&backend_id, &call).await
            },
            |b| convert::backend(&b),
        )
    }

    /// Waits for a terminal state and resolves to the result (WatchJob first, polling as fallback).
    /// Rejects with `JobFailedError`, `JobCancelledError`, `ResultExpiredError`, `ArvakTimeoutError`
    /// (`maxWaitMs`; the job is not cancelled), `ArvakAbortError`, or the error of a failing RPC.
    #[wasm_bindgen(js_name = waitForJob, unchecked_return_type = "Promise<JobResult>")]
    pub fn wait_for_job(
        &self,
        #[wasm_bindgen(js_name = jobId, unchecked_param_type = "string")] job_id: JsValue,
        options: Option<WaitOptionsArg>,
    ) -> Promise {
        self.promise(
            opts(options),
            move |client, o| async move {
                let job_id = args::string(&job_id, "jobId")?;
                let call = options::call(&o)?;
                let wait = options::wait(&o)?;
                let on_update = options::on_update(&o)?;
                let mut report = |u: &crate::logic::data::JobUpdate| {
                    call_back(&on_update, "onUpdate", || convert::update(u))
                };
                client.wait_for_job(&job_id, wait, &call, &mut report).await
            },
            JsJobResult::from,
        )
    }

    /// Subscribes to the job's state changes: an async iterable of `JobUpdate`s that ends after the
    /// terminal state. Throws an `ArvakError` for invalid options.
    #[wasm_bindgen(js_name = watchJob, unchecked_return_type = "JobWatch")]
    pub fn watch_job(
        &self,
        #[wasm_bindgen(js_name = jobId, unchecked_param_type = "string")] job_id: JsValue,
        options: Option<WatchOptionsArg>,
    ) -> Result<JsValue, JsValue> {
        let job_id = args::string(&job_id, "jobId").map_err(|e| to_js(&e))?;
        let o = opts(options);
        let parsed =
            (|| -> Result<_, ArvakError> { Ok((options::call(&o)?, options::watch(&o)?)) })();
        let (call, watch) = parsed.map_err(|e| to_js(&e))?;
        Ok(JsJobWatch::wrap(
            self.inner.watch_job(&job_id, watch, &call),
        ))
    }

    /// Streams a completed job's counts in chunks and resolves to the merged result (`shots` = sum
    /// of counts; `executionTimeMs` and `metadata` are null: use `getJobResult` for those).
    #[wasm_bindgen(js_name = streamResults, unchecked_return_type = "Promise<JobResult>")]
    pub fn stream_results(
        &self,
        #[wasm_bindgen(js_name = jobId, unchecked_param_type = "string")] job_id: JsValue,
        options: Option<StreamResultsOptionsArg>,
    ) -> Promise {
        self.promise(
            opts(options),
            move |client, o| async move {
                let job_id = args::string(&job_id, "jobId")?;
                let call = options::call(&o)?;
                let (chunk_size, on_chunk) = options::stream(&o)?;
                let mut report = |c: &crate::logic::data::ResultChunk| {
                    call_back(&on_chunk, "onChunk", || convert::chunk(c))
                };
                client
                    .stream_results(&job_id, chunk_size, &call, &mut report)
                    .await
            },
            JsJobResult::from,
        )
    }

    /// The circuit breaker this client uses (the same breaker as the `CircuitBreaker` it was given),
    /// or `null`.
    #[wasm_bindgen(getter, js_name = circuitBreaker, unchecked_return_type = "CircuitBreaker | null")]
    pub fn circuit_breaker(&self) -> JsValue {
        match self.inner.breaker() {
            Some(b) => super::resilience::JsCircuitBreaker::wrap(b).into(),
            None => JsValue::NULL,
        }
    }

    /// Submits a circuit and returns a `JobFuture` at once (`await` it for the result; its `jobId`
    /// is set when the job exists). Throws an `ArvakError` for invalid options.
    #[wasm_bindgen(js_name = submitQasmFuture, unchecked_return_type = "JobFuture")]
    pub fn submit_qasm_future(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] qasm: JsValue,
        #[wasm_bindgen(js_name = backendId, unchecked_param_type = "string")] backend_id: JsValue,
        options: Option<FutureOptionsArg>,
    ) -> Result<JsValue, JsValue> {
        let qasm = args::string(&qasm, "qasm").map_err(|e| to_js(&e))?;
        let backend_id = args::string(&backend_id, "backendId").map_err(|e| to_js(&e))?;
        let o = opts(options);
        let parsed = (|| -> Result<_, ArvakError> {
            Ok((options::call(&o)?, options::submit(&o)?, options::wait(&o)?))
        })();
        let (call, sub, wait) = parsed.map_err(|e| to_js(&e))?;
        let circuit = crate::logic::data::BatchCircuit {
            circuit: crate::logic::data::Circuit::Qasm3(qasm),
            shots: sub.shots,
            optimization_level: sub.optimization_level,
        };
        Ok(JsJobFuture::wrap(self.inner.submit_future(
            circuit,
            &backend_id,
            wait,
            call,
        )))
    }

    /// Submits circuits in one SubmitBatch call and returns one `JobFuture` per circuit at once, in
    /// input order (at most `maxWaits`, default 10, are waited for at a time). Throws an
    /// `ArvakError` for invalid options.
    #[wasm_bindgen(js_name = submitBatchFuture, unchecked_return_type = "JobFuture[]")]
    pub fn submit_batch_future(
        &self,
        circuits: BatchCircuitsArg,
        #[wasm_bindgen(js_name = backendId, unchecked_param_type = "string")] backend_id: JsValue,
        options: Option<BatchFutureOptionsArg>,
    ) -> Result<js_sys::Array, JsValue> {
        let backend_id = args::string(&backend_id, "backendId").map_err(|e| to_js(&e))?;
        let o = opts(options);
        let circuits: JsValue = circuits.into();
        let parsed = (|| -> Result<_, ArvakError> {
            let max_waits = options::max_waits(&o)?;
            Ok((
                options::call(&o)?,
                options::batch(&circuits, &o)?,
                options::wait(&o)?,
                max_waits,
            ))
        })();
        let (call, list, wait, max_waits) = parsed.map_err(|e| to_js(&e))?;
        Ok(self
            .inner
            .submit_batch_futures(list, &backend_id, wait, call, max_waits)
            .into_iter()
            .map(JsJobFuture::wrap)
            .collect())
    }

    /// A `JobFuture` for an existing job. Throws an `ArvakError` for invalid options.
    #[wasm_bindgen(js_name = jobFuture, unchecked_return_type = "JobFuture")]
    pub fn job_future(
        &self,
        #[wasm_bindgen(js_name = jobId, unchecked_param_type = "string")] job_id: JsValue,
        options: Option<JobFutureOptionsArg>,
    ) -> Result<JsValue, JsValue> {
        let job_id = args::string(&job_id, "jobId").map_err(|e| to_js(&e))?;
        let o = opts(options);
        let parsed =
            (|| -> Result<_, ArvakError> { Ok((options::call(&o)?, options::wait(&o)?)) })();
        let (call, wait) = parsed.map_err(|e| to_js(&e))?;
        Ok(JsJobFuture::wrap(
            self.inner.job_future(&job_id, wait, call),
        ))
    }

    /// Internal: hands the Rust client to the module (how other classes recognise an
    /// `ArvakClient` argument without trusting its type).
    #[wasm_bindgen(js_name = __arvakClient, skip_typescript)]
    pub fn hand_off(&self) {
        super::args::hand_off_client(self.inner.clone());
    }

    /// Closes the client: pending calls, waits and streams reject with `ArvakAbortError`, later calls
    /// reject at once. Idempotent.
    pub fn close(&self) {
        self.inner.close();
    }
}

/// `new ResilientClient(client, { retryPolicy, circuitBreaker, retryBudget, maxSubmitsPerSecond })`:
/// an `ArvakClient` with the same methods that shares `client`'s connection settings, headers,
/// limits and `close()`, and retries with `retryPolicy` (default: `new RetryPolicy()`) and, when
/// given, the circuit breaker. Works with or without `new`.
#[wasm_bindgen(js_name = ResilientClient, skip_typescript)]
pub fn resilient_client(
    #[wasm_bindgen(unchecked_param_type = "ArvakClient")] client: JsValue,
    options: Option<ResilienceOptionsArg>,
) -> Result<JsArvakClient, JsValue> {
    let client = super::args::client(&client, "client").map_err(|e| to_js(&e))?;
    let o = opts(options);
    let r = options::resilience(&o, true).map_err(|e| to_js(&e))?;
    Ok(JsArvakClient::from_rust(client.with_resilience(r)))
}
