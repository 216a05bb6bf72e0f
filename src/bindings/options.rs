//! JavaScript option objects → Rust options.
//!
//! Plain data fields are read with serde-wasm-bindgen (unknown fields are ignored, `null` and
//! `undefined` mean "default"); the `AbortSignal` and callbacks are read directly, since they must stay
//! JavaScript objects. Every problem becomes an `ArvakError` with code `INVALID_ARGUMENT`.

use std::collections::BTreeMap;

use js_sys::{Function, Reflect};
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

use crate::logic::data::{BatchCircuit, Circuit};
use crate::logic::error::ArvakError;
use crate::logic::wait::Strategy;
use crate::web::{
    CallOptions, ClientOptions, Credentials, SubmitOptions, WaitOptions, WatchOptions,
};

fn data<T: for<'de> Deserialize<'de> + Default>(
    opts: &JsValue,
    what: &str,
) -> Result<T, ArvakError> {
    if opts.is_undefined() || opts.is_null() {
        return Ok(T::default());
    }
    serde_wasm_bindgen::from_value(opts.clone())
        .map_err(|e| ArvakError::invalid_argument(format!("invalid {what}: {e}")))
}

fn field(opts: &JsValue, name: &str) -> JsValue {
    if opts.is_object() {
        Reflect::get(opts, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// An optional callback field.
pub fn callback(opts: &JsValue, name: &str) -> Result<Option<Function>, ArvakError> {
    let v = field(opts, name);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.dyn_into::<Function>()
        .map(Some)
        .map_err(|_| ArvakError::invalid_argument(format!("{name} must be a function")))
}

/// A non-negative integer option.
fn integer(value: Option<f64>, name: &str, default: u32) -> Result<u32, ArvakError> {
    match value {
        None => Ok(default),
        Some(v) if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX) => {
            Ok(v as u32)
        }
        Some(v) => Err(ArvakError::invalid_argument(format!(
            "{name} must be an integer between 0 and {}, got {v}",
            u32::MAX
        ))),
    }
}

fn headers(h: Option<BTreeMap<String, String>>) -> Vec<(String, String)> {
    h.map(|m| m.into_iter().collect()).unwrap_or_default()
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ClientData {
    timeout_ms: Option<f64>,
    headers: Option<BTreeMap<String, String>>,
    credentials: Option<String>,
    max_concurrency: Option<f64>,
    max_streams: Option<f64>,
}

/// `ClientOptions`.
pub fn client(opts: &JsValue) -> Result<ClientOptions, ArvakError> {
    let d: ClientData = data(opts, "client options")?;
    let defaults = ClientOptions::default();
    Ok(ClientOptions {
        timeout_ms: match d.timeout_ms {
            None => defaults.timeout_ms,
            v => v,
        },
        headers: headers(d.headers),
        credentials: match d.credentials.as_deref() {
            None => Credentials::default(),
            Some(c) => Credentials::parse(c)?,
        },
        max_concurrency: match d.max_concurrency {
            None => None,
            Some(v) if v == f64::INFINITY => None,
            v => Some(integer(v, "maxConcurrency", 0)?.max(1) as usize),
        },
        max_streams: integer(d.max_streams, "maxStreams", defaults.max_streams as u32)? as usize,
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct CallData {
    timeout_ms: Option<f64>,
    headers: Option<BTreeMap<String, String>>,
}

/// The `signal`, `timeoutMs` and `headers` every method accepts.
pub fn call(opts: &JsValue) -> Result<CallOptions, ArvakError> {
    let d: CallData = data(opts, "options")?;
    let signal = field(opts, "signal");
    let signal = if signal.is_undefined() || signal.is_null() {
        None
    } else {
        Some(
            signal
                .dyn_into::<AbortSignal>()
                .map_err(|_| ArvakError::invalid_argument("signal must be an AbortSignal"))?,
        )
    };
    if let Some(t) = d.timeout_ms {
        crate::logic::deadline::parse_timeout_ms(Some(t), "timeoutMs")?;
    }
    Ok(CallOptions {
        signal,
        timeout_ms: d.timeout_ms,
        headers: headers(d.headers),
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct SubmitData {
    shots: Option<f64>,
    optimization_level: Option<f64>,
}

/// `shots` (default 1024) and `optimizationLevel` (default 0).
pub fn submit(opts: &JsValue) -> Result<SubmitOptions, ArvakError> {
    let d: SubmitData = data(opts, "options")?;
    let defaults = SubmitOptions::default();
    Ok(SubmitOptions {
        shots: integer(d.shots, "shots", defaults.shots)?,
        optimization_level: integer(
            d.optimization_level,
            "optimizationLevel",
            defaults.optimization_level,
        )?,
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct BatchData {
    format: Option<String>,
    shots: Option<f64>,
    optimization_level: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct BatchItem {
    qasm: Option<String>,
    json: Option<String>,
    circuit: Option<String>,
    shots: Option<f64>,
    optimization_level: Option<f64>,
}

/// The circuits of `submitBatch`: strings (read per `format`) or `{ qasm | json | circuit, shots?,
/// optimizationLevel? }`; batch-level `shots` / `optimizationLevel` are the per-circuit defaults.
pub fn batch(circuits: &JsValue, opts: &JsValue) -> Result<Vec<BatchCircuit>, ArvakError> {
    let d: BatchData = data(opts, "options")?;
    let json_format = match d.format.as_deref() {
        None | Some("qasm3") => false,
        Some("json") => true,
        Some(other) => {
            return Err(ArvakError::invalid_argument(format!(
                "format must be \"qasm3\" or \"json\", got \"{other}\""
            )))
        }
    };
    let shots = integer(d.shots, "shots", SubmitOptions::default().shots)?;
    let level = integer(d.optimization_level, "optimizationLevel", 0)?;
    let array = circuits
        .dyn_ref::<js_sys::Array>()
        .ok_or_else(|| ArvakError::invalid_argument("circuits must be an array"))?;
    let by_format = |s: String| {
        if json_format {
            Circuit::ArvakIrJson(s)
        } else {
            Circuit::Qasm3(s)
        }
    };
    array
        .iter()
        .enumerate()
        .map(|(i, item)| {
            if let Some(s) = item.as_string() {
                return Ok(BatchCircuit {
                    circuit: by_format(s),
                    shots,
                    optimization_level: level,
                });
            }
            let it: BatchItem = data(&item, &format!("circuits[{i}]"))?;
            let circuit = match (it.qasm, it.json, it.circuit) {
                (Some(q), None, None) => Circuit::Qasm3(q),
                (None, Some(j), None) => Circuit::ArvakIrJson(j),
                (None, None, Some(c)) => by_format(c),
                _ => {
                    return Err(ArvakError::invalid_argument(format!(
                        "circuits[{i}] needs exactly one of qasm, json or circuit"
                    )))
                }
            };
            Ok(BatchCircuit {
                circuit,
                shots: integer(it.shots, &format!("circuits[{i}].shots"), shots)?,
                optimization_level: integer(
                    it.optimization_level,
                    &format!("circuits[{i}].optimizationLevel"),
                    level,
                )?,
            })
        })
        .collect()
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WaitData {
    poll_interval_ms: Option<f64>,
    max_wait_ms: Option<f64>,
    strategy: Option<String>,
}

/// `pollIntervalMs`, `maxWaitMs`, `strategy`.
pub fn wait(opts: &JsValue) -> Result<WaitOptions, ArvakError> {
    let d: WaitData = data(opts, "options")?;
    let defaults = WaitOptions::default();
    Ok(WaitOptions {
        poll_interval_ms: d.poll_interval_ms.unwrap_or(defaults.poll_interval_ms),
        max_wait_ms: d.max_wait_ms,
        strategy: match d.strategy.as_deref() {
            None => Strategy::Auto,
            Some(s) => Strategy::parse(s)?,
        },
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct WatchData {
    emit_repeats: Option<bool>,
}

/// `emitRepeats`.
pub fn watch(opts: &JsValue) -> Result<WatchOptions, ArvakError> {
    let d: WatchData = data(opts, "options")?;
    Ok(WatchOptions {
        emit_repeats: d.emit_repeats.unwrap_or(false),
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct StreamData {
    chunk_size: Option<f64>,
}

/// `chunkSize` (0 / absent: the server's default of 1000).
pub fn chunk_size(opts: &JsValue) -> Result<Option<u32>, ArvakError> {
    let d: StreamData = data(opts, "options")?;
    Ok(match integer(d.chunk_size, "chunkSize", 0)? {
        0 => None,
        n => Some(n),
    })
}
