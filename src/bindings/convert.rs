//! Rust data → plain JavaScript objects (`Date` timestamps, `null` for absent values). Each data
//! object is declared once with [`js_data!`]: its TypeScript interface and its builder.

use js_sys::{Array, Date, Object, JSON};
use wasm_bindgen::prelude::*;

use super::errors::to_js;
use super::shape::set;
use crate::js_data;
use crate::logic::data::{BackendInfo, CancelOutcome, Job, JobUpdate, ResultChunk};
use crate::logic::error::ArvakError;
use crate::logic::journal::JobEntry;
use crate::logic::results::MostFrequent;
use crate::resilience::{BatchProgress, Failure, JobExistence, Transition};
use crate::web::{BatchSummary, HeaderContext, RetryEvent};

/// A `Date` for `ms`, or `null`.
pub fn date(ms: Option<f64>) -> JsValue {
    match ms {
        Some(ms) => Date::new(&JsValue::from_f64(ms)).into(),
        None => JsValue::NULL,
    }
}

/// A string, or `null`.
pub fn opt_string(s: Option<&str>) -> JsValue {
    s.map(JsValue::from_str).unwrap_or(JsValue::NULL)
}

/// A number, or `null`.
pub fn opt_number(n: Option<f64>) -> JsValue {
    n.map(JsValue::from_f64).unwrap_or(JsValue::NULL)
}

/// Validated JSON text → the parsed value (`JSON.parse`), or `null`.
pub fn json(text: Option<&str>) -> JsValue {
    text.and_then(|t| JSON::parse(t).ok())
        .unwrap_or(JsValue::NULL)
}

/// Counts as a frozen plain object `{ "00": 512, … }` (counts fit a JS number exactly, spec §9).
pub fn counts(counts: &[(String, u64)]) -> Object {
    let obj = Object::new();
    for (k, v) in counts {
        set(&obj, k, *v as f64);
    }
    Object::freeze(&obj)
}

/// A list of strings.
pub fn strings(list: &[String]) -> JsValue {
    list.iter()
        .map(|s| JsValue::from_str(s))
        .collect::<Array>()
        .into()
}

js_data! {
    /// A job. Timestamps have 1 s resolution; `null` when not (yet) set.
    pub fn job(j: &Job) -> "Job" {
        jobId: "string" = j.job_id.as_str(),
        state: "JobStateName" = j.state.as_str(),
        submittedAt: "Date | null" = date(j.submitted_at_ms),
        startedAt: "Date | null" = date(j.started_at_ms),
        completedAt: "Date | null" = date(j.completed_at_ms),
        backendId: "string" = j.backend_id.as_str(),
        shots: "number" = f64::from(j.shots),
        /// The failure text of a FAILED job, else null.
        errorMessage: "string | null" = opt_string(j.error_message.as_deref()),
    }
}

js_data! {
    /// A job kept in the client's journal (submitted, its outcome not yet delivered by a wait).
    pub fn journal_job(j: &JobEntry) -> "JournalJob" {
        jobId: "string" = j.job_id.as_str(),
        backendId: "string" = j.backend_id.as_str(),
        /// The `label` given to `submitQasm`, else null.
        label: "string | null" = opt_string(j.label.as_deref()),
        /// When its id arrived (client clock).
        submittedAt: "Date | null" = date(Some(j.submitted_at_ms)),
    }
}

js_data! {
    /// An unfinished batch in the client's journal; `BatchJobManager.resumeBatch(batchId)` goes on with it.
    pub fn journal_batch(b: &BatchSummary) -> "JournalBatch" {
        batchId: "string" = b.batch_id.as_str(),
        backendId: "string" = b.backend_id.as_str(),
        /// The `label` given to `executeBatch`, else null.
        label: "string | null" = opt_string(b.label.as_deref()),
        createdAt: "Date | null" = date(Some(b.created_at_ms)),
        /// Inputs in the batch.
        total: "number" = b.total as f64,
        /// Inputs whose job exists (their results are waited for on resume).
        submitted: "number" = b.submitted as f64,
        /// Inputs whose submission was in flight when the page was left: their jobs may exist; they are never resubmitted.
        inDoubt: "number" = b.in_doubt as f64,
        /// Inputs whose submission the journal relay (a service worker, see `relay-sw.js`) carried when the page was left: resuming asks it for their answers; they are never resubmitted.
        relayed: "number" = b.relayed as f64,
    }
}

js_data! {
    /// A state observation from the WatchJob stream or a status poll.
    pub fn update(u: &JobUpdate) -> "JobUpdate" {
        jobId: "string" = u.job_id.as_str(),
        state: "JobStateName" = u.state.as_str(),
        /// Server clock (stream) or client clock (poll).
        timestamp: "Date | null" = date(u.timestamp_ms),
        errorMessage: "string | null" = opt_string(u.error_message.as_deref()),
        source: "\"watch\" | \"poll\"" = u.source.as_str(),
    }
}

js_data! {
    /// A backend's capabilities.
    pub fn backend(b: &BackendInfo) -> "BackendInfo" {
        backendId: "string" = b.backend_id.as_str(),
        name: "string" = b.name.as_str(),
        isAvailable: "boolean" = b.is_available,
        maxQubits: "number" = f64::from(b.max_qubits),
        maxShots: "number" = f64::from(b.max_shots),
        description: "string" = b.description.as_str(),
        supportedGates: "string[]" = strings(&b.supported_gates),
        /// null when the server sent none, `{}` or invalid JSON.
        topology: "BackendTopology | null" = json(b.topology_json.as_deref()),
    }
}

/// A list of `BackendInfo` objects.
pub fn backends(list: &[BackendInfo]) -> JsValue {
    list.iter().map(backend).collect::<Array>().into()
}

js_data! {
    /// The answer of `cancelJob`.
    pub fn cancel(c: &CancelOutcome) -> "CancelResult" {
        /// Whether this call cancelled the job (false for an already-terminal job).
        success: "boolean" = c.success,
        message: "string" = c.message.as_str(),
    }
}

js_data! {
    /// The most frequent outcome of a result.
    pub fn most_frequent(m: &MostFrequent) -> "MostFrequent" {
        bitstring: "string" = m.bitstring.as_str(),
        count: "number" = m.count as f64,
        probability: "number" = m.probability,
    }
}

js_data! {
    /// One chunk of `streamResults`.
    pub fn chunk(c: &ResultChunk) -> "ResultChunk" {
        chunkIndex: "number" = f64::from(c.chunk_index),
        totalChunks: "number" = f64::from(c.total_chunks),
        isFinal: "boolean" = c.is_final,
        counts: "Readonly<Record<string, number>>" = counts(&c.counts),
    }
}

js_data! {
    /// What `onRetry` is told before the client sleeps and tries again.
    pub fn retry_info(ev: &RetryEvent<'_>) -> "RetryInfo" {
        /// The RPC, e.g. "GetJobStatus".
        rpc: "string" = ev.rpc.name(),
        /// The attempt that failed (1-based); the next one is `attempt + 1`.
        attempt: "number" = ev.attempt,
        /// The pause before the next attempt (the server's pushback if it sent one).
        delayMs: "number" = ev.delay_ms,
        /// Why the attempt failed.
        error: "ArvakErrorInfo" = to_js(ev.error),
    }
}

js_data! {
    /// What a `headers` function is called with, once per attempt.
    pub fn header_context(c: &HeaderContext) -> "HeaderContext" {
        /// The RPC about to be sent, e.g. "GetJobStatus".
        rpc: "string" = c.rpc.name(),
        /// Its attempt number: 1 for the first try; retries and the refresh after UNAUTHENTICATED count up.
        attempt: "number" = c.attempt,
    }
}

js_data! {
    /// What `onStateChange` is told.
    pub fn breaker_change(t: &Transition) -> "BreakerStateChange" {
        from: "CircuitState" = t.from.as_str(),
        to: "CircuitState" = t.to.as_str(),
        at: "Date" = date(Some(crate::web::env::wall_ms(t.at_ms))),
    }
}

js_data! {
    /// A batch's progress (`Object.freeze`n: a new snapshot per callback).
    fn progress_fields(p: &BatchProgress) -> "BatchProgress" {
        total: "number" = p.total as f64,
        /// Inputs whose job exists (monotonic).
        submitted: "number" = p.submitted as f64,
        completed: "number" = p.completed as f64,
        failed: "number" = p.failed as f64,
        /// Unfinished inputs whose job exists.
        running: "number" = p.running as f64,
        /// Unfinished inputs without a job yet.
        pending: "number" = p.pending as f64,
        elapsedMs: "number" = p.elapsed_ms.round(),
        /// Estimated ms to the end; null until an input has finished.
        etaMs: "number | null" = opt_number(p.eta_ms.map(f64::round)),
        /// (completed + failed) / total × 100.
        percentComplete: "number" = p.percent_complete,
        isComplete: "boolean" = p.is_complete(),
    }
}

/// A frozen `BatchProgress` object.
pub fn progress(p: &BatchProgress) -> JsValue {
    Object::freeze(progress_fields(p).unchecked_ref::<Object>()).into()
}

fn existence(e: JobExistence) -> &'static str {
    match e {
        JobExistence::NotCreated => "not_created",
        JobExistence::Created => "created",
        JobExistence::MaybeCreated => "maybe_created",
    }
}

js_data! {
    /// An input that did not produce a result.
    pub fn failure(f: &Failure<ArvakError>) -> "BatchFailure" {
        /// Its index in the input list.
        index: "number" = f.index as f64,
        /// Its job id, when a job is known to exist.
        jobId: "string | null" = opt_string(f.job_id.as_deref()),
        error: "ArvakErrorInfo" = to_js(&f.error),
        /// "created": the job exists (id given); "not_created": no job; "maybe_created": a job may exist but its id is unknown (never resubmitted, to avoid running it twice).
        existence: "\"created\" | \"not_created\" | \"maybe_created\"" = existence(f.existence),
    }
}

/// `{ value, done }` for async iterators.
pub fn iter_result(value: JsValue, done: bool) -> JsValue {
    let o = Object::new();
    set(&o, "value", value);
    set(&o, "done", done);
    o.into()
}
