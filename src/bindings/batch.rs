//! The `BatchJobManager` class, `BatchProgress` snapshots and the console progress bar.

use std::rc::Rc;

use js_sys::{Array, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::client::{BatchCircuitsArg, JsArvakClient};
use super::convert::{opt_string, set};
use super::errors::to_js;
use super::future::{
    map_futures_js, write_progress_line, FutureWaitOptionsArg, JobFuturesArg, JsJobFuture,
};
use super::options::{self, Opts};
use super::result::JsJobResult;
use crate::logic::error::ArvakError;
use crate::resilience::{format_progress_bar, BatchProgress, JobExistence};
use crate::web::{BatchJobManager, BatchOutcome, ManagerOptions, ProgressHook, RunOptions};

#[wasm_bindgen]
extern "C" {
    /// `BatchManagerOptions`.
    #[wasm_bindgen(typescript_type = "BatchManagerOptions")]
    pub type BatchManagerOptionsArg;
    /// `ExecuteBatchOptions`.
    #[wasm_bindgen(typescript_type = "ExecuteBatchOptions")]
    pub type ExecuteBatchOptionsArg;
    /// `BatchProgress`.
    #[wasm_bindgen(typescript_type = "BatchProgress")]
    pub type BatchProgressArg;
    /// A function of a `JobResult`.
    #[wasm_bindgen(typescript_type = "(result: JobResult) => unknown")]
    pub type MapFnArg;
}

/// A frozen `BatchProgress` object.
pub fn progress_js(p: &BatchProgress) -> JsValue {
    let o = Object::new();
    set(&o, "total", p.total as f64);
    set(&o, "submitted", p.submitted as f64);
    set(&o, "completed", p.completed as f64);
    set(&o, "failed", p.failed as f64);
    set(&o, "running", p.running as f64);
    set(&o, "pending", p.pending as f64);
    set(&o, "elapsedMs", p.elapsed_ms.round());
    set(
        &o,
        "etaMs",
        p.eta_ms
            .map(|v| JsValue::from_f64(v.round()))
            .unwrap_or(JsValue::NULL),
    );
    set(&o, "percentComplete", p.percent_complete);
    set(&o, "isComplete", p.is_complete());
    Object::freeze(&o).into()
}

fn existence(e: JobExistence) -> &'static str {
    match e {
        JobExistence::NotCreated => "not_created",
        JobExistence::Created => "created",
        JobExistence::MaybeCreated => "maybe_created",
    }
}

/// The `BatchResult` object of a finished batch.
fn report_js(r: BatchOutcome) -> JsValue {
    let o = Object::new();
    let results: Array = r
        .results
        .into_iter()
        .map(|x| {
            x.map(|v| JsJobResult::from(v).into())
                .unwrap_or(JsValue::NULL)
        })
        .collect();
    let failures: Array = r
        .failures
        .iter()
        .map(|f| {
            let x = Object::new();
            set(&x, "index", f.index as f64);
            set(&x, "jobId", opt_string(f.job_id.as_deref()));
            set(&x, "error", to_js(&f.error));
            set(&x, "existence", existence(f.existence));
            JsValue::from(x)
        })
        .collect();
    set(&o, "results", results);
    set(&o, "failures", failures);
    set(&o, "status", r.status.as_str());
    set(&o, "progress", progress_js(&r.progress));
    set(&o, "totalTimeMs", r.total_time_ms.round());
    set(&o, "successCount", r.success_count as f64);
    set(&o, "failureCount", r.failure_count as f64);
    o.into()
}

/// `timeoutMs` (the whole batch), `failFast`, `signal`, `onProgress`.
fn run_options(o: &JsValue) -> Result<(RunOptions, Option<ProgressHook>), ArvakError> {
    let call = options::call(o)?;
    let fail_fast = Opts::new(o, "options")?
        .boolean("failFast")?
        .unwrap_or(false);
    let hook = options::callback(o, "onProgress")?.map(|f| {
        Rc::new(move |p: &BatchProgress| {
            if let Err(e) = f.call1(&JsValue::NULL, &progress_js(p)) {
                crate::web::env::report_callback_error("onProgress", &e);
            }
        }) as ProgressHook
    });
    Ok((
        RunOptions {
            timeout_ms: call.timeout_ms,
            fail_fast,
            signal: call.signal,
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
        client: &JsArvakClient,
        options: Option<BatchManagerOptionsArg>,
    ) -> Result<JsBatchJobManager, JsValue> {
        let o: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        let parsed = (|| -> Result<ManagerOptions, ArvakError> {
            let r = Opts::new(&o, "options")?;
            let d = ManagerOptions::default();
            let rate = match r.number("maxSubmitsPerSecond")? {
                None => None,
                Some(_) => Some(r.integer("maxSubmitsPerSecond", 0)?.max(1)),
            };
            let poll = r.number("pollIntervalMs")?.unwrap_or(d.poll_interval_ms);
            if !(poll.is_finite() && poll >= 0.0) {
                return Err(ArvakError::invalid_argument(
                    "options.pollIntervalMs must be a non-negative number",
                ));
            }
            let max_workers = r.integer("maxWorkers", d.max_workers as u32)?;
            if !(1..=100).contains(&max_workers) {
                return Err(ArvakError::invalid_argument(
                    "options.maxWorkers must be between 1 and 100",
                ));
            }
            Ok(ManagerOptions {
                max_workers: max_workers as usize,
                submit_batch_size: r.integer("submitBatchSize", d.submit_batch_size)?.max(1),
                max_submits_per_second: rate,
                max_streams: r.integer("maxStreams", d.max_streams as u32)? as usize,
                poll_interval_ms: poll,
            })
        })();
        let o = parsed.map_err(|e| to_js(&e))?;
        Ok(JsBatchJobManager {
            inner: BatchJobManager::new(client.rust(), o),
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
        #[wasm_bindgen(js_name = backendId)] backend_id: String,
        options: Option<ExecuteBatchOptionsArg>,
    ) -> Promise {
        let manager = self.inner.clone();
        let o: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        let circuits: JsValue = circuits.into();
        future_to_promise(async move {
            let r = async {
                let list = options::batch(&circuits, &o)?;
                let (run, hook) = run_options(&o)?;
                manager.execute_batch(list, &backend_id, run, hook).await
            }
            .await;
            r.map(report_js).map_err(|e| to_js(&e))
        })
    }

    /// Submits every circuit (paced, bounded) and resolves, once each is submitted or has failed
    /// to be, with one `JobFuture` per input in input order; the waits continue in the background.
    #[wasm_bindgen(js_name = submitMany, unchecked_return_type = "Promise<JobFuture[]>")]
    pub fn submit_many(
        &self,
        circuits: BatchCircuitsArg,
        #[wasm_bindgen(js_name = backendId)] backend_id: String,
        options: Option<ExecuteBatchOptionsArg>,
    ) -> Promise {
        let manager = self.inner.clone();
        let o: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        let circuits: JsValue = circuits.into();
        future_to_promise(async move {
            let r = async {
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
        })
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
    let o = Opts::new(v, "progress")?;
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

/// The seed's console bar, e.g.
/// `[████████░░░░░░░░░░░░] 42.0% (21/50) | 3 running, 26 pending, 1 failed` (`width` default 50).
#[wasm_bindgen(js_name = formatProgressBar)]
pub fn format_progress_bar_js(
    progress: BatchProgressArg,
    width: Option<u32>,
) -> Result<String, JsValue> {
    let p = read_progress(&progress.into()).map_err(|e| to_js(&e))?;
    Ok(format_progress_bar(&p, width.unwrap_or(50) as usize))
}

/// Prints the bar: rewritten in place on a terminal (`\r`, newline when complete), one
/// `console.log` line per call elsewhere.
#[wasm_bindgen(js_name = printProgressBar)]
pub fn print_progress_bar_js(
    progress: BatchProgressArg,
    width: Option<u32>,
) -> Result<(), JsValue> {
    let p = read_progress(&progress.into()).map_err(|e| to_js(&e))?;
    write_progress_line(
        &format_progress_bar(&p, width.unwrap_or(50) as usize),
        p.is_complete(),
    );
    Ok(())
}
