//! The job journal in the browser: [`Journal`] reads and writes the keys of
//! [`crate::logic::journal`] through `js/glue.js` (localStorage). Every write is synchronous, so
//! a job id is stored in the same task it arrived in, before anyone is told about it.

use wasm_bindgen::prelude::*;

use super::env::wall_now_ms;
use crate::logic::data::BatchCircuit;
use crate::logic::error::{ArvakError, Code, ErrorKind};
use crate::logic::journal::{
    by_time, jobs_to_drop, BatchRecord, JobEntry, Keys, ResumePlan, SlotState, MAX_BATCHES,
    MAX_RECORD_CHARS,
};
use crate::logic::relay::{self, Relayed};

#[wasm_bindgen(module = "/js/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = journalAvailable)]
    fn available() -> bool;
    #[wasm_bindgen(js_name = journalGet)]
    fn get(key: &str) -> Option<String>;
    #[wasm_bindgen(js_name = journalSet, catch)]
    fn set(key: &str, value: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(js_name = journalRemove)]
    fn remove(key: &str);
    #[wasm_bindgen(js_name = journalKeys)]
    fn keys(prefix: &str) -> Vec<String>;
    #[wasm_bindgen(js_name = journalRandomId)]
    fn random_id() -> String;
    #[wasm_bindgen(js_name = journalLeaving)]
    fn leaving() -> bool;
    #[wasm_bindgen(js_name = relayProbe)]
    fn relay_probe(hello: &str, answer: &str, version: u32, again: bool) -> js_sys::Promise;
    #[wasm_bindgen(js_name = relayForget)]
    fn relay_forget(message: &str, key: &str, exact: bool);
}

/// An unfinished batch as the journal lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchSummary {
    /// Its id (pass it to `BatchJobManager::resume_batch`).
    pub batch_id: String,
    /// Its backend.
    pub backend_id: String,
    /// The caller's label, if any.
    pub label: Option<String>,
    /// When it started (ms since the Unix epoch).
    pub created_at_ms: f64,
    /// How many inputs it has.
    pub total: usize,
    /// How many of them have a job id.
    pub submitted: usize,
    /// How many were in flight when the page was left (their jobs may exist).
    pub in_doubt: usize,
    /// How many were in flight through the journal relay, which a resume asks for their answers.
    pub relayed: usize,
}

/// One journal (the `journal` client option names it).
#[derive(Debug, Clone)]
pub struct Journal {
    name: String,
    keys: Keys,
}

fn journal_error(message: String, cause: Option<JsValue>) -> ArvakError {
    let mut e = ArvakError::new(ErrorKind::Other, Code::FailedPrecondition, message);
    e.cause = cause;
    e
}

impl Journal {
    /// The journal called `name`; fails when this context has no usable localStorage (a Worker, a
    /// sandboxed frame, storage disabled).
    pub fn open(name: &str) -> Result<Journal, ArvakError> {
        if name.is_empty() {
            return Err(ArvakError::invalid_argument(
                "options.journal must be a non-empty name".to_owned(),
            ));
        }
        if !available() {
            return Err(journal_error(
                format!(
                    "The job journal \"{name}\" needs localStorage, which is not available here \
                     (a Worker, a sandboxed frame or disabled storage)"
                ),
                None,
            ));
        }
        Ok(Journal {
            name: name.to_owned(),
            keys: Keys::new(name),
        })
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the page is being left (batches then start no new submissions).
    pub fn leaving(&self) -> bool {
        leaving()
    }

    /// Whether the page's service worker is a journal relay ([`crate::logic::relay`]): asked of
    /// the worker that controls the page now (once; `again` asks again after a "no"), answered
    /// within a second.
    pub async fn relay_available(&self, again: bool) -> bool {
        let probe = relay_probe(relay::HELLO, relay::ANSWER, relay::VERSION, again);
        matches!(
            wasm_bindgen_futures::JsFuture::from(probe).await,
            Ok(v) if v.as_bool() == Some(true)
        )
    }

    /// Records a single job whose id just arrived (dropping the oldest entries beyond the bound).
    pub fn add_job(&self, job_id: &str, backend_id: &str, label: Option<&str>) {
        let entry = JobEntry {
            job_id: job_id.to_owned(),
            backend_id: backend_id.to_owned(),
            label: label.map(str::to_owned),
            submitted_at_ms: wall_now_ms(),
        };
        for old in jobs_to_drop(self.jobs()) {
            remove(&self.keys.job(&old));
        }
        // A full storage cannot be helped here: the job exists and its id goes to the caller.
        let _ = set(&self.keys.job(job_id), &entry.encode());
    }

    /// Forgets a single job (its outcome reached the caller, or the caller said so).
    pub fn forget_job(&self, job_id: &str) {
        remove(&self.keys.job(job_id));
    }

    /// The single jobs recorded and not yet finished, oldest first.
    pub fn jobs(&self) -> Vec<JobEntry> {
        let prefix = self.keys.jobs_prefix();
        let out: Vec<JobEntry> = keys(&prefix)
            .into_iter()
            .filter_map(|k| {
                let id = k.strip_prefix(&prefix)?.to_owned();
                JobEntry::decode(&id, &get(&k)?)
            })
            .collect();
        by_time(out, |e| e.submitted_at_ms)
    }

    /// Starts recording a batch: its inputs are written before anything is submitted. Fails (and
    /// nothing is submitted) when the journal is full or storage refuses the write.
    pub fn begin_batch(
        &self,
        backend_id: &str,
        label: Option<&str>,
        circuits: &[BatchCircuit],
    ) -> Result<BatchJournal, ArvakError> {
        let unfinished = self.batch_ids().len();
        if unfinished >= MAX_BATCHES {
            return Err(journal_error(
                format!(
                    "The job journal \"{}\" already holds {unfinished} unfinished batches (at most \
                     {MAX_BATCHES}); resume or forget one first",
                    self.name
                ),
                None,
            ));
        }
        let record = BatchRecord {
            backend_id: backend_id.to_owned(),
            label: label.map(str::to_owned),
            created_at_ms: wall_now_ms(),
            circuits: circuits.to_vec(),
        }
        .encode();
        if record.encode_utf16().count() > MAX_RECORD_CHARS {
            return Err(journal_error(
                format!(
                    "The batch's circuits are too large for the job journal (more than \
                     {MAX_RECORD_CHARS} characters); run it without a journal or in parts"
                ),
                None,
            ));
        }
        let batch_id = random_id();
        set(&self.keys.batch(&batch_id), &record).map_err(|e| {
            journal_error(
                format!(
                    "The job journal \"{}\" could not store the batch (storage full?); nothing \
                     was submitted",
                    self.name
                ),
                Some(e),
            )
        })?;
        Ok(BatchJournal {
            journal: self.clone(),
            batch_id,
            run: random_id(),
        })
    }

    fn batch_ids(&self) -> Vec<String> {
        keys(&self.keys.batches_prefix())
            .iter()
            .filter_map(|k| match self.keys.parse_batch_key(k) {
                Some((id, None)) => Some(id.to_owned()),
                _ => None,
            })
            .collect()
    }

    fn slots(&self, batch_id: &str) -> Vec<(usize, SlotState)> {
        keys(&self.keys.batches_prefix())
            .iter()
            .filter_map(|k| match self.keys.parse_batch_key(k) {
                Some((id, Some(i))) if id == batch_id => Some((i, SlotState::decode(&get(k)?)?)),
                _ => None,
            })
            .collect()
    }

    /// The unfinished batches, oldest first.
    pub fn batches(&self) -> Vec<BatchSummary> {
        let out: Vec<BatchSummary> = self
            .batch_ids()
            .into_iter()
            .filter_map(|id| {
                let record = BatchRecord::decode(&get(&self.keys.batch(&id))?)?;
                let plan = ResumePlan::new(record.circuits.len(), self.slots(&id));
                Some(BatchSummary {
                    backend_id: record.backend_id,
                    label: record.label,
                    created_at_ms: record.created_at_ms,
                    total: record.circuits.len(),
                    submitted: plan.submitted.len(),
                    in_doubt: plan.in_doubt.len(),
                    relayed: plan.relayed.iter().map(|r| r.inputs.len()).sum(),
                    batch_id: id,
                })
            })
            .collect();
        by_time(out, |b| b.created_at_ms)
    }

    /// A recorded batch and how it goes on, to resume it under the same id.
    pub fn resume_batch(
        &self,
        batch_id: &str,
    ) -> Result<(BatchRecord, ResumePlan, BatchJournal), ArvakError> {
        let record = get(&self.keys.batch(batch_id))
            .and_then(|v| BatchRecord::decode(&v))
            .ok_or_else(|| {
                journal_error(
                    format!(
                        "The job journal \"{}\" has no unfinished batch \"{batch_id}\"",
                        self.name
                    ),
                    None,
                )
            })?;
        let plan = ResumePlan::new(record.circuits.len(), self.slots(batch_id));
        let journal = BatchJournal {
            journal: self.clone(),
            batch_id: batch_id.to_owned(),
            run: random_id(),
        };
        Ok((record, plan, journal))
    }

    /// Forgets a batch and every slot of it.
    pub fn forget_batch(&self, batch_id: &str) {
        for k in keys(&self.keys.batches_prefix()) {
            if matches!(self.keys.parse_batch_key(&k), Some((id, _)) if id == batch_id) {
                remove(&k);
            }
        }
    }
}

/// What a running batch writes to the journal.
#[derive(Debug, Clone)]
pub struct BatchJournal {
    journal: Journal,
    batch_id: String,
    /// This run's tag in relay keys (a resumed run gets a new one).
    run: String,
}

impl BatchJournal {
    /// The batch's id in the journal.
    pub fn batch_id(&self) -> &str {
        &self.batch_id
    }

    /// Whether the page is being left.
    pub fn leaving(&self) -> bool {
        self.journal.leaving()
    }

    /// Whether the page's service worker relays submissions ([`Journal::relay_available`]).
    pub async fn relay_available(&self, again: bool) -> bool {
        self.journal.relay_available(again).await
    }

    /// Input `index`'s request is about to be sent, through the journal relay (`relayed`) or
    /// straight.
    pub fn sending(&self, index: usize, relayed: Option<&Relayed>) {
        self.put(index, &SlotState::InFlight(relayed.cloned()));
    }

    /// The answer of the relayed request `key` is stored (its inputs' slots say what it said):
    /// the relay may drop it.
    pub fn relay_done(&self, key: &str) {
        relay_forget(relay::FORGET, key, true);
    }

    /// The key of this batch's `seq`-th relayed request.
    pub fn relay_key(&self, seq: u32) -> String {
        relay::key(&self.batch_id, &self.run, seq)
    }

    /// Input `index`'s job exists with `job_id`.
    pub fn submitted(&self, index: usize, job_id: &str) {
        self.put(index, &SlotState::Submitted(job_id.to_owned()));
    }

    /// Input `index`'s request created nothing: a resume may send it again.
    pub fn not_created(&self, index: usize) {
        remove(&self.journal.keys.slot(&self.batch_id, index));
    }

    /// The batch's account reached its caller: forget it (and the answers the relay kept for it).
    pub fn finished(&self) {
        self.journal.forget_batch(&self.batch_id);
        relay_forget(relay::FORGET, &relay::batch_prefix(&self.batch_id), false);
    }

    fn put(&self, index: usize, state: &SlotState) {
        // A slot is a few dozen bytes next to a record that was stored; a refusal here cannot
        // stop a request that is already decided on.
        let _ = set(
            &self.journal.keys.slot(&self.batch_id, index),
            &state.encode(),
        );
    }
}
