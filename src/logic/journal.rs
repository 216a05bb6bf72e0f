//! The job journal's contents: what a journaled client keeps so that a reloaded page can find the
//! jobs it submitted (the service has no list RPC), and how a batch resumes from it.
//!
//! Stored as string values under keys with one prefix per journal name (the browser side is
//! `web::journal`):
//! * `<prefix>j:<job id>` → a single job: backend, label, submit time ([`JobEntry`]);
//! * `<prefix>b:<batch id>` → a batch's inputs and settings ([`BatchRecord`]), written once before
//!   anything is submitted;
//! * `<prefix>b:<batch id>:<index>` → one input's submission: `?` while its request is in flight
//!   (the job may exist), `?<relay key>@<sent at>` when that request went through the journal
//!   relay ([`super::relay`]), else the job id ([`SlotState`]).
//!
//! Values are tab-separated lines with `%`, tab, CR and LF escaped, so circuits keep every byte.

use super::data::{BatchCircuit, Circuit};
use super::error::ErrorKind;
use super::relay::Relayed;

/// At most this many unfinished batches per journal; a further one is refused before it submits.
pub const MAX_BATCHES: usize = 20;
/// At most this many single-job entries per journal; beyond it the oldest entries are dropped.
pub const MAX_JOBS: usize = 2000;
/// The largest batch record (its circuits) in UTF-16 code units, well under localStorage's ~5 MB.
pub const MAX_RECORD_CHARS: usize = 1_500_000;

const VERSION: &str = "arvak-journal 1";

/// The keys of one journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    /// The keys of the journal called `name`.
    pub fn new(name: &str) -> Self {
        Keys {
            prefix: format!("arvak-journal:{}:", escape(name)),
        }
    }

    /// The prefix shared by every key of this journal.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The prefix of single-job keys.
    pub fn jobs_prefix(&self) -> String {
        format!("{}j:", self.prefix)
    }

    /// The key of a single job.
    pub fn job(&self, job_id: &str) -> String {
        format!("{}j:{job_id}", self.prefix)
    }

    /// The prefix of batch keys.
    pub fn batches_prefix(&self) -> String {
        format!("{}b:", self.prefix)
    }

    /// The key of a batch's record.
    pub fn batch(&self, batch_id: &str) -> String {
        format!("{}b:{batch_id}", self.prefix)
    }

    /// The key of one input's submission in a batch.
    pub fn slot(&self, batch_id: &str, index: usize) -> String {
        format!("{}b:{batch_id}:{index}", self.prefix)
    }

    /// What a key under [`Keys::batches_prefix`] names: a batch id, with an input index for a slot.
    pub fn parse_batch_key<'a>(&self, key: &'a str) -> Option<(&'a str, Option<usize>)> {
        let rest = key.strip_prefix(&self.batches_prefix())?;
        match rest.split_once(':') {
            None => Some((rest, None)),
            Some((id, index)) => Some((id, Some(index.parse().ok()?))),
        }
    }
}

/// A single submitted job, as the journal keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobEntry {
    /// The job id.
    pub job_id: String,
    /// The backend it was submitted to.
    pub backend_id: String,
    /// The caller's label (`SubmitOptions::label`), if any.
    pub label: Option<String>,
    /// When the id arrived (ms since the Unix epoch).
    pub submitted_at_ms: f64,
}

impl JobEntry {
    /// The stored value (the id is in the key).
    pub fn encode(&self) -> String {
        line(&[
            VERSION,
            &self.backend_id,
            self.label.as_deref().unwrap_or(""),
            &millis(self.submitted_at_ms),
        ])
    }

    /// The entry stored at `job_id`'s key, if `value` is one.
    pub fn decode(job_id: &str, value: &str) -> Option<JobEntry> {
        let f = fields(value.lines().next()?);
        match f.as_slice() {
            [v, backend, label, at] if v == VERSION => Some(JobEntry {
                job_id: job_id.to_owned(),
                backend_id: backend.clone(),
                label: (!label.is_empty()).then(|| label.clone()),
                submitted_at_ms: at.parse::<u64>().ok()? as f64,
            }),
            _ => None,
        }
    }
}

/// A batch's inputs and settings, written before its first submission.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchRecord {
    /// The backend of every input.
    pub backend_id: String,
    /// The caller's label, if any.
    pub label: Option<String>,
    /// When the batch started (ms since the Unix epoch).
    pub created_at_ms: f64,
    /// The inputs, in order.
    pub circuits: Vec<BatchCircuit>,
}

impl BatchRecord {
    /// The stored value: a header line, then one line per input.
    pub fn encode(&self) -> String {
        let mut out = line(&[
            VERSION,
            &self.backend_id,
            self.label.as_deref().unwrap_or(""),
            &millis(self.created_at_ms),
        ]);
        for c in &self.circuits {
            let (format, text) = match &c.circuit {
                Circuit::Qasm3(t) => ("q", t),
                Circuit::ArvakIrJson(t) => ("j", t),
            };
            out.push('\n');
            out.push_str(&line(&[
                format,
                &c.shots.to_string(),
                &c.optimization_level.to_string(),
                text,
            ]));
        }
        out
    }

    /// The record in `value`, if it is one.
    pub fn decode(value: &str) -> Option<BatchRecord> {
        let mut lines = value.split('\n');
        let head = fields(lines.next()?);
        let [v, backend, label, at] = head.as_slice() else {
            return None;
        };
        if v != VERSION {
            return None;
        }
        let mut circuits = Vec::new();
        for l in lines {
            let f = fields(l);
            let [format, shots, level, text] = f.as_slice() else {
                return None;
            };
            let circuit = match format.as_str() {
                "q" => Circuit::Qasm3(text.clone()),
                "j" => Circuit::ArvakIrJson(text.clone()),
                _ => return None,
            };
            circuits.push(BatchCircuit {
                circuit,
                shots: shots.parse().ok()?,
                optimization_level: level.parse().ok()?,
            });
        }
        Some(BatchRecord {
            backend_id: backend.clone(),
            label: (!label.is_empty()).then(|| label.clone()),
            created_at_ms: at.parse::<u64>().ok()? as f64,
            circuits,
        })
    }
}

/// One input's submission as stored in its slot.
#[derive(Debug, Clone, PartialEq)]
pub enum SlotState {
    /// Its request was sent and no answer has been recorded: the job may exist. With a relay key,
    /// the request went through the journal relay, which keeps its answer under that key
    /// ([`super::relay`]): a resume asks the relay for it instead of guessing.
    InFlight(Option<Relayed>),
    /// The server created it with this id.
    Submitted(String),
}

impl SlotState {
    /// The stored value.
    pub fn encode(&self) -> String {
        match self {
            SlotState::InFlight(None) => "?".to_owned(),
            SlotState::InFlight(Some(relayed)) => format!("?{}", relayed.encode()),
            SlotState::Submitted(id) => id.clone(),
        }
    }

    /// The state stored as `value` (`None` for an empty or unreadable one).
    pub fn decode(value: &str) -> Option<SlotState> {
        match value {
            "" => None,
            "?" => Some(SlotState::InFlight(None)),
            v if v.starts_with('?') => {
                Relayed::decode(&v[1..]).map(|r| SlotState::InFlight(Some(r)))
            }
            id if id.bytes().all(|b| b.is_ascii_graphic()) => Some(SlotState::Submitted(id.into())),
            _ => None,
        }
    }
}

/// One request a left page sent through the journal relay.
#[derive(Debug, Clone, PartialEq)]
pub struct RelayedRequest {
    /// Its key and send time.
    pub relayed: Relayed,
    /// Its inputs, in the order they were sent (ascending: chunks are sent sorted).
    pub inputs: Vec<usize>,
}

/// How a batch goes on from its journal: nothing is submitted twice.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResumePlan {
    /// Inputs whose job exists: wait for them (in input order).
    pub submitted: Vec<(usize, String)>,
    /// Inputs whose request was in flight when the page was left: the job may exist, its id is
    /// unknown; they are reported as failures and never resubmitted.
    pub in_doubt: Vec<usize>,
    /// Inputs whose request was in flight through the journal relay, grouped by request, in
    /// order of their first input: each group is asked of the relay again as the same request,
    /// which answers it from what it kept (or sends it for the first time) — see [`super::relay`].
    pub relayed: Vec<RelayedRequest>,
    /// Inputs never sent (or refused without creating anything): submit them now.
    pub to_submit: Vec<usize>,
}

impl ResumePlan {
    /// The plan for `total` inputs from the slots found (out-of-range indices are ignored).
    pub fn new(total: usize, slots: impl IntoIterator<Item = (usize, SlotState)>) -> Self {
        let mut state: Vec<Option<SlotState>> = vec![None; total];
        for (i, s) in slots {
            if let Some(cell) = state.get_mut(i) {
                *cell = Some(s);
            }
        }
        let mut plan = ResumePlan::default();
        for (i, s) in state.into_iter().enumerate() {
            match s {
                Some(SlotState::Submitted(id)) => plan.submitted.push((i, id)),
                Some(SlotState::InFlight(None)) => plan.in_doubt.push(i),
                Some(SlotState::InFlight(Some(relayed))) => {
                    match plan
                        .relayed
                        .iter_mut()
                        .find(|r| r.relayed.key == relayed.key)
                    {
                        Some(r) => r.inputs.push(i),
                        None => plan.relayed.push(RelayedRequest {
                            relayed,
                            inputs: vec![i],
                        }),
                    }
                }
                None => plan.to_submit.push(i),
            }
        }
        plan
    }
}

/// Which single-job entries to drop so that at most [`MAX_JOBS`] remain after adding one: the
/// oldest first.
pub fn jobs_to_drop(entries: Vec<JobEntry>) -> Vec<String> {
    if entries.len() < MAX_JOBS {
        return Vec::new();
    }
    let excess = entries.len() + 1 - MAX_JOBS;
    let order = oldest_first(
        &entries
            .iter()
            .map(|e| e.submitted_at_ms)
            .collect::<Vec<_>>(),
    );
    crate::logic::order::in_order(entries, order)
        .into_iter()
        .take(excess)
        .map(|e| e.job_id)
        .collect()
}

/// The indices of `times_ms` from the earliest to the latest (equal times in index order).
pub fn oldest_first(times_ms: &[f64]) -> Vec<usize> {
    let key = |i: usize| (times_ms[i].max(0.0) as u64, i);
    crate::logic::order::sorted_order(times_ms.len(), &|a, b| key(a).cmp(&key(b)))
}

/// `items` reordered from the earliest to the latest time.
pub fn by_time<T>(items: Vec<T>, time_ms: impl Fn(&T) -> f64) -> Vec<T> {
    let order = oldest_first(&items.iter().map(&time_ms).collect::<Vec<_>>());
    crate::logic::order::in_order(items, order)
}

/// Whether a wait that ended like this (`None`: with a result) settles its job for good, so its
/// journal entry can go: a result, or the job failed, was cancelled, expired or is unknown. A
/// timeout, an abort or an outage leaves the job to be waited for again.
pub fn wait_settles_job(error: Option<ErrorKind>) -> bool {
    match error {
        None => true,
        Some(kind) => matches!(
            kind,
            ErrorKind::JobFailed
                | ErrorKind::JobCancelled
                | ErrorKind::ResultExpired
                | ErrorKind::JobNotFound
        ),
    }
}

/// Whole milliseconds as text (integer formatting: float formatting and parsing would add kilobytes
/// to the wasm for no gain in a timestamp).
fn millis(ms: f64) -> String {
    (ms.max(0.0) as u64).to_string()
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '%' => out.push_str("%25"),
            '\t' => out.push_str("%09"),
            '\n' => out.push_str("%0A"),
            '\r' => out.push_str("%0D"),
            ':' => out.push_str("%3A"),
            c => out.push(c),
        }
    }
    out
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let code = rest.get(at + 1..at + 3);
        let ch = match code {
            Some("25") => Some('%'),
            Some("09") => Some('\t'),
            Some("0A") => Some('\n'),
            Some("0D") => Some('\r'),
            Some("3A") => Some(':'),
            _ => None,
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &rest[at + 3..];
            }
            None => {
                out.push('%');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn line(fields: &[&str]) -> String {
    fields
        .iter()
        .map(|f| escape(f))
        .collect::<Vec<_>>()
        .join("\t")
}

fn fields(line: &str) -> Vec<String> {
    line.split('\t').map(unescape).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn circuit(text: &str, shots: u32) -> BatchCircuit {
        BatchCircuit {
            circuit: Circuit::Qasm3(text.into()),
            shots,
            optimization_level: 0,
        }
    }

    #[test]
    fn batch_records_keep_every_byte_of_their_circuits() {
        let record = BatchRecord {
            backend_id: "sim:ulator\t1".into(),
            label: Some("sweep θ = 0…π, 100%".into()),
            created_at_ms: 1_764_590_000_123.0,
            circuits: vec![
                circuit("OPENQASM 3.0;\nqubit[2] q;\r\n\th q[0]; // 50% %0A\n", 500),
                BatchCircuit {
                    circuit: Circuit::ArvakIrJson("{\"a\":\"\\t\"}".into()),
                    shots: 7,
                    optimization_level: 2,
                },
                circuit("", 1),
            ],
        };
        let stored = record.encode();
        assert_eq!(BatchRecord::decode(&stored), Some(record.clone()));
        assert_eq!(
            stored.lines().count(),
            4,
            "one line per input after the header"
        );
        let none = BatchRecord {
            label: None,
            circuits: Vec::new(),
            ..record
        };
        assert_eq!(BatchRecord::decode(&none.encode()), Some(none));
        for bad in [
            "",
            "arvak-journal 2\tb\t\t1",
            "arvak-journal 1\tb\t\tx",
            "arvak-journal 1\tb\t\t1\nz\t1\t0\tq",
        ] {
            assert_eq!(BatchRecord::decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn job_entries_round_trip() {
        let e = JobEntry {
            job_id: "j-1".into(),
            backend_id: "simulator".into(),
            label: None,
            submitted_at_ms: 12.0,
        };
        assert_eq!(JobEntry::decode("j-1", &e.encode()), Some(e.clone()));
        let labelled = JobEntry {
            label: Some("Bell\tpair".into()),
            ..e
        };
        assert_eq!(JobEntry::decode("j-1", &labelled.encode()), Some(labelled));
        assert_eq!(JobEntry::decode("j-1", "garbage"), None);
    }

    #[test]
    fn keys_are_separated_by_journal_name_and_parse_back() {
        let k = Keys::new("my:app");
        let other = Keys::new("my");
        assert!(!k.batch("x").starts_with(&other.batches_prefix()));
        assert_eq!(k.parse_batch_key(&k.batch("ab12")), Some(("ab12", None)));
        assert_eq!(
            k.parse_batch_key(&k.slot("ab12", 41)),
            Some(("ab12", Some(41)))
        );
        assert_eq!(k.parse_batch_key(&k.job("j")), None);
        assert_eq!(
            k.parse_batch_key(&format!("{}x:y", k.batches_prefix())),
            None
        );
        assert!(k.job("j").starts_with(&k.jobs_prefix()));
    }

    fn relayed(key: &str) -> SlotState {
        SlotState::InFlight(Some(Relayed {
            key: key.into(),
            sent_at_ms: 1000.0,
        }))
    }

    #[test]
    fn a_resumed_batch_submits_nothing_twice() {
        let plan = ResumePlan::new(
            9,
            [
                (0, SlotState::Submitted("a".into())),
                (2, SlotState::InFlight(None)),
                (3, SlotState::Submitted("d".into())),
                (9, SlotState::Submitted("out of range".into())),
                (7, relayed("b1.2")),
                (4, relayed("b1.1")),
                (6, relayed("b1.2")),
                (8, relayed("b1.2")),
            ],
        );
        assert_eq!(plan.submitted, [(0, "a".to_owned()), (3, "d".to_owned())]);
        assert_eq!(plan.in_doubt, [2]);
        let groups: Vec<(&str, &[usize])> = plan
            .relayed
            .iter()
            .map(|r| (r.relayed.key.as_str(), r.inputs.as_slice()))
            .collect();
        assert_eq!(groups, [("b1.1", &[4][..]), ("b1.2", &[6, 7, 8][..])]);
        assert_eq!(plan.to_submit, [1, 5]);
        assert_eq!(SlotState::decode("?"), Some(SlotState::InFlight(None)));
        let one = relayed("0f3a.17");
        assert_eq!(one.encode(), "?0f3a.17@1000");
        assert_eq!(SlotState::decode(&one.encode()), Some(one));
        assert_eq!(SlotState::decode("?bad key@1"), None);
        assert_eq!(
            SlotState::decode("?0f3a.17"),
            None,
            "a relayed slot has its send time"
        );
        assert_eq!(
            SlotState::decode("id-1"),
            Some(SlotState::Submitted("id-1".into()))
        );
        assert_eq!(SlotState::decode(""), None);
        assert_eq!(SlotState::decode("a b"), None);
    }

    #[test]
    fn only_a_final_outcome_settles_a_journaled_job() {
        assert!(wait_settles_job(None));
        for kind in [
            ErrorKind::JobFailed,
            ErrorKind::JobCancelled,
            ErrorKind::ResultExpired,
            ErrorKind::JobNotFound,
        ] {
            assert!(wait_settles_job(Some(kind)), "{kind:?}");
        }
        for kind in [
            ErrorKind::Timeout,
            ErrorKind::Aborted,
            ErrorKind::Unavailable,
            ErrorKind::CircuitOpen,
        ] {
            assert!(!wait_settles_job(Some(kind)), "{kind:?}");
        }
    }

    #[test]
    fn the_oldest_single_jobs_make_room() {
        let entries: Vec<JobEntry> = (0..MAX_JOBS)
            .map(|i| JobEntry {
                job_id: format!("j{i}"),
                backend_id: "s".into(),
                label: None,
                submitted_at_ms: (MAX_JOBS - i) as f64,
            })
            .collect();
        assert_eq!(jobs_to_drop(entries[..10].to_vec()), Vec::<String>::new());
        assert_eq!(jobs_to_drop(entries), [format!("j{}", MAX_JOBS - 1)]);
    }
}
