//! The `JobFuture` class and the free functions `asCompleted`, `waitAll`.
//!
//! `then` (awaitable), `addDoneCallback` (both need the JS `this`), `exception` and `wait` (small
//! compositions of `result` and `__whenDone`, cheaper in JS than as more wasm) are installed on the
//! prototype by `js/futures.js`; everything else is here.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::errors::to_js;
use super::options;
use super::options::{CallOptionsArg, JobFutureOptionsArg};
use super::result::JsJobResult;
use crate::js_options;
use crate::logic::error::ArvakError;
use crate::web::JobFuture;

#[wasm_bindgen(module = "/js/futures.js")]
extern "C" {
    #[wasm_bindgen(js_name = installJobFuture)]
    fn install_job_future(obj: JsValue) -> JsValue;
    #[wasm_bindgen(js_name = asCompleted)]
    fn as_completed_js(futures: &JsValue, options: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = waitAll)]
    fn wait_all_js(futures: &JsValue, options: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = mapFutures)]
    pub(crate) fn map_futures_js(f: &JsValue, futures: &JsValue, options: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = writeProgressLine)]
    pub(crate) fn write_progress_line(line: &str, complete: bool);
}

#[wasm_bindgen]
extern "C" {
    /// `WaitAllOptions`.
    #[wasm_bindgen(typescript_type = "WaitAllOptions")]
    pub type WaitAllOptionsArg;
    /// `JobFuture[]` (or any iterable of them).
    #[wasm_bindgen(typescript_type = "Iterable<JobFuture>")]
    pub type JobFuturesArg;
}

/// A job's eventual result: `await future` gives the `JobResult` (or throws the job's error).
/// `state`, `done()`, `running()` and `cancelled()` read local state (no request). Created by
/// `client.submitQasmFuture`, `client.submitBatchFuture`, `client.jobFuture` and
/// `BatchJobManager.submitMany`.
#[wasm_bindgen(js_name = JobFuture)]
pub struct JsJobFuture {
    inner: JobFuture,
    /// The JS value of the outcome, made once so every `result()` gives the same object.
    cache: Rc<RefCell<Option<Result<JsValue, JsValue>>>>,
}

impl JsJobFuture {
    /// The JS object for a Rust future (with `then` and `addDoneCallback`).
    pub fn wrap(inner: JobFuture) -> JsValue {
        install_job_future(
            JsJobFuture {
                inner,
                cache: Rc::new(RefCell::new(None)),
            }
            .into(),
        )
    }

    /// The Rust future.
    pub fn rust(&self) -> &JobFuture {
        &self.inner
    }
}

/// The outcome as JS values (cached).
fn outcome_js(
    cache: &RefCell<Option<Result<JsValue, JsValue>>>,
    outcome: Result<crate::logic::data::JobResult, ArvakError>,
) -> Result<JsValue, JsValue> {
    if let Some(v) = cache.borrow().as_ref() {
        return v.clone();
    }
    let v = outcome
        .map(|r| JsJobResult::from(r).into())
        .map_err(|e| to_js(&e));
    *cache.borrow_mut() = Some(v.clone());
    v
}

js_options! {
    /// Options of `JobFuture.result()` / `exception()` / `wait()` and of `asCompleted` / `map`.
    pub struct FutureWaitFields as "FutureWaitOptions", arg FutureWaitOptionsArg {
        /// Give up waiting after this many ms (the job keeps running).
        timeoutMs: number,
        /// Stops waiting (not the job).
        signal: signal,
    }
}

#[wasm_bindgen(js_class = JobFuture)]
impl JsJobFuture {
    /// A future for an existing job, waited for with `waitForJob`'s machinery (WatchJob first,
    /// polling as the fallback). Same as `client.jobFuture(jobId)`.
    #[wasm_bindgen(js_name = forJob, unchecked_return_type = "JobFuture")]
    pub fn for_job(
        #[wasm_bindgen(unchecked_param_type = "ArvakClient")] client: JsValue,
        #[wasm_bindgen(js_name = jobId, unchecked_param_type = "string")] job_id: JsValue,
        options: Option<JobFutureOptionsArg>,
    ) -> Result<JsValue, JsValue> {
        let o: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        let parsed = (|| -> Result<_, ArvakError> {
            let client = super::args::client(&client, "client")?;
            let job_id = super::args::string(&job_id, "jobId")?;
            Ok((client, job_id, options::call(&o)?, options::wait(&o)?))
        })();
        let (client, job_id, call, wait) = parsed.map_err(|e| to_js(&e))?;
        Ok(JsJobFuture::wrap(client.job_future(&job_id, wait, call)))
    }

    /// The job id; `null` while the job is still being submitted (or if submitting failed).
    #[wasm_bindgen(getter, js_name = jobId, unchecked_return_type = "string | null")]
    pub fn job_id(&self) -> JsValue {
        self.inner
            .job_id()
            .map(|s| JsValue::from_str(&s))
            .unwrap_or(JsValue::NULL)
    }

    /// `"PENDING"` while submitting, then the last known job state; once done: `"COMPLETED"`,
    /// `"CANCELED"`, `"RESULT_EXPIRED"` or `"FAILED"` (any other error).
    #[wasm_bindgen(getter, unchecked_return_type = "JobFutureState")]
    pub fn state(&self) -> String {
        self.inner
            .state()
            .map(|s| s.as_str())
            .unwrap_or("PENDING")
            .to_owned()
    }

    /// Whether the future has settled (result or error).
    pub fn done(&self) -> bool {
        self.inner.is_done()
    }

    /// Whether the job exists and has not finished (QUEUED or RUNNING).
    pub fn running(&self) -> bool {
        self.inner.is_running()
    }

    /// Whether the job ended cancelled.
    pub fn cancelled(&self) -> bool {
        self.inner.is_cancelled()
    }

    /// The result; rejects with the job's error. `timeoutMs`: reject with `ArvakTimeoutError` if
    /// not done by then (the job keeps running); `signal` aborts the waiting (not the job).
    #[wasm_bindgen(unchecked_return_type = "Promise<JobResult>")]
    pub fn result(&self, options: Option<FutureWaitOptionsArg>) -> Promise {
        let f = self.inner.clone();
        let cache = self.cache.clone();
        let o: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        super::promise::boxed(Box::pin(async move {
            let o = FutureWaitFields::read(&o, "options").map_err(|e| to_js(&e))?;
            if let Some(outcome) = f.outcome() {
                return outcome_js(&cache, outcome);
            }
            let r = f.result(o.timeoutMs, o.signal.as_ref()).await;
            match r {
                Ok(v) => outcome_js(&cache, Ok(v)),
                Err(e) => match f.outcome() {
                    Some(outcome) => outcome_js(&cache, outcome),
                    None => Err(to_js(&e)),
                },
            }
        }))
    }

    /// Cancels the job: resolves `true` when the server cancelled it (the future then rejects with
    /// `JobCancelledError`), `false` when it had already finished. A job still being submitted is
    /// cancelled as soon as it exists.
    #[wasm_bindgen(unchecked_return_type = "Promise<boolean>")]
    pub fn cancel(&self, options: Option<CallOptionsArg>) -> Promise {
        let f = self.inner.clone();
        let o: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        super::promise::boxed(Box::pin(async move {
            let r = async {
                let call = options::call(&o)?;
                f.cancel(&call).await
            }
            .await;
            r.map(JsValue::from_bool).map_err(|e| to_js(&e))
        }))
    }

    /// Internal: resolves (never rejects) when the future settles.
    #[wasm_bindgen(js_name = __whenDone, skip_typescript)]
    pub fn when_done(&self) -> Promise {
        let f = self.inner.clone();
        super::promise::boxed(Box::pin(async move {
            f.settled().await;
            Ok(JsValue::UNDEFINED)
        }))
    }
}

/// Yields the futures in the order they settle (`for await (const f of asCompleted(futures))`).
/// With `timeoutMs`, throws `ArvakTimeoutError` if they have not all settled by then.
#[wasm_bindgen(js_name = asCompleted, unchecked_return_type = "AsyncIterableIterator<JobFuture>")]
pub fn as_completed(futures: JobFuturesArg, options: Option<FutureWaitOptionsArg>) -> JsValue {
    let o: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
    as_completed_js(&futures.into(), &o)
}

/// Waits until `returnWhen` ("ALL_COMPLETED", "FIRST_COMPLETED", "FIRST_EXCEPTION") holds or
/// `timeoutMs` passes; resolves `{ done, notDone }` in input order (never rejects on timeout).
#[wasm_bindgen(js_name = waitAll, unchecked_return_type = "Promise<WaitAllResult>")]
pub fn wait_all(futures: JobFuturesArg, options: Option<WaitAllOptionsArg>) -> JsValue {
    let o: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
    wait_all_js(&futures.into(), &o)
}
