//! The `JobResult` class.

use js_sys::Object;
use wasm_bindgen::prelude::*;

use super::convert::{counts, json};
use super::shape::set;
use crate::js_data;
use crate::logic::data::JobResult;

/// Measurement counts of a completed job, with helpers.
#[wasm_bindgen(js_name = JobResult)]
pub struct JsJobResult {
    inner: JobResult,
    counts: Object,
    metadata: JsValue,
}

impl From<JobResult> for JsJobResult {
    fn from(inner: JobResult) -> Self {
        JsJobResult {
            counts: counts(&inner.counts),
            metadata: json(inner.metadata_json.as_deref()),
            inner,
        }
    }
}

impl JsJobResult {
    /// The Rust result.
    pub fn inner(&self) -> &JobResult {
        &self.inner
    }
}

#[wasm_bindgen(js_class = JobResult)]
impl JsJobResult {
    /// The job.
    #[wasm_bindgen(getter, js_name = jobId)]
    pub fn job_id(&self) -> String {
        self.inner.job_id.clone()
    }

    /// Bitstring (qubit 0 rightmost) → count, a frozen plain object.
    #[wasm_bindgen(getter, unchecked_return_type = "Readonly<Record<string, number>>")]
    pub fn counts(&self) -> JsValue {
        self.counts.clone().into()
    }

    /// Shots the job ran (for `streamResults`: the sum of the counts).
    #[wasm_bindgen(getter)]
    pub fn shots(&self) -> u32 {
        self.inner.shots
    }

    /// Execution wall time in ms; `null` when the server reported 0 or nothing.
    #[wasm_bindgen(getter, js_name = executionTimeMs, unchecked_return_type = "number | null")]
    pub fn execution_time_ms(&self) -> JsValue {
        self.inner
            .execution_time_ms
            .map(|v| JsValue::from_f64(v as f64))
            .unwrap_or(JsValue::NULL)
    }

    /// Backend metadata (parsed JSON); `null` when empty, `null`, `{}` or invalid.
    #[wasm_bindgen(getter, unchecked_return_type = "JsonValue | null")]
    pub fn metadata(&self) -> JsValue {
        self.metadata.clone()
    }

    /// Each bitstring's probability: count / shots (or / sum of counts when shots is 0).
    #[wasm_bindgen(unchecked_return_type = "Record<string, number>")]
    pub fn probabilities(&self) -> JsValue {
        let o = Object::new();
        for (k, p) in self.inner.probabilities() {
            set(&o, &k, p);
        }
        o.into()
    }

    /// The outcome with the highest count (ties: the smallest bitstring), or `null` when empty.
    #[wasm_bindgen(js_name = mostFrequent, unchecked_return_type = "MostFrequent | null")]
    pub fn most_frequent(&self) -> JsValue {
        match self.inner.most_frequent() {
            None => JsValue::NULL,
            Some(m) => super::convert::most_frequent(&m),
        }
    }

    /// A plain-object copy (used by `JSON.stringify`).
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "JobResultData")]
    pub fn to_json(&self) -> JsValue {
        result_data(self)
    }
}

js_data! {
    /// The plain data of a `JobResult` (what `JSON.stringify` writes).
    fn result_data(r: &JsJobResult) -> "JobResultData" {
        jobId: "string" = r.inner.job_id.as_str(),
        counts: "Readonly<Record<string, number>>" = r.counts.clone(),
        shots: "number" = r.inner.shots,
        executionTimeMs: "number | null" = r.execution_time_ms(),
        metadata: "JsonValue | null" = r.metadata.clone(),
    }
}
