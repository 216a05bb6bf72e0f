//! The in-memory job store: job records, their state transitions, and eviction at capacity
//! (spec §1: 10 000 jobs; inserting one more evicts the oldest terminal job, or else the oldest job).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::watch;
use tokio::task::AbortHandle;

use crate::proto::{Job, JobResult, JobState};

/// Current wall-clock time in Unix seconds, the unit of every proto timestamp.
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Whether a state is final (COMPLETED, FAILED, CANCELED, RESULT_EXPIRED).
pub fn is_terminal(state: JobState) -> bool {
    matches!(
        state,
        JobState::Completed | JobState::Failed | JobState::Canceled | JobState::ResultExpired
    )
}

/// Everything the server keeps about one job.
struct JobRecord {
    job: Job,
    result: Option<JobResult>,
    abort: Option<AbortHandle>,
    changes: watch::Sender<JobState>,
}

/// Outcome of `CancelJob` (spec §6.5).
#[derive(Debug, PartialEq, Eq)]
pub enum CancelOutcome {
    /// The job was QUEUED or RUNNING and is now CANCELED.
    Cancelled,
    /// The job was already terminal; the text names its state the way the service does.
    AlreadyTerminal(String),
    /// No job with that id.
    NotFound,
}

/// Why a job has no result to hand out (spec §6.4).
#[derive(Debug, PartialEq, Eq)]
pub enum ResultError {
    /// No job with that id.
    NotFound,
    /// The job FAILED; carries its error message.
    Failed(String),
    /// QUEUED, RUNNING, CANCELED or RESULT_EXPIRED.
    NotCompleted,
}

#[derive(Default)]
struct Inner {
    jobs: HashMap<String, JobRecord>,
    order: VecDeque<String>,
    active: usize,
    created: u64,
}

/// Thread-safe job store with a fixed capacity.
pub struct JobStore {
    inner: Mutex<Inner>,
    capacity: usize,
}

impl JobStore {
    /// A store that keeps at most `capacity` jobs (at least 1).
    pub fn new(capacity: usize) -> Self {
        JobStore {
            inner: Mutex::new(Inner::default()),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a record half-written in a way that
        // matters more than refusing service, so recover the data instead of propagating.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Creates a QUEUED job and returns its id. Evicts the oldest job first when full.
    pub fn create(&self, backend_id: &str, shots: u32) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let job = Job {
            job_id: id.clone(),
            state: JobState::Queued as i32,
            submitted_at: now_secs(),
            started_at: 0,
            completed_at: 0,
            backend_id: backend_id.to_string(),
            shots,
            error_message: String::new(),
        };
        let (changes, _) = watch::channel(JobState::Queued);
        let mut inner = self.lock();
        while inner.jobs.len() >= self.capacity {
            evict_one(&mut inner);
        }
        inner.jobs.insert(
            id.clone(),
            JobRecord {
                job,
                result: None,
                abort: None,
                changes,
            },
        );
        inner.order.push_back(id.clone());
        inner.active += 1;
        inner.created += 1;
        id
    }

    /// Remembers how to stop the job's execution task (used by cancel and eviction).
    pub fn set_abort(&self, id: &str, handle: AbortHandle) {
        let mut inner = self.lock();
        match inner.jobs.get_mut(id) {
            Some(record) if !is_terminal(record.job.state()) => record.abort = Some(handle),
            _ => handle.abort(),
        }
    }

    /// A snapshot of the job, if the store has it.
    pub fn get(&self, id: &str) -> Option<Job> {
        self.lock().jobs.get(id).map(|r| r.job.clone())
    }

    /// Subscribes to the job's state changes.
    pub fn subscribe(&self, id: &str) -> Option<watch::Receiver<JobState>> {
        self.lock().jobs.get(id).map(|r| r.changes.subscribe())
    }

    /// QUEUED → RUNNING; returns false if the job is gone or no longer queued.
    pub fn mark_running(&self, id: &str) -> bool {
        let mut inner = self.lock();
        let Some(record) = inner.jobs.get_mut(id) else {
            return false;
        };
        if record.job.state() != JobState::Queued {
            return false;
        }
        record.job.set_state(JobState::Running);
        record.job.started_at = now_secs();
        record.changes.send_replace(JobState::Running);
        true
    }

    /// Stores the result and marks the job COMPLETED, unless it already ended (e.g. cancelled).
    pub fn complete(&self, id: &str, result: JobResult) -> bool {
        self.finish(id, JobState::Completed, String::new(), Some(result))
    }

    /// Marks the job FAILED with the given message, unless it already ended.
    pub fn fail(&self, id: &str, message: String) -> bool {
        self.finish(id, JobState::Failed, message, None)
    }

    /// Cancels a non-terminal job and stops its execution task (spec §6.5).
    pub fn cancel(&self, id: &str) -> CancelOutcome {
        let mut inner = self.lock();
        let Some(record) = inner.jobs.get_mut(id) else {
            return CancelOutcome::NotFound;
        };
        let state = record.job.state();
        if is_terminal(state) {
            return CancelOutcome::AlreadyTerminal(state_word(&record.job));
        }
        if let Some(handle) = record.abort.take() {
            handle.abort();
        }
        record.job.set_state(JobState::Canceled);
        record.job.completed_at = now_secs();
        record.changes.send_replace(JobState::Canceled);
        inner.active = inner.active.saturating_sub(1);
        CancelOutcome::Cancelled
    }

    /// COMPLETED → RESULT_EXPIRED, dropping the stored result (the service defines the state but
    /// never sets it; tests use this to show clients how an expired job looks). Returns the state
    /// the job is in afterwards, or `None` for an unknown id.
    pub fn expire(&self, id: &str) -> Option<JobState> {
        let mut inner = self.lock();
        let record = inner.jobs.get_mut(id)?;
        if record.job.state() == JobState::Completed {
            record.job.set_state(JobState::ResultExpired);
            record.result = None;
            record.changes.send_replace(JobState::ResultExpired);
        }
        Some(record.job.state())
    }

    /// The result of a COMPLETED job, or why there is none.
    pub fn result(&self, id: &str) -> Result<JobResult, ResultError> {
        let inner = self.lock();
        let record = inner.jobs.get(id).ok_or(ResultError::NotFound)?;
        match (record.job.state(), &record.result) {
            (JobState::Completed, Some(result)) => Ok(result.clone()),
            (JobState::Failed, _) => Err(ResultError::Failed(record.job.error_message.clone())),
            _ => Err(ResultError::NotCompleted),
        }
    }

    /// Number of jobs that are QUEUED or RUNNING (the concurrency limit counts these).
    pub fn active(&self) -> usize {
        self.lock().active
    }

    /// Number of jobs held.
    pub fn len(&self) -> usize {
        self.lock().jobs.len()
    }

    /// Whether the store holds no job.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Jobs created since start-up (never decreases, eviction included).
    pub fn created(&self) -> u64 {
        self.lock().created
    }

    fn finish(
        &self,
        id: &str,
        state: JobState,
        error_message: String,
        result: Option<JobResult>,
    ) -> bool {
        let mut inner = self.lock();
        let Some(record) = inner.jobs.get_mut(id) else {
            return false;
        };
        if is_terminal(record.job.state()) {
            return false;
        }
        record.job.set_state(state);
        record.job.completed_at = now_secs();
        if record.job.started_at == 0 {
            record.job.started_at = record.job.completed_at;
        }
        record.job.error_message = error_message;
        record.result = result;
        record.abort = None;
        record.changes.send_replace(state);
        inner.active = inner.active.saturating_sub(1);
        true
    }
}

/// The state word the service uses in `CancelJob` messages (spec §6.5).
fn state_word(job: &Job) -> String {
    match job.state() {
        JobState::Completed => "Completed".to_string(),
        JobState::Canceled => "Cancelled".to_string(),
        JobState::ResultExpired => "ResultExpired".to_string(),
        JobState::Failed => format!("Failed: {}", job.error_message),
        JobState::Queued => "Queued".to_string(),
        JobState::Running => "Running".to_string(),
        JobState::Unspecified => "Unspecified".to_string(),
    }
}

/// Removes the oldest terminal job, or the oldest job if none is terminal.
fn evict_one(inner: &mut Inner) {
    let position = inner
        .order
        .iter()
        .position(|id| {
            inner
                .jobs
                .get(id)
                .is_none_or(|r| is_terminal(r.job.state()))
        })
        .unwrap_or(0);
    let Some(id) = inner.order.remove(position) else {
        return;
    };
    if let Some(record) = inner.jobs.remove(&id) {
        if !is_terminal(record.job.state()) {
            if let Some(handle) = record.abort {
                handle.abort();
            }
            inner.active = inner.active.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_and_results() {
        let store = JobStore::new(10);
        let id = store.create("simulator", 10);
        assert_eq!(store.active(), 1);
        assert_eq!(store.result(&id), Err(ResultError::NotCompleted));
        assert!(store.mark_running(&id));
        let result = JobResult {
            job_id: id.clone(),
            shots: 10,
            ..Default::default()
        };
        assert!(store.complete(&id, result.clone()));
        assert!(!store.fail(&id, "late".into()), "terminal state is final");
        assert_eq!(store.result(&id), Ok(result));
        assert_eq!(store.active(), 0);
        assert_eq!(
            store.cancel(&id),
            CancelOutcome::AlreadyTerminal("Completed".into())
        );
    }

    #[test]
    fn cancel_frees_the_slot_and_blocks_completion() {
        let store = JobStore::new(10);
        let id = store.create("simulator", 1);
        assert_eq!(store.cancel(&id), CancelOutcome::Cancelled);
        assert_eq!(
            store.active(),
            0,
            "no slot leak on cancel (upstream leaks one)"
        );
        assert!(!store.complete(&id, JobResult::default()));
        assert_eq!(store.get(&id).unwrap().state(), JobState::Canceled);
        assert_eq!(
            store.cancel(&id),
            CancelOutcome::AlreadyTerminal("Cancelled".into())
        );
        assert_eq!(store.cancel("nope"), CancelOutcome::NotFound);
    }

    #[test]
    fn only_completed_jobs_expire() {
        let store = JobStore::new(10);
        let id = store.create("simulator", 1);
        assert_eq!(store.expire(&id), Some(JobState::Queued));
        store.complete(&id, JobResult::default());
        assert_eq!(store.expire(&id), Some(JobState::ResultExpired));
        assert_eq!(store.result(&id), Err(ResultError::NotCompleted));
        assert_eq!(
            store.cancel(&id),
            CancelOutcome::AlreadyTerminal("ResultExpired".into())
        );
        assert_eq!(store.expire("nope"), None);
    }

    #[test]
    fn failed_job_word_carries_message() {
        let store = JobStore::new(10);
        let id = store.create("simulator", 1);
        store.fail(&id, "boom".into());
        assert_eq!(store.result(&id), Err(ResultError::Failed("boom".into())));
        assert_eq!(
            store.cancel(&id),
            CancelOutcome::AlreadyTerminal("Failed: boom".into())
        );
    }

    #[test]
    fn eviction_prefers_oldest_terminal_job() {
        let store = JobStore::new(3);
        let a = store.create("simulator", 1);
        let b = store.create("simulator", 1);
        let c = store.create("simulator", 1);
        store.complete(&b, JobResult::default());
        let d = store.create("simulator", 1);
        assert!(store.get(&b).is_none(), "oldest terminal job evicted");
        assert!(store.get(&a).is_some() && store.get(&c).is_some() && store.get(&d).is_some());
        let e = store.create("simulator", 1);
        assert!(
            store.get(&a).is_none(),
            "no terminal job: oldest job evicted"
        );
        assert!(store.get(&e).is_some());
        assert_eq!(store.len(), 3);
        assert_eq!(store.active(), 3);
        assert_eq!(store.created(), 5);
    }
}
