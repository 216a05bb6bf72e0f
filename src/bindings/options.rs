//! JavaScript option objects → Rust options.
//!
//! Fields are read one by one with `Reflect.get` and checked by hand: unknown fields are ignored,
//! `null` and `undefined` mean "default", a wrong type is an error naming the field. (A serde
//! deserializer per options struct cost more wasm than the whole option surface is worth.) Every
//! problem becomes an `ArvakError` with code `INVALID_ARGUMENT`.

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::AbortSignal;

use crate::logic::data::{BatchCircuit, Circuit};
use crate::logic::error::{describe_number, ArvakError};
use crate::logic::wait::Strategy;
use crate::web::{
    CallOptions, ClientOptions, Credentials, SubmitOptions, WaitOptions, WatchOptions,
};

fn invalid(message: String) -> ArvakError {
    ArvakError::invalid_argument(message)
}

/// A readable option object: `undefined`/`null` (all defaults) or an object.
struct Opts<'a> {
    obj: Option<&'a JsValue>,
    what: &'a str,
}

impl<'a> Opts<'a> {
    fn new(value: &'a JsValue, what: &'a str) -> Result<Self, ArvakError> {
        if value.is_undefined() || value.is_null() {
            Ok(Opts { obj: None, what })
        } else if value.is_object() {
            Ok(Opts {
                obj: Some(value),
                what,
            })
        } else {
            Err(invalid(format!("{what} must be an object")))
        }
    }

    /// The field, or `None` for undefined/null.
    fn get(&self, name: &str) -> Option<JsValue> {
        let v = Reflect::get(self.obj?, &JsValue::from_str(name)).ok()?;
        (!v.is_undefined() && !v.is_null()).then_some(v)
    }

    fn wrong(&self, name: &str, expected: &str) -> ArvakError {
        invalid(format!("{}.{name} must be {expected}", self.what))
    }

    fn number(&self, name: &str) -> Result<Option<f64>, ArvakError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| self.wrong(name, "a number")),
        }
    }

    fn string(&self, name: &str) -> Result<Option<String>, ArvakError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_string()
                .map(Some)
                .ok_or_else(|| self.wrong(name, "a string")),
        }
    }

    fn boolean(&self, name: &str) -> Result<Option<bool>, ArvakError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_bool()
                .map(Some)
                .ok_or_else(|| self.wrong(name, "a boolean")),
        }
    }

    fn function(&self, name: &str) -> Result<Option<Function>, ArvakError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .dyn_into::<Function>()
                .map(Some)
                .map_err(|_| self.wrong(name, "a function")),
        }
    }

    /// `Record<string, string>`.
    fn headers(&self, name: &str) -> Result<Vec<(String, String)>, ArvakError> {
        let Some(v) = self.get(name) else {
            return Ok(Vec::new());
        };
        if !v.is_object() {
            return Err(self.wrong(name, "an object of strings"));
        }
        Object::entries(v.unchecked_ref())
            .iter()
            .map(|pair| {
                let pair: Array = pair.unchecked_into();
                let key = pair.get(0).as_string().unwrap_or_default();
                match pair.get(1).as_string() {
                    Some(value) => Ok((key, value)),
                    None => Err(invalid(format!(
                        "{}.{name}[\"{key}\"] must be a string",
                        self.what
                    ))),
                }
            })
            .collect()
    }

    /// A non-negative integer.
    fn integer(&self, name: &str, default: u32) -> Result<u32, ArvakError> {
        integer(
            self.number(name)?,
            &format!("{}.{name}", self.what),
            default,
        )
    }
}

fn integer(value: Option<f64>, name: &str, default: u32) -> Result<u32, ArvakError> {
    match value {
        None => Ok(default),
        Some(v) if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX) => {
            Ok(v as u32)
        }
        Some(v) => Err(invalid(format!(
            "{name} must be an integer between 0 and {}, got {}",
            u32::MAX,
            describe_number(v)
        ))),
    }
}

/// An optional callback field.
pub fn callback(opts: &JsValue, name: &str) -> Result<Option<Function>, ArvakError> {
    Opts::new(opts, "options")?.function(name)
}

/// `ClientOptions`.
pub fn client(opts: &JsValue) -> Result<ClientOptions, ArvakError> {
    let o = Opts::new(opts, "options")?;
    let defaults = ClientOptions::default();
    Ok(ClientOptions {
        timeout_ms: o.number("timeoutMs")?.or(defaults.timeout_ms),
        headers: o.headers("headers")?,
        credentials: match o.string("credentials")? {
            None => Credentials::default(),
            Some(c) => Credentials::parse(&c)?,
        },
        max_concurrency: match o.number("maxConcurrency")? {
            None => None,
            Some(v) if v == f64::INFINITY => None,
            v => Some(integer(v, "options.maxConcurrency", 1)?.max(1) as usize),
        },
        max_streams: o.integer("maxStreams", defaults.max_streams as u32)? as usize,
    })
}

/// The `signal`, `timeoutMs` and `headers` every method accepts.
pub fn call(opts: &JsValue) -> Result<CallOptions, ArvakError> {
    let o = Opts::new(opts, "options")?;
    let signal = match o.get("signal") {
        None => None,
        Some(s) => Some(
            s.dyn_into::<AbortSignal>()
                .map_err(|_| o.wrong("signal", "an AbortSignal"))?,
        ),
    };
    let timeout_ms = o.number("timeoutMs")?;
    if timeout_ms.is_some() {
        crate::logic::deadline::parse_timeout_ms(timeout_ms, "options.timeoutMs")?;
    }
    Ok(CallOptions {
        signal,
        timeout_ms,
        headers: o.headers("headers")?,
    })
}

/// `shots` (default 1024) and `optimizationLevel` (default 0).
pub fn submit(opts: &JsValue) -> Result<SubmitOptions, ArvakError> {
    let o = Opts::new(opts, "options")?;
    let defaults = SubmitOptions::default();
    Ok(SubmitOptions {
        shots: o.integer("shots", defaults.shots)?,
        optimization_level: o.integer("optimizationLevel", defaults.optimization_level)?,
    })
}

/// The circuits of `submitBatch`: strings (read per `format`) or `{ qasm | json | circuit, shots?,
/// optimizationLevel? }`; batch-level `shots` / `optimizationLevel` are the per-circuit defaults.
pub fn batch(circuits: &JsValue, opts: &JsValue) -> Result<Vec<BatchCircuit>, ArvakError> {
    let o = Opts::new(opts, "options")?;
    let json_format = match o.string("format")?.as_deref() {
        None | Some("qasm3") => false,
        Some("json") => true,
        Some(other) => {
            return Err(invalid(format!(
                "options.format must be \"qasm3\" or \"json\", got \"{other}\""
            )))
        }
    };
    let shots = o.integer("shots", SubmitOptions::default().shots)?;
    let level = o.integer("optimizationLevel", 0)?;
    let array = circuits
        .dyn_ref::<Array>()
        .ok_or_else(|| invalid("circuits must be an array".to_owned()))?;
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
            let what = format!("circuits[{i}]");
            let it = Opts::new(&item, &what)?;
            let circuit = match (
                it.string("qasm")?,
                it.string("json")?,
                it.string("circuit")?,
            ) {
                (Some(q), None, None) => Circuit::Qasm3(q),
                (None, Some(j), None) => Circuit::ArvakIrJson(j),
                (None, None, Some(c)) => by_format(c),
                _ => {
                    return Err(invalid(format!(
                        "{what} needs exactly one of qasm, json or circuit"
                    )))
                }
            };
            Ok(BatchCircuit {
                circuit,
                shots: it.integer("shots", shots)?,
                optimization_level: it.integer("optimizationLevel", level)?,
            })
        })
        .collect()
}

/// `pollIntervalMs`, `maxWaitMs`, `strategy`.
pub fn wait(opts: &JsValue) -> Result<WaitOptions, ArvakError> {
    let o = Opts::new(opts, "options")?;
    let defaults = WaitOptions::default();
    Ok(WaitOptions {
        poll_interval_ms: o
            .number("pollIntervalMs")?
            .unwrap_or(defaults.poll_interval_ms),
        max_wait_ms: o.number("maxWaitMs")?,
        strategy: match o.string("strategy")? {
            None => Strategy::Auto,
            Some(s) => Strategy::parse(&s)?,
        },
    })
}

/// `emitRepeats`.
pub fn watch(opts: &JsValue) -> Result<WatchOptions, ArvakError> {
    let o = Opts::new(opts, "options")?;
    Ok(WatchOptions {
        emit_repeats: o.boolean("emitRepeats")?.unwrap_or(false),
    })
}

/// `chunkSize` (0 / absent: the server's default of 1000).
pub fn chunk_size(opts: &JsValue) -> Result<Option<u32>, ArvakError> {
    Ok(match Opts::new(opts, "options")?.integer("chunkSize", 0)? {
        0 => None,
        n => Some(n),
    })
}
