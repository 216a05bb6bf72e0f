//! Fault injection rules (set through `POST /__faults`) and the call statistics
//! (`GET /__stats`) that tests use to prove no job was lost or duplicated.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng;
use serde::{Deserialize, Serialize};
use tonic::Code;

/// The RPC names of `arvak.v1.ArvakService`, as used in rules and statistics.
pub const RPC_NAMES: [&str; 10] = [
    "SubmitJob",
    "SubmitBatch",
    "GetJobStatus",
    "GetJobResult",
    "CancelJob",
    "ListBackends",
    "GetBackendInfo",
    "WatchJob",
    "StreamResults",
    "SubmitBatchStream",
];

/// Faults for one RPC (or for every RPC under the key `*`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct FaultRule {
    /// Probability (0–1) of failing before the call is processed (nothing happens on the server).
    pub fail_before_probability: f64,
    /// Status code name (e.g. `UNAVAILABLE`) or number for failures before processing.
    pub fail_before_code: Option<String>,
    /// Message for failures before processing.
    pub fail_before_message: Option<String>,
    /// Send `grpc-retry-pushback-ms: N` with failures before processing: the server's own
    /// statement (gRFC A6) that it did not process the call and a retry after N ms is welcome —
    /// the one signal that makes retrying a non-idempotent submit safe.
    pub fail_before_pushback_ms: Option<u64>,
    /// Probability (0–1) of failing after the call was processed: the work is done (a job
    /// exists) but the client sees UNAVAILABLE.
    pub fail_after_probability: f64,
    /// Delay added before processing, in milliseconds.
    pub latency_ms: u64,
    /// End server streams with UNAVAILABLE after this many messages.
    pub cut_after_messages: Option<u32>,
}

/// The whole fault configuration: rules per RPC name plus optional run-time settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct FaultConfig {
    /// Rules by RPC name; `*` applies to RPCs without their own rule.
    pub rules: BTreeMap<String, FaultRule>,
    /// Minimum job run time in ms (replaces the current setting when present).
    pub min_job_ms: Option<u64>,
    /// Jobs per second per IP, 0 = off (replaces the current setting when present).
    pub rate_limit: Option<u32>,
    /// Required `x-api-key` (replaces the current setting when present; `""` turns it off).
    pub api_key: Option<String>,
    /// A flapping server: from the moment this configuration is applied, every RPC fails with
    /// `UNAVAILABLE` (before processing) for `downMs`, then works for `upMs`, and so on for
    /// `totalMs`; open WatchJob streams are cut when a down phase begins.
    pub flap: Option<Flap>,
}

/// Down/up cycles of a flapping server (`{ "downMs": 2000, "upMs": 2000, "totalMs": 20000 }`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Flap {
    /// Length of each down phase (the cycle starts down).
    pub down_ms: u64,
    /// Length of each up phase.
    pub up_ms: u64,
    /// How long the flapping lasts in all; afterwards the server stays up.
    pub total_ms: u64,
}

impl Flap {
    /// Whether the server is down `elapsed_ms` after the configuration was applied.
    pub fn is_down(&self, elapsed_ms: u64) -> bool {
        if self.down_ms == 0 || elapsed_ms >= self.total_ms {
            return false;
        }
        let period = self.down_ms.saturating_add(self.up_ms);
        elapsed_ms % period < self.down_ms
    }
}

impl FaultConfig {
    /// Checks names, probabilities and codes; returns a message for the first problem.
    pub fn validate(&self) -> Result<(), String> {
        for (name, rule) in &self.rules {
            if name != "*" && !RPC_NAMES.contains(&name.as_str()) {
                return Err(format!(
                    "unknown RPC '{name}' (expected one of {} or *)",
                    RPC_NAMES.join(", ")
                ));
            }
            for p in [rule.fail_before_probability, rule.fail_after_probability] {
                if !(0.0..=1.0).contains(&p) {
                    return Err(format!("{name}: probability {p} is outside 0..=1"));
                }
            }
            if let Some(code) = &rule.fail_before_code {
                parse_code(code)?;
            }
        }
        if let Some(f) = &self.flap {
            if f.down_ms == 0 || f.total_ms == 0 {
                return Err("flap: downMs and totalMs must be greater than 0".to_owned());
            }
        }
        Ok(())
    }

    /// The rule that applies to `rpc`, if any.
    pub fn rule_for(&self, rpc: &str) -> Option<&FaultRule> {
        self.rules.get(rpc).or_else(|| self.rules.get("*"))
    }
}

/// What the fault rule decided for one call.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Delay before processing, in ms.
    pub latency_ms: u64,
    /// Fail before processing with this status (and this pushback, if any).
    pub fail_before: Option<(Code, String, Option<u64>)>,
    /// Fail after processing with UNAVAILABLE.
    pub fail_after: bool,
    /// Cut server streams after this many messages.
    pub cut_after_messages: Option<u32>,
}

impl Decision {
    /// Rolls the dice of `rule` (or decides "no fault" when there is none).
    pub fn roll(rule: Option<&FaultRule>, rng: &mut impl Rng) -> Decision {
        let Some(rule) = rule else {
            return Decision {
                latency_ms: 0,
                fail_before: None,
                fail_after: false,
                cut_after_messages: None,
            };
        };
        let fail_before = (rule.fail_before_probability > 0.0
            && rng.random::<f64>() < rule.fail_before_probability)
            .then(|| {
                let code = rule
                    .fail_before_code
                    .as_deref()
                    .and_then(|c| parse_code(c).ok())
                    .unwrap_or(Code::Unavailable);
                let message = rule
                    .fail_before_message
                    .clone()
                    .unwrap_or_else(|| "Injected fault before processing".to_string());
                (code, message, rule.fail_before_pushback_ms)
            });
        let fail_after = fail_before.is_none()
            && rule.fail_after_probability > 0.0
            && rng.random::<f64>() < rule.fail_after_probability;
        Decision {
            latency_ms: rule.latency_ms,
            fail_before,
            fail_after,
            cut_after_messages: rule.cut_after_messages,
        }
    }
}

/// Parses a gRPC status code given by name (`UNAVAILABLE`, case-insensitive) or number.
pub fn parse_code(text: &str) -> Result<Code, String> {
    if let Ok(n) = text.parse::<i32>() {
        return match Code::from_i32(n) {
            Code::Unknown if n != 2 => Err(format!("unknown status code {n}")),
            code => Ok(code),
        };
    }
    let code = match text.to_ascii_uppercase().as_str() {
        "OK" => Code::Ok,
        "CANCELLED" => Code::Cancelled,
        "UNKNOWN" => Code::Unknown,
        "INVALID_ARGUMENT" => Code::InvalidArgument,
        "DEADLINE_EXCEEDED" => Code::DeadlineExceeded,
        "NOT_FOUND" => Code::NotFound,
        "ALREADY_EXISTS" => Code::AlreadyExists,
        "PERMISSION_DENIED" => Code::PermissionDenied,
        "RESOURCE_EXHAUSTED" => Code::ResourceExhausted,
        "FAILED_PRECONDITION" => Code::FailedPrecondition,
        "ABORTED" => Code::Aborted,
        "OUT_OF_RANGE" => Code::OutOfRange,
        "UNIMPLEMENTED" => Code::Unimplemented,
        "INTERNAL" => Code::Internal,
        "UNAVAILABLE" => Code::Unavailable,
        "DATA_LOSS" => Code::DataLoss,
        "UNAUTHENTICATED" => Code::Unauthenticated,
        other => return Err(format!("unknown status code name '{other}'")),
    };
    Ok(code)
}

/// Counters behind `GET /__stats`.
#[derive(Default)]
pub struct Stats {
    calls: Mutex<BTreeMap<&'static str, u64>>,
    faults_injected: AtomicU64,
    open_streams: AtomicU64,
    last_call_unix_ms: AtomicU64,
}

/// A serialisable snapshot of [`Stats`] plus store figures.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StatsSnapshot {
    /// Calls received per RPC (faulted ones included).
    pub calls: BTreeMap<String, u64>,
    /// Jobs created since start-up.
    pub jobs_created: u64,
    /// Jobs currently held by the store.
    pub jobs_in_store: u64,
    /// Server streams currently open.
    pub open_streams: u64,
    /// Faults injected since the last reset.
    pub faults_injected: u64,
    /// Wall-clock time of the latest call, Unix ms (0 = none since the last reset).
    pub last_call_unix_ms: u64,
}

impl Stats {
    /// Counts one call of `rpc` now.
    pub fn record_call(&self, rpc: &'static str) {
        *self
            .calls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(rpc)
            .or_insert(0) += 1;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        self.last_call_unix_ms.store(now, Ordering::Relaxed);
    }

    /// Counts one injected fault.
    pub fn record_fault(&self) {
        self.faults_injected.fetch_add(1, Ordering::Relaxed);
    }

    /// Marks a server stream as open until the returned guard is dropped.
    pub fn stream_opened(self: &std::sync::Arc<Self>) -> StreamGuard {
        self.open_streams.fetch_add(1, Ordering::Relaxed);
        StreamGuard(self.clone())
    }

    /// Zeroes the call and fault counters.
    pub fn reset(&self) {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).clear();
        self.faults_injected.store(0, Ordering::Relaxed);
        self.last_call_unix_ms.store(0, Ordering::Relaxed);
    }

    /// The current figures.
    pub fn snapshot(&self, jobs_created: u64, jobs_in_store: u64) -> StatsSnapshot {
        let calls = self
            .calls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        StatsSnapshot {
            calls,
            jobs_created,
            jobs_in_store,
            open_streams: self.open_streams.load(Ordering::Relaxed),
            faults_injected: self.faults_injected.load(Ordering::Relaxed),
            last_call_unix_ms: self.last_call_unix_ms.load(Ordering::Relaxed),
        }
    }
}

/// Keeps a stream counted as open while alive.
pub struct StreamGuard(std::sync::Arc<Stats>);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.0.open_streams.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, SeedableRng};

    #[test]
    fn parses_json_rules_and_rejects_bad_ones() {
        let config: FaultConfig = serde_json::from_str(
            r#"{"rules":{"*":{"failBeforeProbability":0.2,"failBeforeCode":"unavailable"},
                         "SubmitJob":{"failAfterProbability":1}},"minJobMs":300}"#,
        )
        .unwrap();
        config.validate().unwrap();
        assert_eq!(
            config.rule_for("SubmitJob").unwrap().fail_after_probability,
            1.0
        );
        assert_eq!(
            config
                .rule_for("GetJobStatus")
                .unwrap()
                .fail_before_probability,
            0.2
        );
        assert_eq!(config.min_job_ms, Some(300));

        let bad: FaultConfig = serde_json::from_str(r#"{"rules":{"Nope":{}}}"#).unwrap();
        assert!(bad.validate().unwrap_err().contains("unknown RPC"));
        let bad: FaultConfig =
            serde_json::from_str(r#"{"rules":{"*":{"failBeforeProbability":2}}}"#).unwrap();
        assert!(bad.validate().is_err());
        assert!(serde_json::from_str::<FaultConfig>(r#"{"rulez":{}}"#).is_err());
    }

    #[test]
    fn dice_follow_probabilities() {
        let mut rng = StdRng::seed_from_u64(1);
        let rule = FaultRule {
            fail_before_probability: 0.2,
            fail_before_code: Some("14".into()),
            ..Default::default()
        };
        let fails = (0..10_000)
            .filter(|_| Decision::roll(Some(&rule), &mut rng).fail_before.is_some())
            .count();
        assert!((1700..2300).contains(&fails), "{fails}");
        let always = FaultRule {
            fail_after_probability: 1.0,
            ..Default::default()
        };
        assert!(Decision::roll(Some(&always), &mut rng).fail_after);
        assert_eq!(Decision::roll(None, &mut rng).fail_before, None);
    }

    #[test]
    fn flapping_starts_down_alternates_and_ends_up() {
        let f = Flap {
            down_ms: 2000,
            up_ms: 2000,
            total_ms: 20_000,
        };
        let down: Vec<bool> = [0, 1999, 2000, 3999, 4000, 6500, 19_999, 20_000, 99_999]
            .iter()
            .map(|&t| f.is_down(t))
            .collect();
        assert_eq!(
            down,
            vec![true, true, false, false, true, false, false, false, false]
        );
        assert!(!Flap::default().is_down(0));
        let config: FaultConfig =
            serde_json::from_str(r#"{"flap":{"downMs":2000,"upMs":2000,"totalMs":20000}}"#)
                .unwrap();
        config.validate().unwrap();
        assert_eq!(config.flap, Some(f));
        let bad: FaultConfig = serde_json::from_str(r#"{"flap":{"upMs":5}}"#).unwrap();
        assert!(bad.validate().is_err());
    }

    #[test]
    fn codes_by_name_and_number() {
        assert_eq!(parse_code("UNAVAILABLE"), Ok(Code::Unavailable));
        assert_eq!(parse_code("8"), Ok(Code::ResourceExhausted));
        assert_eq!(parse_code("2"), Ok(Code::Unknown));
        assert!(parse_code("99").is_err());
        assert!(parse_code("BOGUS").is_err());
    }
}
