//! Batch accounting: every input index ends in exactly one place, a result or a failure that
//! carries its index (and its job id when one is known), including on timeout, abort and
//! fail-fast; plus progress snapshots and the console progress bar.
//!
//! [`BatchLedger`] is generic over the result (`R`) and error (`E`) types so it is tested here with
//! plain values and used by the browser layer with `JobResult` / `ArvakError`.
//!
//! ## Input life cycle
//!
//! ```text
//!   Waiting ──begin_submit──► Submitting ──submitted(id)──► Submitted(id) ──succeed──► Result
//!      ▲                          │    └──reject(created)──► Failure{job_id: None}     └─fail──► Failure{job_id}
//!      └────────requeue───────────┘  (only when the failure proved nothing was created)
//! ```
//! `settle_rest` (timeout, abort, fail-fast) turns every unsettled input into a failure:
//! Waiting → [`JobExistence::NotCreated`], Submitting → [`JobExistence::MaybeCreated`] (the request
//! was in flight), Submitted → [`JobExistence::Created`] with its id (so the caller can still fetch
//! or cancel it). A job id that arrives after its input was settled is attached to the failure
//! ([`BatchLedger::submitted`] returns [`Recorded::AfterSettlement`]) so the caller can cancel it.
//!
//! ## Status rule ([`batch_status`])
//!
//! * `cancelled` — the caller aborted while at least one input was unsettled;
//! * `timed_out` — the batch timeout fired while at least one input was unsettled;
//! * otherwise by counts: `completed` when nothing failed (an empty batch included), `failed` when
//!   nothing succeeded, `partial` in between. Fail-fast is not a status of its own: the inputs it
//!   cut off are failures, so a fail-fast batch is `failed` or `partial`.
//!
//! ## SubmitBatch and orphaned jobs — what the batch manager should do
//!
//! SubmitBatch is not atomic (spec §6.2): a per-job rejection (rate limit, concurrency limit,
//! invalid circuit) aborts the request after the jobs before the rejected one were **created and
//! started**, and their ids are never returned. [`chunk_failure`] says, for a failed chunk, which
//! inputs may exist; those are reported as failures "submitted, id unknown"
//! ([`JobExistence::MaybeCreated`]) and are never resubmitted. The manager should make that case
//! (nearly) impossible rather than merely report it:
//!
//! 1. Default to **SubmitJob per circuit** (bounded concurrency, each reservation through the
//!    pacer): every failure is attributable to one input, and `RESOURCE_EXHAUSTED` is retried safely.
//!    The server's 100 jobs/s limit, not round trips, bounds throughput, so little is lost.
//! 2. Use **SubmitBatch chunks only where a chunk cannot be cut**: every circuit in it already
//!    accepted by this server once (the same text, backend and optimisation level — parse and
//!    complexity checks are deterministic), its size from [`super::pacer::SubmitPacer::reserve_chunk`]
//!    (≤ the free rate tokens) and at most the concurrency headroom
//!    (learned concurrency limit − jobs this batch has running − a margin). A chunk of one job is a
//!    SubmitJob in disguise and is always safe.
//! 3. After any chunk failure that [`chunk_failure`] marks as `may_exist`, fall back to SubmitJob
//!    for the rest of the batch.

use crate::logic::error::{clamp_f64, Code, ErrorKind};

use super::retry::{created_on_failure, Created, Reach};

/// What is known about the server-side job of a failed input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobExistence {
    /// No job was created for this input (rejected, or never sent): it may be submitted again.
    NotCreated,
    /// The job exists and its id is known (it failed, was cancelled, or was still unfinished).
    Created,
    /// A job may exist but its id is unknown (ambiguous submit failure, or part of a SubmitBatch
    /// that was cut part-way). Never resubmit it blindly: that could run it twice.
    MaybeCreated,
}

/// A failed input.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure<E> {
    /// The input's index in the batch.
    pub index: usize,
    /// Its job id, when one is known.
    pub job_id: Option<String>,
    /// What went wrong.
    pub error: E,
    /// Whether a server-side job exists.
    pub existence: JobExistence,
}

/// Where one input ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<R, E> {
    /// The job completed with this result.
    Result(R),
    /// It did not.
    Failure(Failure<E>),
}

/// How the batch as a whole ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchStatus {
    /// Every input has a result (also for an empty batch).
    Completed,
    /// Some results, some failures.
    Partial,
    /// Failures only.
    Failed,
    /// The batch timeout cut off unfinished inputs (listed as failures).
    TimedOut,
    /// The caller aborted while inputs were unfinished (listed as failures).
    Cancelled,
}

impl BatchStatus {
    /// `"completed"`, `"partial"`, `"failed"`, `"timed_out"` or `"cancelled"`.
    pub fn as_str(self) -> &'static str {
        match self {
            BatchStatus::Completed => "completed",
            BatchStatus::Partial => "partial",
            BatchStatus::Failed => "failed",
            BatchStatus::TimedOut => "timed_out",
            BatchStatus::Cancelled => "cancelled",
        }
    }
}

/// Why the batch manager stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchEnd {
    /// It ran to the end (including after a fail-fast cut).
    Finished,
    /// The batch timeout fired.
    TimedOut,
    /// The caller aborted.
    Cancelled,
}

/// The status rule (module docs): `cut` says whether any input was still unsettled when the batch
/// ended.
pub fn batch_status(end: BatchEnd, cut: bool, completed: usize, failed: usize) -> BatchStatus {
    match end {
        BatchEnd::Cancelled if cut => BatchStatus::Cancelled,
        BatchEnd::TimedOut if cut => BatchStatus::TimedOut,
        _ if failed == 0 => BatchStatus::Completed,
        _ if completed == 0 => BatchStatus::Failed,
        _ => BatchStatus::Partial,
    }
}

/// An immutable progress snapshot (a new value per callback, unlike the Python client's shared
/// mutable object). `completed + failed + running + pending == total` always.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchProgress {
    /// Inputs in the batch.
    pub total: usize,
    /// Inputs whose job was created with a known id so far (monotonic; includes finished ones).
    pub submitted: usize,
    /// Inputs with a result.
    pub completed: usize,
    /// Inputs that ended as failures.
    pub failed: usize,
    /// Unfinished inputs whose job exists (queued or running on the server).
    pub running: usize,
    /// Unfinished inputs without a job yet (waiting to be submitted, or being submitted).
    pub pending: usize,
    /// Time since the batch started.
    pub elapsed_ms: f64,
    /// Estimated time to the end, from the average time per finished input so far; `None` until
    /// an input has finished, 0 when all have.
    pub eta_ms: Option<f64>,
    /// `(completed + failed) / total × 100` (100 for an empty batch), so it reaches 100 % even
    /// when inputs fail.
    pub percent_complete: f64,
}

impl BatchProgress {
    /// Inputs that ended (result or failure).
    pub fn finished(&self) -> usize {
        self.completed + self.failed
    }

    /// Whether every input ended.
    pub fn is_complete(&self) -> bool {
        self.finished() >= self.total
    }

    /// `completed / (completed + failed) × 100`, 0 when nothing ended.
    pub fn success_rate(&self) -> f64 {
        match self.finished() {
            0 => 0.0,
            n => self.completed as f64 / n as f64 * 100.0,
        }
    }
}

/// The widest bar [`format_progress_bar`] draws.
pub const MAX_BAR_WIDTH: usize = 1000;

/// The seed's console bar (spec §13.9 `print_progress_bar`), e.g.
/// `[████████░░░░░░░░░░░░] 42.0% (21/50) | 3 running, 26 pending, 1 failed`.
///
/// The count is finished/total (like the percentage, failures included); the tail lists the
/// non-zero running, pending and failed counts, or `all completed`. No `\r` or newline: the
/// printing function adds those. `width` is capped at [`MAX_BAR_WIDTH`].
pub fn format_progress_bar(progress: &BatchProgress, width: usize) -> String {
    let width = width.min(MAX_BAR_WIDTH);
    let pct = if progress.percent_complete.is_finite() {
        clamp_f64(progress.percent_complete, 0.0, 100.0)
    } else {
        0.0
    };
    let filled = ((width as f64) * pct / 100.0).floor() as usize;
    let filled = filled.min(width);
    let mut status = String::new();
    for (n, what) in [
        (progress.running, " running"),
        (progress.pending, " pending"),
        (progress.failed, " failed"),
    ] {
        if n > 0 {
            if !status.is_empty() {
                status.push_str(", ");
            }
            status.push_str(&n.to_string());
            status.push_str(what);
        }
    }
    if status.is_empty() {
        status.push_str("all completed");
    }
    format!(
        "[{}{}] {}% ({}/{}) | {}",
        "█".repeat(filled),
        "░".repeat(width - filled),
        one_decimal(pct),
        progress.finished(),
        progress.total,
        status
    )
}

/// `x` with one decimal, as `format!("{:.1}", x)` writes it for `0 ≤ x ≤ 100` (ties to even),
/// with integer formatting only (precision formatting of floats costs the wasm several KB).
fn one_decimal(x: f64) -> String {
    let tenths = x * 10.0;
    let mut r = tenths.round();
    if (tenths - tenths.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
        r -= tenths.signum();
    }
    let r = clamp_f64(r, 0.0, 1_000_000.0) as u64;
    format!("{}.{}", r / 10, r % 10)
}

/// What a failed SubmitBatch chunk means for its inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkFailure {
    /// What the failure proves (see [`created_on_failure`]).
    pub created: Created,
    /// Inputs whose job may exist (report as failures with [`JobExistence::MaybeCreated`]; never
    /// resubmit).
    pub may_exist: Vec<usize>,
    /// Inputs that certainly have no job (may be submitted again).
    pub not_created: Vec<usize>,
}

impl ChunkFailure {
    /// The per-input explanation to put in each input's failure.
    pub fn explanation(&self) -> &'static str {
        match self.created {
            Created::No => {
                "the request was rejected before any job was created; the input can be \
                            submitted again"
            }
            Created::Prefix => {
                "submitted, id unknown: SubmitBatch was rejected part-way and is not \
                                atomic, so the jobs before the rejected one were created and are \
                                running, but the server returned no ids; this input was not \
                                resubmitted, to avoid running it twice"
            }
            Created::Unknown => {
                "submitted, id unknown: the SubmitBatch request failed after it was \
                                 sent, so its jobs may have been created; this input was not \
                                 resubmitted, to avoid running it twice"
            }
        }
    }
}

/// Which inputs of a failed SubmitBatch chunk may exist. `chunk` holds the batch indices of the
/// request's jobs in request order; `code`/`kind`/`reach` describe the failure.
pub fn chunk_failure(chunk: &[usize], code: Code, kind: ErrorKind, reach: Reach) -> ChunkFailure {
    let created = created_on_failure(chunk.len(), code, kind, reach);
    let (may_exist, not_created) = if created.may_exist() {
        (chunk.to_vec(), Vec::new())
    } else {
        (Vec::new(), chunk.to_vec())
    };
    ChunkFailure {
        created,
        may_exist,
        not_created,
    }
}

/// A misuse of the ledger (a bug in the caller, or a late event for a settled input).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerError {
    /// No such input.
    IndexOutOfRange {
        /// The index.
        index: usize,
        /// Inputs in the batch.
        total: usize,
    },
    /// The input has ended already.
    AlreadySettled {
        /// The index.
        index: usize,
    },
    /// The input is not in a state that allows this event.
    WrongState {
        /// The index.
        index: usize,
        /// Its state (`"waiting"`, `"submitting"`, `"submitted"`).
        state: &'static str,
        /// The event (`"succeed"`, …).
        event: &'static str,
    },
}

impl std::fmt::Display for LedgerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LedgerError::IndexOutOfRange { index, total } => {
                write!(f, "batch input {index} does not exist (batch of {total})")
            }
            LedgerError::AlreadySettled { index } => {
                write!(f, "batch input {index} has already ended")
            }
            LedgerError::WrongState {
                index,
                state,
                event,
            } => write!(f, "batch input {index} is {state}; cannot {event}"),
        }
    }
}

impl std::error::Error for LedgerError {}

/// What [`BatchLedger::submitted`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The input is now running.
    Running,
    /// The input had already ended (timeout, abort, fail-fast) while its submission was in flight:
    /// the id was attached to its failure (now [`JobExistence::Created`]). The caller should
    /// cancel the job if it no longer wants it.
    AfterSettlement,
}

/// An unsettled input, as seen by the error constructor of [`BatchLedger::settle_rest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsettled<'a> {
    /// Never sent.
    Waiting,
    /// Its submission was in flight.
    Submitting,
    /// Its job exists.
    Submitted {
        /// The job id.
        job_id: &'a str,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Slot<R, E> {
    Waiting,
    Submitting,
    Submitted(String),
    Settled(Outcome<R, E>),
}

impl<R, E> Slot<R, E> {
    fn name(&self) -> &'static str {
        match self {
            Slot::Waiting => "waiting",
            Slot::Submitting => "submitting",
            Slot::Submitted(_) => "submitted",
            Slot::Settled(_) => "settled",
        }
    }
}

/// The final account of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchReport<R, E> {
    /// One entry per input index: its result, or `None` when it failed.
    pub results: Vec<Option<R>>,
    /// The failures, ascending by index. Every index is in exactly one of the two lists.
    pub failures: Vec<Failure<E>>,
    /// How the batch ended.
    pub status: BatchStatus,
    /// The final progress.
    pub progress: BatchProgress,
    /// Start to finish.
    pub total_time_ms: f64,
    /// Inputs with a result.
    pub success_count: usize,
    /// Inputs that failed.
    pub failure_count: usize,
}

/// The accounting of one batch (see the module docs).
#[derive(Debug, Clone)]
pub struct BatchLedger<R, E> {
    started_ms: f64,
    slots: Vec<Slot<R, E>>,
    submitted: usize,
    completed: usize,
    failed: usize,
    running: usize,
}

impl<R, E> BatchLedger<R, E> {
    /// A batch of `total` inputs, all waiting, started at `now_ms`.
    pub fn new(total: usize, now_ms: f64) -> Self {
        BatchLedger {
            started_ms: now_ms,
            slots: (0..total).map(|_| Slot::Waiting).collect(),
            submitted: 0,
            completed: 0,
            failed: 0,
            running: 0,
        }
    }

    /// Inputs in the batch.
    pub fn total(&self) -> usize {
        self.slots.len()
    }

    /// When the batch started.
    pub fn started_ms(&self) -> f64 {
        self.started_ms
    }

    fn slot(&mut self, index: usize) -> Result<&mut Slot<R, E>, LedgerError> {
        let total = self.slots.len();
        self.slots
            .get_mut(index)
            .ok_or(LedgerError::IndexOutOfRange { index, total })
    }

    fn wrong(index: usize, slot: &Slot<R, E>, event: &'static str) -> LedgerError {
        match slot {
            Slot::Settled(_) => LedgerError::AlreadySettled { index },
            other => LedgerError::WrongState {
                index,
                state: other.name(),
                event,
            },
        }
    }

    /// Waiting → Submitting: the submission request is about to be sent.
    pub fn begin_submit(&mut self, index: usize) -> Result<(), LedgerError> {
        let slot = self.slot(index)?;
        match slot {
            Slot::Waiting => {
                *slot = Slot::Submitting;
                Ok(())
            }
            other => Err(Self::wrong(index, other, "begin_submit")),
        }
    }

    /// Submitting → Waiting: the submission failed in a way that proves nothing was created
    /// ([`Created::No`]) and the input will be submitted again.
    pub fn requeue(&mut self, index: usize) -> Result<(), LedgerError> {
        let slot = self.slot(index)?;
        match slot {
            Slot::Submitting => {
                *slot = Slot::Waiting;
                Ok(())
            }
            other => Err(Self::wrong(index, other, "requeue")),
        }
    }

    /// The input's job was created with `job_id` (from Waiting or Submitting). If the input was
    /// settled meanwhile as "maybe created", the id is attached to its failure instead
    /// ([`Recorded::AfterSettlement`]).
    pub fn submitted(
        &mut self,
        index: usize,
        job_id: impl Into<String>,
    ) -> Result<Recorded, LedgerError> {
        let slot = self.slot(index)?;
        match slot {
            Slot::Waiting | Slot::Submitting => {
                *slot = Slot::Submitted(job_id.into());
                self.submitted += 1;
                self.running += 1;
                Ok(Recorded::Running)
            }
            Slot::Settled(Outcome::Failure(f))
                if f.existence == JobExistence::MaybeCreated && f.job_id.is_none() =>
            {
                f.job_id = Some(job_id.into());
                f.existence = JobExistence::Created;
                self.submitted += 1;
                Ok(Recorded::AfterSettlement)
            }
            other => Err(Self::wrong(index, other, "record a job id")),
        }
    }

    /// The input's job completed with `result`.
    pub fn succeed(&mut self, index: usize, result: R) -> Result<(), LedgerError> {
        let slot = self.slot(index)?;
        match slot {
            Slot::Submitted(_) => {
                *slot = Slot::Settled(Outcome::Result(result));
                self.running -= 1;
                self.completed += 1;
                Ok(())
            }
            other => Err(Self::wrong(index, other, "succeed")),
        }
    }

    /// The input's job (which exists) failed, was cancelled, or could not be waited for.
    pub fn fail(&mut self, index: usize, error: E) -> Result<(), LedgerError> {
        let slot = self.slot(index)?;
        match slot {
            Slot::Submitted(id) => {
                let job_id = Some(std::mem::take(id));
                *slot = Slot::Settled(Outcome::Failure(Failure {
                    index,
                    job_id,
                    error,
                    existence: JobExistence::Created,
                }));
                self.running -= 1;
                self.failed += 1;
                Ok(())
            }
            other => Err(Self::wrong(index, other, "fail")),
        }
    }

    /// The input's submission failed (from Waiting or Submitting); `created` says whether a job
    /// may exist ([`super::retry::created_on_failure`], [`chunk_failure`]).
    pub fn reject(&mut self, index: usize, error: E, created: Created) -> Result<(), LedgerError> {
        let slot = self.slot(index)?;
        match slot {
            Slot::Waiting | Slot::Submitting => {
                *slot = Slot::Settled(Outcome::Failure(Failure {
                    index,
                    job_id: None,
                    error,
                    existence: if created.may_exist() {
                        JobExistence::MaybeCreated
                    } else {
                        JobExistence::NotCreated
                    },
                }));
                self.failed += 1;
                Ok(())
            }
            other => Err(Self::wrong(index, other, "reject")),
        }
    }

    /// Ends every unsettled input as a failure (timeout, abort, fail-fast), with the error
    /// `make_error(index, state)` builds. Returns how many were settled.
    pub fn settle_rest(&mut self, mut make_error: impl FnMut(usize, Unsettled<'_>) -> E) -> usize {
        let mut n = 0;
        for (index, slot) in self.slots.iter_mut().enumerate() {
            let (job_id, existence, error) = match slot {
                Slot::Settled(_) => continue,
                Slot::Waiting => (
                    None,
                    JobExistence::NotCreated,
                    make_error(index, Unsettled::Waiting),
                ),
                Slot::Submitting => (
                    None,
                    JobExistence::MaybeCreated,
                    make_error(index, Unsettled::Submitting),
                ),
                Slot::Submitted(id) => {
                    let e = make_error(index, Unsettled::Submitted { job_id: id });
                    self.running -= 1;
                    (Some(std::mem::take(id)), JobExistence::Created, e)
                }
            };
            *slot = Slot::Settled(Outcome::Failure(Failure {
                index,
                job_id,
                error,
                existence,
            }));
            self.failed += 1;
            n += 1;
        }
        n
    }

    /// Inputs not ended yet.
    pub fn unsettled(&self) -> usize {
        self.slots.len() - self.completed - self.failed
    }

    /// Whether every input has ended.
    pub fn is_settled(&self) -> bool {
        self.unsettled() == 0
    }

    /// Indices waiting to be submitted, ascending.
    pub fn waiting(&self) -> Vec<usize> {
        self.indices(|s| matches!(s, Slot::Waiting))
    }

    /// Indices whose submission is in flight, ascending.
    pub fn submitting(&self) -> Vec<usize> {
        self.indices(|s| matches!(s, Slot::Submitting))
    }

    fn indices(&self, pred: impl Fn(&Slot<R, E>) -> bool) -> Vec<usize> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| pred(s))
            .map(|(i, _)| i)
            .collect()
    }

    /// Running jobs (index, job id), ascending: what to wait for, or to cancel on fail-fast.
    pub fn running_jobs(&self) -> Vec<(usize, &str)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match s {
                Slot::Submitted(id) => Some((i, id.as_str())),
                _ => None,
            })
            .collect()
    }

    /// The job id of an input, when known.
    pub fn job_id(&self, index: usize) -> Option<&str> {
        match self.slots.get(index)? {
            Slot::Submitted(id) => Some(id),
            Slot::Settled(Outcome::Failure(f)) => f.job_id.as_deref(),
            _ => None,
        }
    }

    /// Where an input ended, if it has.
    pub fn outcome(&self, index: usize) -> Option<&Outcome<R, E>> {
        match self.slots.get(index)? {
            Slot::Settled(o) => Some(o),
            _ => None,
        }
    }

    /// A progress snapshot at `now_ms`.
    pub fn progress(&self, now_ms: f64) -> BatchProgress {
        let total = self.slots.len();
        let finished = self.completed + self.failed;
        let elapsed_ms = (now_ms - self.started_ms).max(0.0);
        let eta_ms = match finished {
            n if n >= total => Some(0.0),
            0 => None,
            n => Some(elapsed_ms / n as f64 * (total - n) as f64),
        };
        BatchProgress {
            total,
            submitted: self.submitted,
            completed: self.completed,
            failed: self.failed,
            running: self.running,
            pending: total - finished - self.running,
            elapsed_ms,
            eta_ms,
            percent_complete: if total == 0 {
                100.0
            } else {
                finished as f64 / total as f64 * 100.0
            },
        }
    }

    /// Closes the account: settles whatever is unfinished with `make_error` (see
    /// [`BatchLedger::settle_rest`]), decides the status ([`batch_status`]) and splits the outcomes
    /// into results by index and failures.
    pub fn finish(
        mut self,
        end: BatchEnd,
        now_ms: f64,
        make_error: impl FnMut(usize, Unsettled<'_>) -> E,
    ) -> BatchReport<R, E> {
        let cut = self.settle_rest(make_error) > 0;
        let progress = self.progress(now_ms);
        let status = batch_status(end, cut, self.completed, self.failed);
        let mut results = Vec::with_capacity(self.slots.len());
        let mut failures = Vec::new();
        for slot in self.slots {
            match slot {
                Slot::Settled(Outcome::Result(r)) => results.push(Some(r)),
                Slot::Settled(Outcome::Failure(f)) => {
                    results.push(None);
                    failures.push(f);
                }
                // settle_rest left nothing unsettled; keep the count exact regardless.
                Slot::Waiting | Slot::Submitting | Slot::Submitted(_) => results.push(None),
            }
        }
        BatchReport {
            success_count: self.completed,
            failure_count: failures.len(),
            results,
            failures,
            status,
            progress,
            total_time_ms: progress.elapsed_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resilience::rng::SplitMix64;

    type Ledger = BatchLedger<String, String>;

    fn err(i: usize, s: Unsettled<'_>) -> String {
        match s {
            Unsettled::Waiting => format!("{i}: not submitted"),
            Unsettled::Submitting => format!("{i}: submit in flight"),
            Unsettled::Submitted { job_id } => format!("{i}: {job_id} unfinished"),
        }
    }

    /// Every index in exactly one place, counts consistent.
    fn check_report(r: &BatchReport<String, String>, total: usize) {
        assert_eq!(r.results.len(), total);
        let mut seen = vec![0; total];
        for (i, res) in r.results.iter().enumerate() {
            if res.is_some() {
                seen[i] += 1;
            }
        }
        let mut last = None;
        for f in &r.failures {
            seen[f.index] += 1;
            assert!(last < Some(f.index), "failures sorted and unique");
            last = Some(f.index);
            assert_eq!(f.job_id.is_some(), f.existence == JobExistence::Created);
        }
        assert!(seen.iter().all(|&n| n == 1), "{seen:?}");
        assert_eq!(r.success_count + r.failure_count, total);
        assert_eq!(r.progress.completed, r.success_count);
        assert_eq!(r.progress.failed, r.failure_count);
        assert_eq!(r.progress.running + r.progress.pending, 0);
        assert_eq!(r.progress.percent_complete, 100.0);
    }

    #[test]
    fn happy_path_with_progress() {
        let mut l = Ledger::new(4, 1000.0);
        let p = l.progress(1000.0);
        assert_eq!(
            (
                p.total,
                p.submitted,
                p.completed,
                p.failed,
                p.running,
                p.pending
            ),
            (4, 0, 0, 0, 0, 4)
        );
        assert_eq!(p.eta_ms, None);
        assert_eq!(p.percent_complete, 0.0);
        for i in 0..4 {
            l.begin_submit(i).unwrap();
            assert_eq!(l.submitted(i, format!("j{i}")), Ok(Recorded::Running));
        }
        assert_eq!(l.progress(1100.0).running, 4);
        l.succeed(2, "r2".into()).unwrap();
        let p = l.progress(1200.0);
        assert_eq!((p.completed, p.running, p.pending), (1, 3, 0));
        assert_eq!(p.elapsed_ms, 200.0);
        assert_eq!(p.eta_ms, Some(600.0)); // 200 ms per input × 3 left
        assert_eq!(p.percent_complete, 25.0);
        for i in [0, 1, 3] {
            l.succeed(i, format!("r{i}")).unwrap();
        }
        assert_eq!(l.progress(1400.0).eta_ms, Some(0.0));
        let r = l.finish(BatchEnd::Finished, 1400.0, err);
        check_report(&r, 4);
        assert_eq!(r.status, BatchStatus::Completed);
        assert_eq!(
            r.results,
            ["r0", "r1", "r2", "r3"]
                .map(|s| Some(s.to_owned()))
                .to_vec()
        );
        assert_eq!(r.total_time_ms, 400.0);
        assert_eq!(r.progress.submitted, 4);
    }

    #[test]
    fn failures_keep_index_job_id_and_existence() {
        let mut l = Ledger::new(5, 0.0);
        // 0: invalid circuit at submit → not created.
        l.begin_submit(0).unwrap();
        l.reject(0, "invalid".into(), Created::No).unwrap();
        // 1: ambiguous submit failure → maybe created.
        l.begin_submit(1).unwrap();
        l.reject(1, "unavailable".into(), Created::Unknown).unwrap();
        // 2: job failed on the server.
        l.submitted(2, "j2").unwrap();
        l.fail(2, "job failed".into()).unwrap();
        // 3: result; 4: rate-limited, requeued, then fine.
        l.submitted(3, "j3").unwrap();
        l.succeed(3, "r3".into()).unwrap();
        l.begin_submit(4).unwrap();
        l.requeue(4).unwrap();
        assert_eq!(l.waiting(), [4]);
        l.begin_submit(4).unwrap();
        assert_eq!(l.submitting(), [4]);
        l.submitted(4, "j4").unwrap();
        l.succeed(4, "r4".into()).unwrap();
        assert_eq!(l.job_id(2), Some("j2"));
        assert_eq!(l.job_id(1), None);
        assert!(matches!(l.outcome(3), Some(Outcome::Result(r)) if r == "r3"));
        let r = l.finish(BatchEnd::Finished, 10.0, err);
        check_report(&r, 5);
        assert_eq!(r.status, BatchStatus::Partial);
        let f: Vec<_> = r
            .failures
            .iter()
            .map(|f| (f.index, f.job_id.as_deref(), f.existence))
            .collect();
        assert_eq!(
            f,
            [
                (0, None, JobExistence::NotCreated),
                (1, None, JobExistence::MaybeCreated),
                (2, Some("j2"), JobExistence::Created),
            ]
        );
        assert_eq!(r.progress.submitted, 3);
    }

    #[test]
    fn timeout_lists_every_unfinished_input() {
        let mut l = Ledger::new(6, 0.0);
        l.submitted(0, "j0").unwrap();
        l.succeed(0, "r0".into()).unwrap();
        l.submitted(1, "j1").unwrap(); // running at timeout
        l.begin_submit(2).unwrap(); // submit in flight at timeout
                                    // 3, 4, 5 never submitted.
        assert_eq!(l.running_jobs(), [(1, "j1")]);
        let r = l.finish(BatchEnd::TimedOut, 5000.0, err);
        check_report(&r, 6);
        assert_eq!(r.status, BatchStatus::TimedOut);
        let f: Vec<_> = r
            .failures
            .iter()
            .map(|f| (f.index, f.job_id.as_deref(), f.existence, f.error.as_str()))
            .collect();
        assert_eq!(
            f,
            [
                (1, Some("j1"), JobExistence::Created, "1: j1 unfinished"),
                (2, None, JobExistence::MaybeCreated, "2: submit in flight"),
                (3, None, JobExistence::NotCreated, "3: not submitted"),
                (4, None, JobExistence::NotCreated, "4: not submitted"),
                (5, None, JobExistence::NotCreated, "5: not submitted"),
            ]
        );
    }

    #[test]
    fn abort_is_cancelled_only_if_something_was_cut() {
        let mut l = Ledger::new(2, 0.0);
        l.submitted(0, "a").unwrap();
        let r = l.finish(BatchEnd::Cancelled, 1.0, err);
        check_report(&r, 2);
        assert_eq!(r.status, BatchStatus::Cancelled);
        // Everything had ended when the abort came: status by counts.
        let mut l = Ledger::new(1, 0.0);
        l.submitted(0, "a").unwrap();
        l.succeed(0, "r".into()).unwrap();
        assert_eq!(
            l.finish(BatchEnd::Cancelled, 1.0, err).status,
            BatchStatus::Completed
        );
        let mut l = Ledger::new(1, 0.0);
        l.submitted(0, "a").unwrap();
        l.fail(0, "x".into()).unwrap();
        assert_eq!(
            l.finish(BatchEnd::TimedOut, 1.0, err).status,
            BatchStatus::Failed
        );
    }

    #[test]
    fn fail_fast_then_late_job_id() {
        let mut l = Ledger::new(4, 0.0);
        l.submitted(0, "j0").unwrap();
        l.fail(0, "boom".into()).unwrap();
        l.submitted(1, "j1").unwrap();
        l.begin_submit(2).unwrap();
        // Fail-fast: cancel the running job, settle everything else.
        let to_cancel: Vec<String> = l
            .running_jobs()
            .iter()
            .map(|(_, id)| id.to_string())
            .collect();
        assert_eq!(to_cancel, ["j1"]);
        assert_eq!(
            l.settle_rest(|i, _| format!("{i}: cancelled by failFast")),
            3
        );
        assert!(l.is_settled());
        // The in-flight submission of input 2 answers after all: the id is attached.
        assert_eq!(l.submitted(2, "j2"), Ok(Recorded::AfterSettlement));
        assert_eq!(l.job_id(2), Some("j2"));
        // A second id, or an id for a never-sent input, is a caller bug.
        assert_eq!(
            l.submitted(2, "again"),
            Err(LedgerError::AlreadySettled { index: 2 })
        );
        assert_eq!(
            l.submitted(3, "j3"),
            Err(LedgerError::AlreadySettled { index: 3 })
        );
        let r = l.finish(BatchEnd::Finished, 10.0, err);
        check_report(&r, 4);
        assert_eq!(r.status, BatchStatus::Failed);
        assert_eq!(r.failures[2].existence, JobExistence::Created);
        assert_eq!(r.progress.submitted, 3);
    }

    #[test]
    fn misuse_is_reported_not_panicked() {
        let mut l = Ledger::new(2, 0.0);
        assert_eq!(
            l.succeed(5, "x".into()),
            Err(LedgerError::IndexOutOfRange { index: 5, total: 2 })
        );
        assert_eq!(
            l.succeed(0, "x".into()),
            Err(LedgerError::WrongState {
                index: 0,
                state: "waiting",
                event: "succeed"
            })
        );
        assert!(l.fail(0, "x".into()).is_err());
        assert!(l.requeue(0).is_err());
        l.begin_submit(0).unwrap();
        assert!(l.begin_submit(0).is_err());
        l.submitted(0, "j").unwrap();
        assert!(l.submitted(0, "j").is_err());
        assert!(l.reject(0, "x".into(), Created::No).is_err());
        l.succeed(0, "r".into()).unwrap();
        assert_eq!(
            l.succeed(0, "r".into()),
            Err(LedgerError::AlreadySettled { index: 0 })
        );
        assert!(l.fail(0, "x".into()).is_err());
        assert!(LedgerError::AlreadySettled { index: 0 }
            .to_string()
            .contains("already ended"));
        assert!(LedgerError::IndexOutOfRange { index: 9, total: 2 }
            .to_string()
            .contains("9"));
        assert!(l.outcome(1).is_none() && l.outcome(9).is_none() && l.job_id(9).is_none());
    }

    #[test]
    fn empty_batch() {
        let l = Ledger::new(0, 0.0);
        let p = l.progress(0.0);
        assert_eq!(p.percent_complete, 100.0);
        assert_eq!(p.eta_ms, Some(0.0));
        assert!(p.is_complete());
        let r = l.finish(BatchEnd::TimedOut, 0.0, err);
        assert_eq!(r.status, BatchStatus::Completed);
        assert!(r.results.is_empty() && r.failures.is_empty());
    }

    #[test]
    fn status_rule_table() {
        use BatchEnd as E;
        use BatchStatus as S;
        for (end, cut, ok, bad, want) in [
            (E::Finished, false, 3, 0, S::Completed),
            (E::Finished, false, 0, 0, S::Completed),
            (E::Finished, false, 0, 3, S::Failed),
            (E::Finished, false, 2, 1, S::Partial),
            (E::Finished, true, 2, 1, S::Partial), // fail-fast cut: by counts
            (E::TimedOut, true, 2, 1, S::TimedOut),
            (E::TimedOut, false, 2, 1, S::Partial),
            (E::Cancelled, true, 0, 5, S::Cancelled),
            (E::Cancelled, false, 5, 0, S::Completed),
        ] {
            assert_eq!(
                batch_status(end, cut, ok, bad),
                want,
                "{end:?} {cut} {ok} {bad}"
            );
        }
        for (status, name) in [
            (S::Completed, "completed"),
            (S::Partial, "partial"),
            (S::Failed, "failed"),
            (S::TimedOut, "timed_out"),
            (S::Cancelled, "cancelled"),
        ] {
            assert_eq!(status.as_str(), name);
        }
    }

    fn snapshot(total: usize, completed: usize, failed: usize, running: usize) -> BatchProgress {
        let finished = completed + failed;
        BatchProgress {
            total,
            submitted: completed + failed + running,
            completed,
            failed,
            running,
            pending: total - finished - running,
            elapsed_ms: 0.0,
            eta_ms: None,
            percent_complete: if total == 0 {
                100.0
            } else {
                finished as f64 * 100.0 / total as f64
            },
        }
    }

    #[test]
    fn progress_bar_like_the_seed() {
        assert_eq!(
            format_progress_bar(&snapshot(50, 20, 1, 3), 20),
            "[████████░░░░░░░░░░░░] 42.0% (21/50) | 3 running, 26 pending, 1 failed"
        );
        assert_eq!(
            format_progress_bar(&snapshot(4, 4, 0, 0), 8),
            "[████████] 100.0% (4/4) | all completed"
        );
        assert_eq!(
            format_progress_bar(&snapshot(4, 3, 1, 0), 8),
            "[████████] 100.0% (4/4) | 1 failed"
        );
        assert_eq!(
            format_progress_bar(&snapshot(3, 0, 0, 0), 5),
            "[░░░░░] 0.0% (0/3) | 3 pending"
        );
        assert_eq!(
            format_progress_bar(&snapshot(3, 1, 0, 0), 0),
            "[] 33.3% (1/3) | 2 pending"
        );
        assert_eq!(
            format_progress_bar(&snapshot(0, 0, 0, 0), 4),
            "[████] 100.0% (0/0) | all completed"
        );
        // Width is capped, garbage percentages do not panic.
        let s = format_progress_bar(&snapshot(2, 1, 0, 1), usize::MAX);
        assert_eq!(
            s.chars().filter(|&c| c == '█' || c == '░').count(),
            MAX_BAR_WIDTH
        );
        let mut odd = snapshot(2, 1, 0, 1);
        odd.percent_complete = f64::NAN;
        assert!(format_progress_bar(&odd, 4).starts_with("[░░░░] 0.0%"));
        odd.percent_complete = 250.0;
        assert!(format_progress_bar(&odd, 4).starts_with("[████] 100.0%"));
    }

    #[test]
    fn one_decimal_matches_float_formatting_for_progress_values() {
        // Every percentage a batch of up to 1000 inputs can show, as the ledger computes it.
        let mut mismatches = 0;
        for total in 1..=1000u32 {
            for finished in 0..=total {
                let pct = f64::from(finished) * 100.0 / f64::from(total);
                if one_decimal(pct) != format!("{pct:.1}") {
                    mismatches += 1;
                }
            }
        }
        assert_eq!(mismatches, 0);
        assert_eq!(one_decimal(0.0), "0.0");
        assert_eq!(one_decimal(100.0), "100.0");
        assert_eq!(one_decimal(99.96), "100.0");
        assert_eq!(one_decimal(12.25), "12.2");
    }

    #[test]
    fn progress_helpers() {
        let p = snapshot(10, 3, 1, 2);
        assert_eq!(p.finished(), 4);
        assert!(!p.is_complete());
        assert_eq!(p.success_rate(), 75.0);
        assert_eq!(snapshot(1, 0, 0, 0).success_rate(), 0.0);
    }

    #[test]
    fn chunk_failures_say_which_inputs_may_exist() {
        use crate::logic::error::{classify, Rpc};
        let chunk = [7, 8, 9];
        let cf = |code: Code, reach: Reach, c: &[usize]| {
            chunk_failure(c, code, classify(code, Rpc::SubmitBatch, "x"), reach)
        };
        // Rejected part-way: a prefix exists, which one is unknown → all may exist.
        for code in [Code::ResourceExhausted, Code::InvalidArgument] {
            let f = cf(code, Reach::Sent, &chunk);
            assert_eq!(f.created, Created::Prefix);
            assert_eq!(f.may_exist, chunk);
            assert!(f.not_created.is_empty());
            assert!(f.explanation().contains("submitted, id unknown"));
        }
        // Ambiguous.
        let f = cf(Code::Unavailable, Reach::Sent, &chunk);
        assert_eq!(f.created, Created::Unknown);
        assert_eq!(f.may_exist, chunk);
        assert!(f.explanation().contains("after it was sent"));
        // Backend unknown / auth: checked before any job.
        for code in [Code::NotFound, Code::Unauthenticated] {
            let f = cf(code, Reach::Sent, &chunk);
            assert_eq!(f.not_created, chunk);
            assert!(f.may_exist.is_empty());
            assert!(f.explanation().contains("submitted again"));
        }
        // A one-job chunk rejected by the rate limit created nothing.
        assert_eq!(
            cf(Code::ResourceExhausted, Reach::Sent, &[4]).not_created,
            [4]
        );
        // Never sent.
        assert_eq!(
            cf(Code::Unavailable, Reach::NotSent, &chunk).not_created,
            chunk
        );
    }

    /// Property: random interleavings of every event, random ends; the report always accounts
    /// for each input exactly once and progress always sums to the total.
    #[test]
    fn exactly_once_under_random_interleavings() {
        let mut rng = SplitMix64::new(0xBA7C);
        for case in 0..300 {
            let total = rng.below(40) as usize;
            let mut l = Ledger::new(total, 0.0);
            let mut now = 0.0;
            let steps = rng.below(200);
            for _ in 0..steps {
                now += rng.below(10) as f64;
                if total == 0 {
                    break;
                }
                let i = rng.below(total as u64 + 1) as usize; // sometimes out of range
                let _ = match rng.below(8) {
                    0 => l.begin_submit(i),
                    1 => l.submitted(i, format!("j{i}")).map(|_| ()),
                    2 => l.succeed(i, format!("r{i}")),
                    3 => l.fail(i, format!("f{i}")),
                    4 => l.reject(
                        i,
                        format!("x{i}"),
                        [Created::No, Created::Unknown][rng.below(2) as usize],
                    ),
                    5 => l.requeue(i),
                    6 if rng.chance(0.05) => {
                        l.settle_rest(err);
                        Ok(())
                    }
                    _ => Ok(()),
                };
                let p = l.progress(now);
                assert_eq!(
                    p.completed + p.failed + p.running + p.pending,
                    total,
                    "case {case}"
                );
                assert!(p.submitted >= p.completed, "case {case}");
                assert!((0.0..=100.0).contains(&p.percent_complete));
            }
            let end = [BatchEnd::Finished, BatchEnd::TimedOut, BatchEnd::Cancelled]
                [rng.below(3) as usize];
            let r = l.finish(end, now, err);
            check_report(&r, total);
        }
    }
}
