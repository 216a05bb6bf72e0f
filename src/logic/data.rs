//! Client-side data types and the proto → data conversions of spec §13.2, done better:
//! timestamps stay UTC instants (milliseconds since the epoch, shown to JS as `Date`), zero and empty
//! values become `None`, `RESULT_EXPIRED` decodes, and JSON text fields are validated once.

use crate::proto;

/// The state of a job (spec §4). Unknown numbers from a newer server decode as `Unspecified`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// 0, or a value this client does not know.
    Unspecified,
    /// Accepted, not started.
    Queued,
    /// Executing.
    Running,
    /// Finished with a result. Terminal.
    Completed,
    /// Finished with an error. Terminal.
    Failed,
    /// Cancelled through CancelJob. Terminal.
    Canceled,
    /// Completed, but the result was purged. Terminal.
    ResultExpired,
}

impl JobState {
    /// From the wire number.
    pub fn from_i32(value: i32) -> Self {
        match proto::JobState::try_from(value) {
            Ok(proto::JobState::Queued) => JobState::Queued,
            Ok(proto::JobState::Running) => JobState::Running,
            Ok(proto::JobState::Completed) => JobState::Completed,
            Ok(proto::JobState::Failed) => JobState::Failed,
            Ok(proto::JobState::Canceled) => JobState::Canceled,
            Ok(proto::JobState::ResultExpired) => JobState::ResultExpired,
            Ok(proto::JobState::Unspecified) | Err(_) => JobState::Unspecified,
        }
    }

    /// The name JavaScript sees: `"QUEUED"`, `"COMPLETED"`, `"RESULT_EXPIRED"`, …
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Unspecified => "UNSPECIFIED",
            JobState::Queued => "QUEUED",
            JobState::Running => "RUNNING",
            JobState::Completed => "COMPLETED",
            JobState::Failed => "FAILED",
            JobState::Canceled => "CANCELED",
            JobState::ResultExpired => "RESULT_EXPIRED",
        }
    }

    /// Whether the state can never change again (COMPLETED, FAILED, CANCELED, RESULT_EXPIRED).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobState::Completed | JobState::Failed | JobState::Canceled | JobState::ResultExpired
        )
    }
}

/// Unix seconds → milliseconds since the epoch; `0` (the proto's "not set") → `None`.
///
/// Values outside what a JavaScript `Date` can hold (±8.64e15 ms) also become `None`.
pub fn timestamp_ms(seconds: i64) -> Option<f64> {
    if seconds == 0 {
        return None;
    }
    let ms = seconds as f64 * 1000.0;
    (ms.abs() <= 8.64e15).then_some(ms)
}

/// `""` → `None`.
pub fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// Validates a JSON text field (`metadata_json`, `topology_json`).
///
/// `None` for empty text, `null`, an empty object (`{}` — the server's "serialisation failed"
/// marker, spec §8.3), and text that is not valid JSON. Otherwise the trimmed text, which is
/// guaranteed to parse.
pub fn json_text(text: &str) -> Option<&str> {
    use super::json::{classify, JsonKind};
    match classify(text)? {
        JsonKind::Null | JsonKind::EmptyObject => None,
        JsonKind::Object | JsonKind::Array | JsonKind::Scalar => Some(text.trim()),
    }
}

/// Like [`json_text`], but only a JSON object counts (a topology is `{"kind": …, "edges": […]}`).
pub fn json_object_text(text: &str) -> Option<&str> {
    use super::json::{classify, JsonKind};
    (classify(text)? == JsonKind::Object).then(|| text.trim())
}

/// A job as the service stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Server-generated id (UUID v4).
    pub job_id: String,
    /// Current state.
    pub state: JobState,
    /// Submission time, ms since the epoch (1 s resolution); `None` only if the server sent 0.
    pub submitted_at_ms: Option<f64>,
    /// Start time; `None` until RUNNING (and for jobs cancelled before they started).
    pub started_at_ms: Option<f64>,
    /// Time of the first terminal transition; `None` before.
    pub completed_at_ms: Option<f64>,
    /// The backend it runs on.
    pub backend_id: String,
    /// Requested shots.
    pub shots: u32,
    /// The failure text of a FAILED job.
    pub error_message: Option<String>,
}

impl From<proto::Job> for Job {
    fn from(j: proto::Job) -> Self {
        Job {
            state: JobState::from_i32(j.state),
            submitted_at_ms: timestamp_ms(j.submitted_at),
            started_at_ms: timestamp_ms(j.started_at),
            completed_at_ms: timestamp_ms(j.completed_at),
            shots: j.shots,
            error_message: non_empty(j.error_message),
            job_id: j.job_id,
            backend_id: j.backend_id,
        }
    }
}

/// Measurement counts of a completed job.
#[derive(Debug, Clone, PartialEq)]
pub struct JobResult {
    /// The job.
    pub job_id: String,
    /// Bitstring (qubit 0 rightmost) → count, sorted by bitstring.
    pub counts: Vec<(String, u64)>,
    /// Shots the job ran (for merged stream results: the sum of the counts).
    pub shots: u32,
    /// Simulation/execution wall time; `None` when the server reported 0 or did not say.
    pub execution_time_ms: Option<u64>,
    /// Backend metadata as validated JSON text; `None` for empty, `null`, `{}` or invalid JSON.
    pub metadata_json: Option<String>,
}

impl From<proto::JobResult> for JobResult {
    fn from(r: proto::JobResult) -> Self {
        let counts = crate::logic::order::sorted(r.counts.into_iter().collect());
        JobResult {
            metadata_json: json_text(&r.metadata_json).map(str::to_owned),
            job_id: r.job_id,
            counts,
            shots: r.shots,
            execution_time_ms: (r.execution_time_ms != 0).then_some(r.execution_time_ms),
        }
    }
}

impl JobResult {
    /// The metadata parsed (`None` when absent).
    pub fn metadata(&self) -> Option<serde_json::Value> {
        self.metadata_json
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
    }

    /// Each bitstring's share; see [`crate::logic::results::probabilities`].
    pub fn probabilities(&self) -> Vec<(String, f64)> {
        crate::logic::results::probabilities(&self.counts, self.shots)
    }

    /// The most frequent outcome; see [`crate::logic::results::most_frequent`].
    pub fn most_frequent(&self) -> Option<crate::logic::results::MostFrequent> {
        crate::logic::results::most_frequent(&self.counts, self.shots)
    }
}

/// A backend's capabilities.
#[derive(Debug, Clone, PartialEq)]
pub struct BackendInfo {
    /// Id to submit to.
    pub backend_id: String,
    /// Display name.
    pub name: String,
    /// Whether it accepts jobs now.
    pub is_available: bool,
    /// Largest circuit width.
    pub max_qubits: u32,
    /// Largest shot count.
    pub max_shots: u32,
    /// Free text.
    pub description: String,
    /// Gate names it advertises (spec §8.2: some of them fail on the simulator).
    pub supported_gates: Vec<String>,
    /// Coupling map as validated JSON text; `None` for empty, `{}` or invalid JSON.
    pub topology_json: Option<String>,
}

impl From<proto::BackendInfo> for BackendInfo {
    fn from(b: proto::BackendInfo) -> Self {
        BackendInfo {
            topology_json: json_object_text(&b.topology_json).map(str::to_owned),
            backend_id: b.backend_id,
            name: b.name,
            is_available: b.is_available,
            max_qubits: b.max_qubits,
            max_shots: b.max_shots,
            description: b.description,
            supported_gates: b.supported_gates,
        }
    }
}

impl BackendInfo {
    /// The topology parsed (`None` when absent).
    pub fn topology(&self) -> Option<serde_json::Value> {
        self.topology_json
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
    }
}

/// Where a [`JobUpdate`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateSource {
    /// A WatchJob stream message (timestamp = server clock).
    Watch,
    /// A GetJobStatus poll (timestamp = client clock at receipt).
    Poll,
}

impl UpdateSource {
    /// `"watch"` or `"poll"`.
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateSource::Watch => "watch",
            UpdateSource::Poll => "poll",
        }
    }
}

/// A state observation of a job, from a WatchJob message or a status poll.
#[derive(Debug, Clone, PartialEq)]
pub struct JobUpdate {
    /// The job.
    pub job_id: String,
    /// Its state.
    pub state: JobState,
    /// When the state was read (ms since the epoch).
    pub timestamp_ms: Option<f64>,
    /// The failure text of a FAILED job.
    pub error_message: Option<String>,
    /// Stream or poll.
    pub source: UpdateSource,
}

impl From<proto::JobStatusUpdate> for JobUpdate {
    fn from(u: proto::JobStatusUpdate) -> Self {
        JobUpdate {
            state: JobState::from_i32(u.state),
            timestamp_ms: timestamp_ms(u.timestamp),
            error_message: non_empty(u.error_message),
            job_id: u.job_id,
            source: UpdateSource::Watch,
        }
    }
}

impl JobUpdate {
    /// The update a status poll amounts to, stamped with the client's clock.
    pub fn from_job(job: &Job, now_ms: f64) -> Self {
        JobUpdate {
            job_id: job.job_id.clone(),
            state: job.state,
            timestamp_ms: Some(now_ms),
            error_message: job.error_message.clone(),
            source: UpdateSource::Poll,
        }
    }
}

/// The answer to CancelJob (no error for already-terminal jobs: `success == false`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelOutcome {
    /// Whether the job was cancelled by this call.
    pub success: bool,
    /// The server's explanation.
    pub message: String,
}

impl From<proto::CancelJobResponse> for CancelOutcome {
    fn from(r: proto::CancelJobResponse) -> Self {
        CancelOutcome {
            success: r.success,
            message: r.message,
        }
    }
}

/// One StreamResults chunk (spec §6.8), counts sorted by bitstring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultChunk {
    /// 0-based position.
    pub chunk_index: u32,
    /// How many chunks the stream has.
    pub total_chunks: u32,
    /// Set on the last chunk only.
    pub is_final: bool,
    /// This chunk's share of the counts.
    pub counts: Vec<(String, u64)>,
}

impl From<proto::ResultChunk> for ResultChunk {
    fn from(c: proto::ResultChunk) -> Self {
        let counts = crate::logic::order::sorted(c.counts.into_iter().collect());
        ResultChunk {
            chunk_index: c.chunk_index,
            total_chunks: c.total_chunks,
            is_final: c.is_final,
            counts,
        }
    }
}

/// A circuit in one of the two wire formats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Circuit {
    /// OpenQASM 3 source.
    Qasm3(String),
    /// Arvak IR JSON (the service currently rejects it with INVALID_ARGUMENT).
    ArvakIrJson(String),
}

impl Circuit {
    /// The proto payload.
    pub fn into_payload(self) -> proto::CircuitPayload {
        use proto::circuit_payload::Format;
        proto::CircuitPayload {
            format: Some(match self {
                Circuit::Qasm3(s) => Format::Qasm3(s),
                Circuit::ArvakIrJson(s) => Format::ArvakIrJson(s),
            }),
        }
    }
}

/// One entry of a SubmitBatch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchCircuit {
    /// The circuit.
    pub circuit: Circuit,
    /// Shots (default 1024).
    pub shots: u32,
    /// Compiler optimisation level (0 keeps simulator keys narrow, spec §9).
    pub optimization_level: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn job_state_names_and_terminality() {
        let all = [
            (0, "UNSPECIFIED", false),
            (1, "QUEUED", false),
            (2, "RUNNING", false),
            (3, "COMPLETED", true),
            (4, "FAILED", true),
            (5, "CANCELED", true),
            (6, "RESULT_EXPIRED", true),
            (7, "UNSPECIFIED", false),
            (-1, "UNSPECIFIED", false),
        ];
        for (n, name, terminal) in all {
            let s = JobState::from_i32(n);
            assert_eq!(s.as_str(), name);
            assert_eq!(s.is_terminal(), terminal);
        }
    }

    #[test]
    fn timestamps() {
        assert_eq!(timestamp_ms(0), None);
        assert_eq!(timestamp_ms(1_700_000_000), Some(1_700_000_000_000.0));
        assert_eq!(timestamp_ms(-1), Some(-1000.0));
        assert_eq!(timestamp_ms(i64::MAX), None);
        assert_eq!(timestamp_ms(i64::MIN), None);
    }

    #[test]
    fn json_text_rules() {
        assert_eq!(json_text(""), None);
        assert_eq!(json_text("   "), None);
        assert_eq!(json_text("null"), None);
        assert_eq!(json_text("{}"), None);
        assert_eq!(json_text(" { } "), None);
        assert_eq!(json_text("{not json"), None);
        assert_eq!(json_text(r#"{"a":1}"#), Some(r#"{"a":1}"#));
        assert_eq!(json_text(" [1,2] "), Some("[1,2]"));
        assert_eq!(json_text("3"), Some("3"));
    }

    #[test]
    fn job_conversion() {
        let j = Job::from(proto::Job {
            job_id: "j".into(),
            state: 2,
            submitted_at: 10,
            started_at: 0,
            completed_at: 0,
            backend_id: "simulator".into(),
            shots: 5,
            error_message: String::new(),
        });
        assert_eq!(j.state, JobState::Running);
        assert_eq!(j.submitted_at_ms, Some(10_000.0));
        assert_eq!(j.started_at_ms, None);
        assert_eq!(j.completed_at_ms, None);
        assert_eq!(j.error_message, None);
        let f = Job::from(proto::Job {
            state: 4,
            error_message: "boom".into(),
            ..Default::default()
        });
        assert_eq!(f.state, JobState::Failed);
        assert_eq!(f.error_message.as_deref(), Some("boom"));
        assert_eq!(f.submitted_at_ms, None);
    }

    #[test]
    fn result_conversion() {
        let mut counts = HashMap::new();
        counts.insert("11".to_owned(), 480u64);
        counts.insert("00".to_owned(), 520u64);
        let r = JobResult::from(proto::JobResult {
            job_id: "j".into(),
            counts,
            shots: 1000,
            execution_time_ms: 0,
            metadata_json: "null".into(),
        });
        assert_eq!(
            r.counts,
            vec![("00".to_owned(), 520), ("11".to_owned(), 480)]
        );
        assert_eq!(r.execution_time_ms, None);
        assert_eq!(r.metadata_json, None);
        assert_eq!(r.metadata(), None);
        let r = JobResult::from(proto::JobResult {
            execution_time_ms: 15,
            metadata_json: r#"{"backend":"x"}"#.into(),
            ..Default::default()
        });
        assert_eq!(r.execution_time_ms, Some(15));
        assert_eq!(r.metadata(), Some(serde_json::json!({"backend": "x"})));
        let r = JobResult::from(proto::JobResult {
            metadata_json: "{}".into(),
            ..Default::default()
        });
        assert_eq!(r.metadata_json, None);
    }

    #[test]
    fn backend_conversion() {
        let b = BackendInfo::from(proto::BackendInfo {
            backend_id: "simulator".into(),
            topology_json: r#"{"kind":"FullyConnected","edges":[[0,1]]}"#.into(),
            ..Default::default()
        });
        assert_eq!(
            b.topology(),
            Some(serde_json::json!({"kind":"FullyConnected","edges":[[0,1]]}))
        );
        for empty in ["", "{}", "garbage", "[1]", "7"] {
            let b = BackendInfo::from(proto::BackendInfo {
                topology_json: empty.into(),
                ..Default::default()
            });
            assert_eq!(b.topology_json, None, "{empty:?}");
        }
    }

    #[test]
    fn updates() {
        let u = JobUpdate::from(proto::JobStatusUpdate {
            job_id: "j".into(),
            state: 6,
            timestamp: 2,
            error_message: String::new(),
        });
        assert_eq!(u.state, JobState::ResultExpired);
        assert_eq!(u.timestamp_ms, Some(2000.0));
        assert_eq!(u.source, UpdateSource::Watch);
        let job = Job::from(proto::Job {
            job_id: "j".into(),
            state: 3,
            ..Default::default()
        });
        let p = JobUpdate::from_job(&job, 123.0);
        assert_eq!(p.source, UpdateSource::Poll);
        assert_eq!(p.timestamp_ms, Some(123.0));
        assert_eq!(p.state, JobState::Completed);
    }

    #[test]
    fn circuits_to_payload() {
        use proto::circuit_payload::Format;
        assert_eq!(
            Circuit::Qasm3("q".into()).into_payload().format,
            Some(Format::Qasm3("q".into()))
        );
        assert_eq!(
            Circuit::ArvakIrJson("{}".into()).into_payload().format,
            Some(Format::ArvakIrJson("{}".into()))
        );
    }
}
