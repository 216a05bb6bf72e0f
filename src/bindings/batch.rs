//! The `BatchJobManager` class, `BatchProgress` snapshots and the console progress bar.

use std::rc::Rc;

use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;

use super::convert;
use super::errors::to_js;
use super::future::{
    map_futures_js, write_progress_line, FutureWaitOptionsArg, JobFuturesArg, JsJobFuture,
};
use super::options;
use super::options::BatchCircuitsArg;
use super::result::JsJobResult;
use super::shape::Fields;
use crate::js_data;
use crate::js_options;
use crate::logic::error::ArvakError;
use crate::resilience::{format_progress_bar, BatchProgress};
use crate::web::{BatchJobManager, BatchOutcome, ManagerOptions, ProgressHook, RunOptions};

#[wasm_bindgen]
extern "C" {
    /// `BatchProgress`.
    #[wasm_bindgen(typescript_type = "BatchProgress")]
    pub type BatchProgressArg;
    /// A function of a `JobResult`.
    #[wasm_bindgen(typescript_type = "(result: JobResult) => unknown")]
    pub type MapFnArg;
}

js_options! {
    /// Options of `new BatchJobManager(client, options)`.
    pub struct ManagerFields as "BatchManagerOptions", arg BatchManagerOptionsArg {
        /// Concurrent submissions and concurrent waits (default 10, at most 100; more can raise a batch's jobs/s, but over HTTP/1.1 the browser queues what its 6 connections per origin cannot carry: other calls of the page wait behind the batch, and an abort takes longer to silence the wire).
        maxWorkers: integer,
        /// Largest SubmitBatch chunk, used only where it cannot be cut part-way (default 25; 1 = SubmitJob only).
        submitBatchSize: integer,
        /// The server's per-IP job rate if known (default: learned from its first RESOURCE_EXHAUSTED).
        maxSubmitsPerSecond: integer,
        /// WatchJob streams the manager's waits may hold (default: the client's cap — 2 on HTTP/1.1, 64 on HTTP/2 and 3; the rest poll).
        maxStreams: integer,
        /// Longest pause between status polls of a polled wait (default 1000).
        pollIntervalMs: number,
    }
}

js_options! {
    /// Options of `executeBatch` and `submitMany`.
    pub struct RunFields as "ExecuteBatchOptions", arg ExecuteBatchOptionsArg,
        extends "BatchCircuitSettings" {
        /// Deadline of the whole batch in ms: then status "timed_out", unfinished jobs cancelled and listed.
        timeoutMs: number,
        /// Stop at the first failure: cancel the rest and report them.
        failFast: boolean,
        /// Abort: stops all traffic and timers at once; status "cancelled".
        signal: signal,
        /// A snapshot after every change. Exceptions are reported on the console and ignored.
        onProgress: callback("(progress: BatchProgress) => void"),
        /// How string circuits are read (default "qasm3").
        format: one_of("qasm3", "json"),
        /// With a journaled client: a label kept with the batch (shown by `client.journalBatches()`).
        label: string,
    }
}

js_options! {
    /// Options of `resumeBatch`.
    pub struct ResumeFields as "ResumeBatchOptions", arg ResumeBatchOptionsArg {
        /// Deadline of the resumed run in ms (as in `executeBatch`).
        timeoutMs: number,
        /// Stop at the first failure: cancel the rest and report them.
        failFast: boolean,
        /// Abort: stops all traffic and timers at once; status "cancelled".
        signal: signal,
        /// A snapshot after every change (the inputs taken over from the journal count at once).
        onProgress: callback("(progress: BatchProgress) => void"),
    }
}

js_data! {
    /// What `executeBatch` resolves to. Every input is in exactly one of `results` (non-null) and `failures`.
    fn report_js(r: BatchOutcome) -> "BatchResult" {
        /// By input index: the result, or null for a failed input.
        results: "Array<JobResult | null>" = r
            .results
            .into_iter()
            .map(|x| x.map(|v| JsJobResult::from(v).into()).unwrap_or(JsValue::NULL))
            .collect::<Array>(),
        /// Ascending by index.
        failures: "BatchFailure[]" = r.failures.iter().map(convert::failure).collect::<Array>(),
        status: "BatchStatus" = r.status.as_str(),
        progress: "BatchProgress" = convert::progress(&r.progress),
        totalTimeMs: "number" = r.total_time_ms.round(),
        successCount: "number" = r.success_count as f64,
        failureCount: "number" = r.failure_count as f64,
    }
}

/// `timeoutMs` (the whole batch), `failFast`, `signal`, `onProgress`, `label`.
fn run_options(o: &JsValue) -> Result<(RunOptions, Option<ProgressHook>), ArvakError> {
    let r = RunFields::read(o, "options")?;
    run_settings(r.timeoutMs, r.failFast, r.signal, r.onProgress, r.label)
}

fn run_settings(
    timeout_ms: Option<f64>,
    fail_fast: Option<bool>,
    signal: Option<web_sys::AbortSignal>,
    on_progress: Option<js_sys::Function>,
    label: Option<String>,
) -> Result<(RunOptions, Option<ProgressHook>), ArvakError> {
    if timeout_ms.is_some() {
        crate::logic::deadline::parse_timeout_ms(timeout_ms, "options.timeoutMs")?;
    }
    let hook = on_progress.map(|f| {
        Rc::new(move |p: &BatchProgress| {
            if let Err(e) = f.call1(&JsValue::NULL, &convert::progress(p)) {
                crate::web::env::report_callback_error("onProgress", &e);
            }
        }) as ProgressHook
    });
    Ok((
        RunOptions {
            timeout_ms,
            fail_fast: fail_fast.unwrap_or(false),
            signal,
            label,
        },
        hook,
    ))
}

/// Runs many circuits with bounded concurrency, paced submissions and bounded waits, accounting for
/// every input exactly once.
#[wasm_bindgen(js_name = BatchJobManager)]
pub struct JsBatchJobManager {
    inner: BatchJobManager,
}

#[wasm_bindgen(js_class = BatchJobManager)]
impl JsBatchJobManager {
    /// A manager for `client`. Throws an `ArvakError` for invalid options.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "ArvakClient")] client: JsValue,
        options: Option<BatchManagerOptionsArg>,
    ) -> Result<JsBatchJobManager, JsValue> {
        let client = super::args::client(&client, "client").map_err(|e| to_js(&e))?;
        let o: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        let parsed = (|| -> Result<ManagerOptions, ArvakError> {
            let r = ManagerFields::read(&o, "options")?;
            let d = ManagerOptions::default();
            let rate = r.maxSubmitsPerSecond.map(|n| n.max(1));
            let poll = r.pollIntervalMs.unwrap_or(d.poll_interval_ms);
            if !(poll.is_finite() && poll >= 0.0) {
                return Err(ArvakError::invalid_argument(
                    "options.pollIntervalMs must be a non-negative number",
                ));
            }
            let max_workers = r.maxWorkers.unwrap_or(d.max_workers as u32);
            if !(1..=100).contains(&max_workers) {
                return Err(ArvakError::invalid_argument(
                    "options.maxWorkers must be between 1 and 100",
                ));
            }
            Ok(ManagerOptions {
                max_workers: max_workers as usize,
                submit_batch_size: r.submitBatchSize.unwrap_or(d.submit_batch_size).max(1),
                max_submits_per_second: rate,
                max_streams: r.maxStreams.map(|n| n as usize).or(d.max_streams),
                poll_interval_ms: poll,
            })
        })();
        let o = parsed.map_err(|e| to_js(&e))?;
        Ok(JsBatchJobManager {
            inner: BatchJobManager::new(&client, o),
        })
    }

    /// Runs the batch to its end. Resolves (never rejects for what happens to the jobs) with
    /// `{ results, failures, status, progress, totalTimeMs, successCount, failureCount }`:
    /// `results[i]` is input i's `JobResult` or `null`, every other input is in `failures` with its
    /// index. Rejects only for invalid arguments.
    #[wasm_bindgen(js_name = executeBatch, unchecked_return_type = "Promise<BatchResult>")]
    pub fn execute_batch(
        &self,
        circuits: BatchCircuitsArg,
        #[wasm_bindgen(js_name = backendId, unchecked_param_type = "string")] backend_id: JsValue,
        options: Option<ExecuteBatchOptionsArg>,
    ) -> Promise {
        let manager = self.inner.clone();
        let o: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        let circuits: JsValue = circuits.into();
        super::promise::boxed(Box::pin(async move {
            let r = async {
                let backend_id = super::args::string(&backend_id, "backendId")?;
                let list = options::batch(&circuits, &o)?;
                let (run, hook) = run_options(&o)?;
                manager.execute_batch(list, &backend_id, run, hook).await
            }
            .await;
            r.map(report_js).map_err(|e| to_js(&e))
        }))
    }

    /// Resumes a batch of the client's job journal after a reload (`client.journalBatches()` lists
    /// them): inputs with a job are waited for, inputs never sent are submitted, inputs whose
    /// request was in flight when the page was left are failures that may exist — nothing is
    /// submitted twice. Resolves with the whole batch's `BatchResult`, in input order.
    #[wasm_bindgen(js_name = resumeBatch, unchecked_return_type = "Promise<BatchResult>")]
    pub fn resume_batch(
        &self,
        #[wasm_bindgen(js_name = batchId, unchecked_param_type = "string")] batch_id: JsValue,
        options: Option<ResumeBatchOptionsArg>,
    ) -> Promise {
        let manager = self.inner.clone();
        let o: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        super::promise::boxed(Box::pin(async move {
            let r = async {
                let batch_id = super::args::string(&batch_id, "batchId")?;
                let f = ResumeFields::read(&o, "options")?;
                let (run, hook) =
                    run_settings(f.timeoutMs, f.failFast, f.signal, f.onProgress, None)?;
                manager.resume_batch(&batch_id, run, hook).await
            }
            .await;
            r.map(report_js).map_err(|e| to_js(&e))
        }))
    }

    /// Submits every circuit (paced, bounded) and resolves, once each is submitted or has failed
    /// to be, with one `JobFuture` per input in input order; the waits continue in the background.
    #[wasm_bindgen(js_name = submitMany, unchecked_return_type = "Promise<JobFuture[]>")]
    pub fn submit_many(
        &self,
        circuits: BatchCircuitsArg,
        #[wasm_bindgen(js_name = backendId, unchecked_param_type = "string")] backend_id: JsValue,
        options: Option<ExecuteBatchOptionsArg>,
    ) -> Promise {
        let manager = self.inner.clone();
        let o: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        let circuits: JsValue = circuits.into();
        super::promise::boxed(Box::pin(async move {
            let r = async {
                let backend_id = super::args::string(&backend_id, "backendId")?;
                let list = options::batch(&circuits, &o)?;
                let (run, hook) = run_options(&o)?;
                manager.submit_many(list, &backend_id, run, hook).await
            }
            .await;
            r.map(|fs| {
                fs.into_iter()
                    .map(JsJobFuture::wrap)
                    .collect::<Array>()
                    .into()
            })
            .map_err(|e| to_js(&e))
        }))
    }

    /// The futures in the order they settle (see the free function `asCompleted`).
    #[wasm_bindgen(
        js_name = asCompleted,
        unchecked_return_type = "AsyncIterableIterator<JobFuture>"
    )]
    pub fn as_completed(
        &self,
        futures: JobFuturesArg,
        options: Option<FutureWaitOptionsArg>,
    ) -> JsValue {
        super::future::as_completed(futures, options)
    }

    /// Applies `fn` to each result as it arrives; resolves one `{ status, value | reason }` per
    /// future in input order (failures are kept; unfinished ones at `timeoutMs` are timeouts).
    #[wasm_bindgen(unchecked_return_type = "Promise<Array<MapOutcome<unknown>>>")]
    pub fn map(
        &self,
        f: MapFnArg,
        futures: JobFuturesArg,
        options: Option<FutureWaitOptionsArg>,
    ) -> JsValue {
        let o: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        map_futures_js(&f.into(), &futures.into(), &o)
    }
}

/// Reads a progress-like object (`total`, `completed`, `failed`, `running`, `pending`,
/// `percentComplete`; missing counts are 0).
fn read_progress(v: &JsValue) -> Result<BatchProgress, ArvakError> {
    if !v.is_object() {
        return Err(super::args::wrong("progress", "an object", v));
    }
    let o = Fields::new(v, "progress")?;
    let count = |name: &str| -> Result<usize, ArvakError> {
        Ok(o.number(name)?
            .filter(|n| n.is_finite() && *n >= 0.0)
            .map_or(0, |n| n as usize))
    };
    let total = count("total")?;
    let completed = count("completed")?;
    let failed = count("failed")?;
    let percent = match o.number("percentComplete")? {
        Some(p) => p,
        None if total == 0 => 100.0,
        None => (completed + failed) as f64 * 100.0 / total as f64,
    };
    Ok(BatchProgress {
        total,
        submitted: count("submitted")?,
        completed,
        failed,
        running: count("running")?,
        pending: count("pending")?,
        elapsed_ms: 0.0,
        eta_ms: None,
        percent_complete: percent,
    })
}

/// The `width` argument of the progress bar functions (default 50, at most 1000 cells).
fn bar_width(width: Option<super::args::NumberArg>) -> Result<usize, JsValue> {
    match width.map(JsValue::from) {
        None => Ok(50),
        Some(w) => match w.as_f64() {
            Some(n) if n.is_finite() && n >= 0.0 => Ok((n as usize).min(1000)),
            _ => Err(to_js(&super::args::wrong(
                "width",
                "a non-negative number",
                &w,
            ))),
        },
    }
}

/// The seed's console bar, e.g.
/// `[████████░░░░░░░░░░░░] 42.0% (21/50) | 3 running, 26 pending, 1 failed` (`width` default 50).
#[wasm_bindgen(js_name = formatProgressBar)]
pub fn format_progress_bar_js(
    progress: BatchProgressArg,
    width: Option<super::args::NumberArg>,
) -> Result<String, JsValue> {
    let p = read_progress(&progress.into()).map_err(|e| to_js(&e))?;
    Ok(format_progress_bar(&p, bar_width(width)?))
}

/// Prints the bar: rewritten in place on a terminal (`\r`, newline when complete), one
/// `console.log` line per call elsewhere.
#[wasm_bindgen(js_name = printProgressBar)]
pub fn print_progress_bar_js(
    progress: BatchProgressArg,
    width: Option<super::args::NumberArg>,
) -> Result<(), JsValue> {
    let p = read_progress(&progress.into()).map_err(|e| to_js(&e))?;
    write_progress_line(&format_progress_bar(&p, bar_width(width)?), p.is_complete());
    Ok(())
}
