//! Rust data → plain JavaScript objects (`Date` timestamps, `null` for absent values).

use js_sys::{Array, Date, Object, Reflect, JSON};
use wasm_bindgen::prelude::*;

use crate::logic::data::{BackendInfo, CancelOutcome, Job, JobUpdate, ResultChunk};

/// `obj[key] = value` (cannot fail on a plain object; errors are ignored).
pub fn set(obj: &Object, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), &value.into());
}

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

/// A `Job` object.
pub fn job(j: &Job) -> JsValue {
    let o = Object::new();
    set(&o, "jobId", j.job_id.as_str());
    set(&o, "state", j.state.as_str());
    set(&o, "submittedAt", date(j.submitted_at_ms));
    set(&o, "startedAt", date(j.started_at_ms));
    set(&o, "completedAt", date(j.completed_at_ms));
    set(&o, "backendId", j.backend_id.as_str());
    set(&o, "shots", f64::from(j.shots));
    set(&o, "errorMessage", opt_string(j.error_message.as_deref()));
    o.into()
}

/// A `JobUpdate` object.
pub fn update(u: &JobUpdate) -> JsValue {
    let o = Object::new();
    set(&o, "jobId", u.job_id.as_str());
    set(&o, "state", u.state.as_str());
    set(&o, "timestamp", date(u.timestamp_ms));
    set(&o, "errorMessage", opt_string(u.error_message.as_deref()));
    set(&o, "source", u.source.as_str());
    o.into()
}

/// A `BackendInfo` object.
pub fn backend(b: &BackendInfo) -> JsValue {
    let o = Object::new();
    set(&o, "backendId", b.backend_id.as_str());
    set(&o, "name", b.name.as_str());
    set(&o, "isAvailable", b.is_available);
    set(&o, "maxQubits", f64::from(b.max_qubits));
    set(&o, "maxShots", f64::from(b.max_shots));
    set(&o, "description", b.description.as_str());
    let gates: Array = b
        .supported_gates
        .iter()
        .map(|g| JsValue::from_str(g))
        .collect();
    set(&o, "supportedGates", gates);
    set(&o, "topology", json(b.topology_json.as_deref()));
    o.into()
}

/// A list of `BackendInfo` objects.
pub fn backends(list: &[BackendInfo]) -> JsValue {
    list.iter().map(backend).collect::<Array>().into()
}

/// `{ success, message }`.
pub fn cancel(c: &CancelOutcome) -> JsValue {
    let o = Object::new();
    set(&o, "success", c.success);
    set(&o, "message", c.message.as_str());
    o.into()
}

/// A `ResultChunk` object.
pub fn chunk(c: &ResultChunk) -> JsValue {
    let o = Object::new();
    set(&o, "chunkIndex", f64::from(c.chunk_index));
    set(&o, "totalChunks", f64::from(c.total_chunks));
    set(&o, "isFinal", c.is_final);
    set(&o, "counts", counts(&c.counts));
    o.into()
}

/// `{ value, done }` for async iterators.
pub fn iter_result(value: JsValue, done: bool) -> JsValue {
    let o = Object::new();
    set(&o, "value", value);
    set(&o, "done", done);
    o.into()
}

/// A list of strings.
pub fn strings(list: &[String]) -> JsValue {
    list.iter()
        .map(|s| JsValue::from_str(s))
        .collect::<Array>()
        .into()
}
