//! [`BatchJobManager`]: many circuits, every input accounted for exactly once
//! ([`crate::resilience::BatchLedger`]).
//!
//! How a batch runs:
//!
//! * **Submission**: `max_workers` submit loops take inputs in order. Each request goes through the
//!   client's call pipeline, so the submit pacer keeps job creation under the server's per-IP rate
//!   limit (configured with `max_submits_per_second` or learned from the first
//!   `RESOURCE_EXHAUSTED`), the circuit breaker and the retry policy apply, and a submit is retried
//!   only when the failure proves nothing was created. A submission rejected for throttling
//!   (rate, concurrency or queue limit — nothing created) goes back to the queue, up to
//!   [`MAX_REQUEUES`] times. **SubmitBatch chunks** are used only where a chunk cannot be cut
//!   part-way (SubmitBatch is not atomic, spec §6.2): once the rate limit is known, for circuits this
//!   batch has already had accepted (same text, format and optimisation level: the parse and
//!   complexity checks are deterministic), at most as many jobs as fit the rate window (the pacer
//!   waits until the whole chunk fits) and the estimated concurrency headroom; each chunk goes out
//!   alone, sized by [`ChunkRoom`] from the jobs answered within the last window, since the
//!   browser may hold a request for a connection longer than the pacer's margin. After any chunk
//!   failure that may have created jobs, the rest of the batch uses SubmitJob only.
//! * **Waiting**: `max_workers` wait loops take submitted jobs in order: first an optimistic
//!   GetJobResult (most short jobs are done by then: one call), else
//!   [`ArvakClient::wait_for_job`] — a WatchJob stream while fewer than `max_streams` streams are
//!   open on the client, polling otherwise. So a batch never holds more than a few of the
//!   browser's six HTTP/1.1 connections per origin. Every read of a submitted job is an **owned
//!   read** ([`crate::resilience::owned`]): transient failures are retried until the batch's
//!   `timeout_ms` or signal, paced by the retry budget and the breaker, never dropped, so every
//!   job that was created delivers its result.
//! * **Stopping**: the `AbortSignal` or the client's `close()` drop everything in flight at once
//!   (requests, sleeps, streams, timers) and nothing more is sent; the failures carry the job ids,
//!   so the caller can cancel them. The batch `timeout_ms` and — with `fail_fast` — the first
//!   failure stop new submissions and all waits at once, let submissions already on the wire
//!   finish (so their jobs are known rather than "maybe created"), then cancel every job that
//!   exists and has not finished (CancelJob); both phases together are bounded by
//!   [`CANCEL_BUDGET_MS`].
//! * **Accounting**: every input ends as a result (by index) or a failure with its index, its job id
//!   when known, and whether a job exists (`created`, `not_created`, `maybe_created`).

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;

use super::client::{ArvakClient, CallOptions};
use super::env::{first, join_all, now_ms, sleep, timer, wall_now_ms, Either, Task};
use super::future::JobFuture;
use super::guard::Guard;
use super::journal::BatchJournal;
use super::resilience::CallFailure;
use super::wait::WaitOptions;
use crate::logic::data::{BatchCircuit, Circuit, JobResult};
use crate::logic::deadline::{parse_timeout_ms, Deadline};
use crate::logic::error::{describe_ms, ArvakError, Code, ErrorKind};
use crate::logic::journal::{RelayedRequest, ResumePlan};
use crate::logic::relay::{self, RelayTag, Relayed};
use crate::logic::sync::{CancelToken, Notify};
use crate::logic::wait::Strategy;
use crate::resilience::{
    chunk_failure, created_on_failure, BatchEnd, BatchLedger, BatchProgress, BatchReport,
    ChunkRoom, Created, Reach, Throttle, Unsettled,
};

/// How often the other submit loops look again while a chunk goes out alone.
const CHUNK_ALONE_PAUSE_MS: f64 = 5.0;

/// How often one input may go back to the queue after a throttling rejection.
pub const MAX_REQUEUES: u8 = 10;

/// How long cancelling unfinished jobs after a timeout or fail-fast may take in all.
pub const CANCEL_BUDGET_MS: f64 = 5_000.0;

/// Whether a relayed call failed without an answer from the relay ([`relay::Verdict`]).
fn no_answer(f: &CallFailure) -> bool {
    let marker = f
        .error
        .metadata
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(relay::ANSWER_HEADER))
        .map(|(_, v)| v.as_str());
    relay::Verdict::of(marker) == relay::Verdict::NoAnswer
}

/// The pause before a replay that was stopped before reaching the relay is tried again.
const REPLAY_PAUSE_MS: f64 = 250.0;

/// How often a journaled batch looks again whether the page is still being left.
const LEAVING_PAUSE_MS: f64 = 100.0;

/// The server's concurrency limit assumed until a rejection reveals it (spec §11 default).
const ASSUMED_CONCURRENCY_LIMIT: u32 = 100;

/// Concurrent submissions and concurrent waits of a manager by default. More workers put more
/// requests in flight (500 instant jobs over HTTP/1.1: 118 / 128 / 142 jobs/s with 10 / 32 / 100),
/// but the browser queues what its six connections per origin cannot carry: the page's other calls
/// wait behind a batch, and an abort takes longer to silence the wire (with 50, Firefox still sent
/// a call 120 ms after the signal fired).
pub const DEFAULT_MAX_WORKERS: usize = 10;

/// Settings of a manager.
#[derive(Debug, Clone, Copy)]
pub struct ManagerOptions {
    /// Concurrent submissions, and concurrent waits (default [`DEFAULT_MAX_WORKERS`]).
    pub max_workers: usize,
    /// The largest SubmitBatch chunk (default 25; 1: SubmitJob only).
    pub submit_batch_size: u32,
    /// The server's per-IP job rate, if known (default: learned from its first rejection).
    pub max_submits_per_second: Option<u32>,
    /// WatchJob streams this manager's waits may keep open (default `None`: the client's cap —
    /// 2 on HTTP/1.1, more on HTTP/2; more waits poll).
    pub max_streams: Option<usize>,
    /// The longest pause between status polls of a polled wait (default 1000 ms).
    pub poll_interval_ms: f64,
}

impl Default for ManagerOptions {
    fn default() -> Self {
        ManagerOptions {
            max_workers: DEFAULT_MAX_WORKERS,
            submit_batch_size: 25,
            max_submits_per_second: None,
            max_streams: None,
            poll_interval_ms: 1000.0,
        }
    }
}

/// Settings of one batch.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The whole batch's deadline (`None`: none). Unfinished inputs are then failures and the
    /// status is `timed_out`.
    pub timeout_ms: Option<f64>,
    /// Stop at the first failure: cancel the rest and report them.
    pub fail_fast: bool,
    /// Aborts the batch (status `cancelled`; nothing more is sent).
    pub signal: Option<web_sys::AbortSignal>,
    /// A label kept with the batch in the client's job journal (see [`super::journal`]).
    pub label: Option<String>,
}

/// A progress callback: an immutable snapshot after every change.
pub type ProgressHook = Rc<dyn Fn(&BatchProgress)>;

/// The account of a finished batch.
pub type BatchOutcome = BatchReport<JobResult, ArvakError>;

/// Runs batches of circuits on one client (see the module docs).
///
/// ```ignore
/// use arvak_grpc_wasm::web::{BatchJobManager, ManagerOptions, RunOptions};
/// use arvak_grpc_wasm::{BatchCircuit, Circuit};
///
/// let manager = BatchJobManager::new(&client, ManagerOptions { max_workers: 10, ..Default::default() });
/// let circuits: Vec<BatchCircuit> = sources
///     .into_iter()
///     .map(|qasm| BatchCircuit { circuit: Circuit::Qasm3(qasm), shots: 500, optimization_level: 0 })
///     .collect();
/// let on_progress: ProgressHook = Rc::new(|p| log(&format_progress_bar(p, 40)));
/// let report = manager
///     .execute_batch(circuits, "simulator", RunOptions { timeout_ms: Some(120_000.0), ..Default::default() }, Some(on_progress))
///     .await?;
/// // Every input is in exactly one place: results[i] or a failure with index i.
/// assert_eq!(report.results.iter().flatten().count() + report.failures.len(), report.results.len());
/// ```
#[derive(Clone)]
pub struct BatchJobManager {
    client: ArvakClient,
    options: ManagerOptions,
}

/// How a run stopped.
enum Stop {
    Finished,
    TimedOut(ArvakError),
    Cancelled(ArvakError),
}

impl Stop {
    fn of(e: ArvakError) -> Stop {
        if e.kind == ErrorKind::Timeout {
            Stop::TimedOut(e)
        } else {
            Stop::Cancelled(e)
        }
    }

    fn end(&self) -> BatchEnd {
        match self {
            Stop::Finished => BatchEnd::Finished,
            Stop::TimedOut(_) => BatchEnd::TimedOut,
            Stop::Cancelled(_) => BatchEnd::Cancelled,
        }
    }
}

struct Run {
    client: ArvakClient,
    options: ManagerOptions,
    backend: String,
    inputs: Vec<BatchCircuit>,
    /// Per input: the index of the first input with the same circuit (text, format, level).
    keys: Vec<usize>,
    /// Per key: accepted by the server once in this batch.
    accepted: RefCell<Vec<bool>>,
    ledger: RefCell<BatchLedger<JobResult, ArvakError>>,
    futures: Vec<JobFuture>,
    queue: RefCell<VecDeque<usize>>,
    to_wait: RefCell<VecDeque<usize>>,
    requeues: RefCell<Vec<u8>>,
    chunking: Cell<bool>,
    /// A chunk is going out alone: the other submit loops wait ([`ChunkRoom`]).
    chunk_alone: Cell<bool>,
    /// Jobs answered by time, sizing chunks so the server's window cannot cut them.
    chunk_room: RefCell<ChunkRoom>,
    in_flight: Cell<usize>,
    submitters: Cell<usize>,
    work: Notify,
    submissions_done: CancelToken,
    fail_fast: bool,
    first_failure: Cell<Option<usize>>,
    stop: CancelToken,
    /// Fired on timeout / fail-fast: no new submissions, waits end.
    halt: CancelToken,
    timeout_ms: Option<f64>,
    signal: Option<web_sys::AbortSignal>,
    on_progress: Option<ProgressHook>,
    call: CallOptions,
    /// Where the run records its submissions when the client keeps a journal.
    journal: Option<BatchJournal>,
    /// Whether the page's service worker relays this run's submissions ([`crate::logic::relay`]).
    relay: Cell<bool>,
    /// How many relayed requests this run has sent (the next relay key's number).
    relay_seq: Cell<u32>,
    /// Requests to ask of the relay again, first: a left page's, or one whose answer this page
    /// missed (a timeout, a dropped connection to the worker).
    replays: RefCell<VecDeque<RelayedRequest>>,
    /// Relayed requests whose answer this run has not stored: while any is left, the batch stays
    /// in the journal when the run ends, so that a resume can still ask the relay for them.
    relay_open: RefCell<HashSet<String>>,
}

/// Where a run starts: fresh, or from a journal after a reload.
enum Origin {
    Fresh,
    Resumed(ResumePlan, BatchJournal),
}

impl BatchJobManager {
    /// A manager running batches on `client`. `max_submits_per_second` is applied to the client's
    /// submit pacer (it only ever lowers a known limit).
    pub fn new(client: &ArvakClient, options: ManagerOptions) -> Self {
        if let Some(limit) = options.max_submits_per_second {
            client
                .resilience_state()
                .pacer
                .borrow_mut()
                .lower_limit(limit);
        }
        BatchJobManager {
            client: client.clone(),
            options,
        }
    }

    /// The client.
    pub fn client(&self) -> &ArvakClient {
        &self.client
    }

    /// The settings.
    pub fn options(&self) -> &ManagerOptions {
        &self.options
    }

    fn start(
        &self,
        circuits: Vec<BatchCircuit>,
        backend_id: &str,
        run: RunOptions,
        on_progress: Option<ProgressHook>,
        origin: Origin,
    ) -> Result<Rc<Run>, ArvakError> {
        let timeout_ms = parse_timeout_ms(run.timeout_ms, "timeoutMs")?;
        let n = circuits.len();
        let (plan, journal) = match origin {
            Origin::Resumed(plan, journal) => (Some(plan), Some(journal)),
            Origin::Fresh => match self.client.journal() {
                Some(j) => (
                    None,
                    Some(j.begin_batch(backend_id, run.label.as_deref(), &circuits)?),
                ),
                None => (None, None),
            },
        };
        let mut first_of: HashMap<(bool, &str, u32), usize> = HashMap::new();
        let keys: Vec<usize> = circuits
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let (json, text) = match &c.circuit {
                    Circuit::Qasm3(t) => (false, t.as_str()),
                    Circuit::ArvakIrJson(t) => (true, t.as_str()),
                };
                *first_of
                    .entry((json, text, c.optimization_level))
                    .or_insert(i)
            })
            .collect();
        drop(first_of);
        let workers = self.options.max_workers.max(1);
        let run = Rc::new(Run {
            futures: (0..n).map(|_| JobFuture::new(&self.client, None)).collect(),
            client: self.client.clone(),
            options: self.options,
            backend: backend_id.to_owned(),
            inputs: circuits,
            keys,
            accepted: RefCell::new(vec![false; n]),
            ledger: RefCell::new(BatchLedger::new(n, now_ms())),
            queue: RefCell::new((0..n).collect()),
            to_wait: RefCell::new(VecDeque::new()),
            requeues: RefCell::new(vec![0; n]),
            chunking: Cell::new(self.options.submit_batch_size > 1),
            chunk_alone: Cell::new(false),
            chunk_room: RefCell::new(ChunkRoom::default()),
            in_flight: Cell::new(0),
            submitters: Cell::new(workers),
            work: Notify::new(),
            submissions_done: CancelToken::new(),
            fail_fast: run.fail_fast,
            first_failure: Cell::new(None),
            stop: CancelToken::new(),
            halt: CancelToken::new(),
            timeout_ms,
            signal: run.signal,
            on_progress,
            call: CallOptions::default(),
            journal,
            relay: Cell::new(false),
            relay_seq: Cell::new(0),
            replays: RefCell::new(VecDeque::new()),
            relay_open: RefCell::new(HashSet::new()),
        });
        if let Some(plan) = plan {
            run.resume_from(plan);
        }
        Ok(run)
    }

    /// Runs a batch to its end and returns the account of every input. Fails only for invalid
    /// options; everything that happens to the inputs is in the report.
    pub async fn execute_batch(
        &self,
        circuits: Vec<BatchCircuit>,
        backend_id: &str,
        run: RunOptions,
        on_progress: Option<ProgressHook>,
    ) -> Result<BatchOutcome, ArvakError> {
        let run = self.start(circuits, backend_id, run, on_progress, Origin::Fresh)?;
        Ok(run.drive().await)
    }

    /// Resumes a batch of the client's journal after a reload (its id from
    /// [`super::journal::Journal::batches`]): inputs with a job are waited for, inputs never sent are submitted,
    /// inputs whose request was in flight when the page was left are failures that may exist
    /// (`maybe_created`) — nothing is submitted twice. The report covers every input in order.
    pub async fn resume_batch(
        &self,
        batch_id: &str,
        run: RunOptions,
        on_progress: Option<ProgressHook>,
    ) -> Result<BatchOutcome, ArvakError> {
        let journal = self.client.journal().ok_or_else(|| {
            ArvakError::invalid_argument(
                "resumeBatch needs a client with a journal (the journal option)".to_owned(),
            )
        })?;
        let (record, plan, batch) = journal.resume_batch(batch_id)?;
        let backend = record.backend_id.clone();
        let run = self.start(
            record.circuits,
            &backend,
            run,
            on_progress,
            Origin::Resumed(plan, batch),
        )?;
        Ok(run.drive().await)
    }

    /// Starts a batch and returns one future per input, in input order, once every input has been
    /// submitted or has failed to be; the waits go on in the background (bounded as in
    /// [`BatchJobManager::execute_batch`]), and so do `timeout_ms`, `fail_fast` and the signal.
    pub async fn submit_many(
        &self,
        circuits: Vec<BatchCircuit>,
        backend_id: &str,
        run: RunOptions,
        on_progress: Option<ProgressHook>,
    ) -> Result<Vec<JobFuture>, ArvakError> {
        let run = self.start(circuits, backend_id, run, on_progress, Origin::Fresh)?;
        let futures = run.futures.clone();
        let submitted = run.submissions_done.clone();
        wasm_bindgen_futures::spawn_local(async move {
            run.drive().await;
        });
        submitted.cancelled().await;
        Ok(futures)
    }
}

impl Run {
    /// Takes over what a journal knew: jobs that exist are waited for, in-doubt inputs fail as
    /// "may exist", requests the relay carried are asked of it again ([`Run::check_relay`]), the
    /// rest stay queued.
    fn resume_from(&self, plan: ResumePlan) {
        let mut taken = vec![false; self.inputs.len()];
        let relayed = plan.relayed.iter().flat_map(|r| &r.inputs);
        for &i in plan
            .submitted
            .iter()
            .map(|(i, _)| i)
            .chain(&plan.in_doubt)
            .chain(relayed)
        {
            if let Some(t) = taken.get_mut(i) {
                *t = true;
            }
        }
        self.queue
            .borrow_mut()
            .retain(|&i| !taken.get(i).copied().unwrap_or(false));
        for (i, job_id) in &plan.submitted {
            let _ = self.ledger.borrow_mut().begin_submit(*i);
            self.on_submitted(*i, job_id);
        }
        for &i in &plan.in_doubt {
            self.reject_in_doubt(i);
        }
        self.replays.borrow_mut().extend(plan.relayed);
    }

    /// Fails input `i`, whose request was cut off by the page's unload, as "may exist".
    fn reject_in_doubt(&self, i: usize) {
        self.reject_may_exist(
            i,
            "The page was left while this input's submission was in flight: the server may have \
             created its job, whose id never arrived; it was not resubmitted, to avoid running it \
             twice",
        );
    }

    /// Fails input `i`, whose submission may have created its job, with `message`.
    fn reject_may_exist(&self, i: usize, message: &str) {
        let _ = self.ledger.borrow_mut().begin_submit(i);
        let error = ArvakError::new(ErrorKind::Unavailable, Code::Unknown, message.to_owned())
            .with_rpc(crate::logic::error::Rpc::SubmitJob);
        self.reject(i, error, Created::Unknown);
    }

    /// Asks the page's service worker whether it relays submissions, and sorts the requests a
    /// left page sent through it: those the relay no longer keeps are in doubt; without a relay
    /// now, the rest cannot be asked (sent straight, they could run twice): they fail as "may
    /// exist" and the batch stays in the journal, to be resumed where the relay answers.
    async fn check_relay(&self) {
        let Some(journal) = &self.journal else {
            return;
        };
        // A resume with requests to ask the relay for asks it again after an earlier "no".
        let again = !self.replays.borrow().is_empty();
        self.relay.set(journal.relay_available(again).await);
        let now = wall_now_ms();
        let left = std::mem::take(&mut *self.replays.borrow_mut());
        for request in left {
            if !relay::still_kept(request.relayed.sent_at_ms, now) {
                for &i in &request.inputs {
                    journal.sending(i, None);
                    self.reject_in_doubt(i);
                }
                continue;
            }
            // Open until answered: a run that cannot ask, or stops before asking, keeps the batch
            // journaled.
            self.relay_open
                .borrow_mut()
                .insert(request.relayed.key.clone());
            if self.relay.get() {
                self.replays.borrow_mut().push_back(request);
            } else {
                request.inputs.iter().for_each(|&i| self.reject_unasked(i));
            }
        }
    }

    /// Fails input `i`, whose relayed request could not be asked of the relay, as "may exist".
    fn reject_unasked(&self, i: usize) {
        self.reject_may_exist(
            i,
            "This input's submission went through the journal relay (a service worker) and its \
             answer could not be asked for here (no relay answers this page, or the batch stopped \
             first): its job may exist; the batch stays in the journal, resume it where the relay \
             controls the page to get it",
        );
    }

    async fn drive(self: Rc<Self>) -> BatchOutcome {
        let deadline = Deadline::after(now_ms(), self.timeout_ms);
        let on_deadline = ArvakError::new(
            ErrorKind::Timeout,
            Code::DeadlineExceeded,
            format!(
                "The batch did not finish within {}",
                describe_ms(self.timeout_ms.unwrap_or(f64::INFINITY))
            ),
        );
        self.check_relay().await;
        let workers = self.options.max_workers.max(1);
        let mut loops: Vec<Task<'_>> = Vec::new();
        for _ in 0..workers {
            loops.push(Box::pin(self.submit_loop()));
            loops.push(Box::pin(self.wait_loop()));
        }
        // Boxed so that dropping it really drops every request, stream and timer inside.
        let mut work = Box::pin(join_all(loops));
        let stop = match Guard::new(
            self.signal.as_ref(),
            self.client.closed_token(),
            deadline,
            on_deadline,
        ) {
            Err(e) => Stop::of(e),
            Ok(mut guard) => {
                let stopped = self.stop.clone();
                match guard.run(first(stopped.cancelled(), work.as_mut())).await {
                    Ok(_) => Stop::Finished,
                    Err(e) => Stop::of(e),
                }
            }
        };
        self.submissions_done.cancel();
        let cancel_unfinished =
            matches!(stop, Stop::TimedOut(_)) || self.first_failure.get().is_some();
        let cancelled = if cancel_unfinished {
            // Let the submissions on the wire finish (their jobs become known), then cancel.
            let started = now_ms();
            self.halt.cancel();
            self.work.notify();
            // The signal and close() still interrupt this phase: then nothing more is sent.
            match Guard::new(
                self.signal.as_ref(),
                self.client.closed_token(),
                Deadline::none(),
                ArvakError::deadline_exceeded(CANCEL_BUDGET_MS),
            ) {
                Err(_) => Vec::new(),
                Ok(mut g) => {
                    let finished = g
                        .run(first(work.as_mut(), timer(CANCEL_BUDGET_MS)))
                        .await
                        .is_ok();
                    drop(work);
                    let left = (CANCEL_BUDGET_MS - (now_ms() - started)).max(0.0);
                    if finished {
                        g.run(self.cancel_running(left)).await.unwrap_or_default()
                    } else {
                        Vec::new()
                    }
                }
            }
        } else {
            drop(work);
            Vec::new()
        };
        let ledger = std::mem::replace(&mut *self.ledger.borrow_mut(), BatchLedger::new(0, 0.0));
        let report = ledger.finish(stop.end(), now_ms(), |i, u| {
            self.unfinished_error(i, u, &stop, &cancelled)
        });
        for f in &report.failures {
            if let Some(future) = self.futures.get(f.index) {
                future.settle(Err(f.error.clone()));
            }
        }
        if let Some(hook) = &self.on_progress {
            hook(&report.progress);
        }
        // Every input's outcome is in the report, which goes to the caller now — unless the relay
        // holds answers this run could not store: then the batch stays for a resume to claim them.
        if let Some(j) = &self.journal {
            if self.relay_open.borrow().is_empty() {
                j.finished();
            }
        }
        report
    }

    fn report_progress(&self) {
        if let Some(hook) = &self.on_progress {
            let p = self.ledger.borrow().progress(now_ms());
            hook(&p);
        }
    }

    fn failed(&self, index: usize) {
        if self.fail_fast && self.first_failure.get().is_none() {
            self.first_failure.set(Some(index));
            self.stop.cancel();
        }
    }

    fn is_accepted(&self, i: usize) -> bool {
        self.keys
            .get(i)
            .and_then(|&k| self.accepted.borrow().get(k).copied())
            .unwrap_or(false)
    }

    /// The largest chunk that cannot be cut part-way now (1: SubmitJob).
    fn chunk_limit(&self) -> usize {
        if !self.chunking.get() {
            return 1;
        }
        let pacer = self.client.resilience_state().pacer.borrow();
        let Some(rate) = pacer.limit() else {
            return 1;
        };
        let concurrency = pacer
            .concurrency_limit()
            .unwrap_or(ASSUMED_CONCURRENCY_LIMIT) as usize;
        let running = self.ledger.borrow().progress(0.0).running;
        let headroom = concurrency
            .saturating_sub(running + self.in_flight.get())
            .saturating_sub(concurrency / 10);
        (self.options.submit_batch_size as usize)
            .min(rate as usize)
            .min(headroom)
            .max(1)
    }

    fn next_chunk_unless_halted(&self) -> Option<Vec<usize>> {
        if self.halt.is_cancelled() {
            return None;
        }
        self.next_chunk()
    }

    fn next_chunk(&self) -> Option<Vec<usize>> {
        let limit = self.chunk_limit();
        let mut q = self.queue.borrow_mut();
        let head = q.pop_front()?;
        let mut chunk = vec![head];
        if limit > 1 && self.is_accepted(head) {
            while chunk.len() < limit {
                match q.front() {
                    Some(&i) if self.is_accepted(i) => {
                        q.pop_front();
                        chunk.push(i);
                    }
                    _ => break,
                }
            }
        }
        Some(chunk)
    }

    async fn submit_loop(&self) {
        loop {
            // While the page is being left, nothing new goes out: a request cut off by the unload
            // could create a job whose id never arrives.
            while self.journal.as_ref().is_some_and(BatchJournal::leaving)
                && !self.halt.is_cancelled()
            {
                sleep(LEAVING_PAUSE_MS).await;
            }
            // A chunk goes out alone: wait for it before sending anything else.
            while self.chunk_alone.get() && !self.halt.is_cancelled() {
                sleep(CHUNK_ALONE_PAUSE_MS).await;
            }
            // A request whose answer the relay may keep goes out first, as the same request.
            let replay = self.replays.borrow_mut().pop_front();
            let (chunk, relayed, replayed) = match replay {
                Some(r) => (r.inputs, Some(r.relayed), true),
                None => {
                    let Some(chunk) = self.next_chunk_unless_halted() else {
                        break;
                    };
                    (chunk, self.next_relayed(), false)
                }
            };
            let alone = chunk.len() > 1;
            let mut chunk = match (alone, replayed) {
                (true, true) => self.claim_wire(chunk).await,
                (true, false) => self.fit_chunk(chunk).await,
                (false, _) => chunk,
            };
            // Sorted: a resume rebuilds a relayed request from its inputs' slots in input order.
            if !replayed {
                chunk = crate::logic::order::sorted(chunk);
            }
            let relay = relayed.as_ref().map(|r| RelayTag {
                key: r.key.clone(),
                resume: replayed,
            });
            if let Some(r) = &relayed {
                self.relay_open.borrow_mut().insert(r.key.clone());
            }
            {
                let mut ledger = self.ledger.borrow_mut();
                for &i in &chunk {
                    let _ = ledger.begin_submit(i);
                    if let Some(j) = &self.journal {
                        j.sending(i, relayed.as_ref());
                    }
                }
            }
            self.in_flight.set(self.in_flight.get() + chunk.len());
            let result = match chunk.as_slice() {
                [i] => match self.inputs.get(*i) {
                    Some(c) => self
                        .client
                        .submit_raw(c, &self.backend, &self.call, relay.as_ref())
                        .await
                        .map(|id| vec![id]),
                    None => Ok(Vec::new()),
                },
                _ => {
                    let refs: Vec<&BatchCircuit> =
                        chunk.iter().filter_map(|&i| self.inputs.get(i)).collect();
                    self.client
                        .submit_batch_raw(&refs, &self.backend, &self.call, relay.as_ref())
                        .await
                }
            };
            self.in_flight
                .set(self.in_flight.get().saturating_sub(chunk.len()));
            // What a failure proves about the jobs (computed once; `None` on success).
            let created = result
                .as_ref()
                .err()
                .map(|f| created_on_failure(chunk.len(), f.error.code, f.error.kind, f.reach));
            let answered = match (&result, created) {
                (Ok(ids), _) => ids.len(),
                (Err(_), Some(c)) if c.may_exist() => chunk.len(),
                (Err(_), _) => 0,
            };
            let window = self.client.resilience_state().pacer.borrow().window_ms();
            self.chunk_room.borrow_mut().record(
                now_ms(),
                u32::try_from(answered).unwrap_or(u32::MAX),
                window,
            );
            if alone {
                self.chunk_alone.set(false);
            }
            match (result, relayed) {
                (Ok(ids), relayed) => {
                    for (&i, id) in chunk.iter().zip(&ids) {
                        self.on_submitted(i, id);
                    }
                    self.relay_answered(relayed.as_ref());
                    self.report_progress();
                }
                // No answer from the relay reached this page (stopped before fetch: breaker,
                // pacer; a broken connection to the worker, which a page being navigated away
                // sees first, in Firefox; the page's own deadline; a relay that could not read
                // what it kept): the relay may hold, or still await, the answer. The jobs are
                // never called "not created" or dropped from the relay on such a failure.
                // (A new request stopped before fetch was never sent: the next arm.)
                (Err(f), Some(r)) if no_answer(&f) && (replayed || f.reach == Reach::Sent) => {
                    // A replay that never reached the relay is asked again after a pause; a new
                    // request cut by the page's own deadline is asked once more, as a resume.
                    let unsent = replayed && f.reach == Reach::NotSent && !self.halt.is_cancelled();
                    let own_deadline = !replayed && f.error.kind == ErrorKind::Timeout;
                    if unsent || own_deadline {
                        self.replays.borrow_mut().push_front(RelayedRequest {
                            relayed: r,
                            inputs: chunk,
                        });
                        if unsent {
                            sleep(REPLAY_PAUSE_MS).await;
                        }
                    } else {
                        // The slots keep the key and the batch stays in the journal, to be
                        // resumed where the relay answers.
                        chunk.iter().for_each(|&i| self.reject_unasked(i));
                    }
                }
                (Err(f), relayed) => {
                    let may_exist = created.is_some_and(Created::may_exist);
                    if let (true, Some(_), Some(j)) = (may_exist, &relayed, &self.journal) {
                        // The relay's answer is dropped below: a later resume must not ask.
                        chunk.iter().for_each(|&i| j.sending(i, None));
                    }
                    self.on_submit_failed(&chunk, f).await;
                    self.relay_answered(relayed.as_ref());
                }
            }
        }
        self.submitters.set(self.submitters.get().saturating_sub(1));
        if self.submitters.get() == 0 {
            self.submissions_done.cancel();
        }
        self.work.notify();
    }

    /// Claims the wire for `chunk`: the other submit loops wait until it is answered, and it
    /// waits until nothing else of the batch is in flight.
    async fn claim_wire(&self, chunk: Vec<usize>) -> Vec<usize> {
        self.chunk_alone.set(true);
        while self.in_flight.get() > 0 && !self.halt.is_cancelled() {
            sleep(CHUNK_ALONE_PAUSE_MS).await;
        }
        chunk
    }

    /// The key and send time of the next new request, when the relay carries this run's
    /// submissions.
    fn next_relayed(&self) -> Option<Relayed> {
        let journal = self.journal.as_ref().filter(|_| self.relay.get())?;
        let seq = self.relay_seq.get();
        self.relay_seq.set(seq.wrapping_add(1));
        Some(Relayed {
            key: journal.relay_key(seq),
            sent_at_ms: wall_now_ms(),
        })
    }

    /// What the relayed request said is stored in its inputs' slots: the relay may drop it.
    fn relay_answered(&self, relayed: Option<&Relayed>) {
        if let (Some(r), Some(j)) = (relayed, &self.journal) {
            self.relay_open.borrow_mut().remove(&r.key);
            j.relay_done(&r.key);
        }
    }

    /// Makes `chunk` safe to send as one SubmitBatch ([`ChunkRoom`]): claims the wire, waits until
    /// nothing else of the batch is in flight, and keeps only as many inputs as the server's
    /// current window can still take (the rest go back to the front of the queue, in order; a
    /// single input is sent as a SubmitJob, which a full window refuses without creating anything).
    async fn fit_chunk(&self, chunk: Vec<usize>) -> Vec<usize> {
        let mut chunk = self.claim_wire(chunk).await;
        let (limit, window) = {
            let pacer = self.client.resilience_state().pacer.borrow();
            (pacer.limit(), pacer.window_ms())
        };
        let Some(limit) = limit else {
            return chunk;
        };
        let room = self.chunk_room.borrow_mut().room(now_ms(), window, limit) as usize;
        if room < chunk.len() {
            let keep = room.max(1);
            let mut q = self.queue.borrow_mut();
            for &i in chunk[keep..].iter().rev() {
                q.push_front(i);
            }
            chunk.truncate(keep);
        }
        chunk
    }

    fn on_submitted(&self, i: usize, job_id: &str) {
        if let Some(j) = &self.journal {
            j.submitted(i, job_id);
        }
        let _ = self.ledger.borrow_mut().submitted(i, job_id);
        if let Some(&k) = self.keys.get(i) {
            if let Some(a) = self.accepted.borrow_mut().get_mut(k) {
                *a = true;
            }
        }
        if let Some(f) = self.futures.get(i) {
            f.set_job_id(job_id);
        }
        self.to_wait.borrow_mut().push_back(i);
        self.work.notify();
    }

    async fn on_submit_failed(&self, chunk: &[usize], failure: CallFailure) {
        let CallFailure { error, reach } = failure;
        let created = created_on_failure(chunk.len(), error.code, error.kind, reach);
        if created == Created::No {
            if let Some(j) = &self.journal {
                for &i in chunk {
                    j.not_created(i);
                }
            }
        }
        if created == Created::No && error.kind == ErrorKind::RateLimited {
            // Throttled before anything was created: back to the front of the queue, in order.
            let mut requeued = 0u32;
            for &i in chunk.iter().rev() {
                let again = {
                    let mut r = self.requeues.borrow_mut();
                    match r.get_mut(i) {
                        Some(n) if *n < MAX_REQUEUES => {
                            *n += 1;
                            requeued = requeued.max(u32::from(*n));
                            true
                        }
                        _ => false,
                    }
                };
                if again && self.ledger.borrow_mut().requeue(i).is_ok() {
                    self.queue.borrow_mut().push_front(i);
                } else {
                    self.reject(i, error.clone(), created);
                }
            }
            // The pacer waits out rate rejections; concurrency/queue limits free up as jobs end.
            if !matches!(Throttle::parse(&error.message), Throttle::Rate { .. }) && requeued > 0 {
                sleep(f64::from(requeued.min(8)) * 250.0).await;
            }
            self.report_progress();
            return;
        }
        let mut error = error;
        if created.may_exist() {
            if chunk.len() > 1 {
                // Never chunk again in this batch: jobs may exist whose ids we do not know.
                self.chunking.set(false);
                let f = chunk_failure(chunk, error.code, error.kind, reach);
                error.message = format!("{} ({})", error.message, f.explanation());
            } else if !error.message.contains("may have") {
                error.message = format!(
                    "{} (submitted, outcome unknown: the request reached the server, which may \
                     have created the job; it was not resubmitted, to avoid running it twice)",
                    error.message
                );
            }
        }
        for &i in chunk {
            self.reject(i, error.clone(), created);
        }
        self.report_progress();
    }

    fn reject(&self, i: usize, error: ArvakError, created: Created) {
        let _ = self.ledger.borrow_mut().reject(i, error.clone(), created);
        if let Some(f) = self.futures.get(i) {
            f.settle(Err(error));
        }
        self.failed(i);
    }

    async fn wait_loop(&self) {
        loop {
            let next = self.to_wait.borrow_mut().pop_front();
            if self.halt.is_cancelled() {
                break;
            }
            let Some(i) = next else {
                if self.submitters.get() == 0 {
                    break;
                }
                // Nothing can happen between this check and the wait (single thread, no await).
                self.work.notified().await;
                continue;
            };
            let job_id = self.ledger.borrow().job_id(i).map(str::to_owned);
            let (Some(job_id), Some(future)) = (job_id, self.futures.get(i)) else {
                continue;
            };
            let outcome = match future.outcome() {
                Some(o) => o,
                None => {
                    let settled_or_halted = first(future.settled(), self.halt.cancelled());
                    match first(settled_or_halted, self.wait_one(&job_id, future)).await {
                        Either::Left(_) => match future.outcome() {
                            Some(o) => o,
                            // Halted: the input stays running; the stop settles it.
                            None => {
                                self.to_wait.borrow_mut().push_front(i);
                                break;
                            }
                        },
                        Either::Right(r) => r,
                    }
                }
            };
            match outcome {
                Ok(r) => {
                    let _ = self.ledger.borrow_mut().succeed(i, r.clone());
                    future.settle(Ok(r));
                }
                Err(e) => {
                    let _ = self.ledger.borrow_mut().fail(i, e.clone());
                    future.settle(Err(e));
                    self.failed(i);
                }
            }
            self.report_progress();
        }
    }

    async fn wait_one(&self, job_id: &str, future: &JobFuture) -> Result<JobResult, ArvakError> {
        // An owned read: retried until the batch's own deadline or signal stops this wait.
        match self
            .client
            .get_job_result_owned(job_id, &self.call, Deadline::none())
            .await
        {
            Err(e) if e.kind == ErrorKind::JobNotCompleted => {
                let cap = self
                    .options
                    .max_streams
                    .unwrap_or_else(|| self.client.stream_cap());
                let strategy = if self.client.open_streams() < cap {
                    Strategy::Auto
                } else {
                    Strategy::Poll
                };
                let wait = WaitOptions {
                    poll_interval_ms: self.options.poll_interval_ms,
                    max_wait_ms: None,
                    strategy,
                };
                self.client
                    .wait_future_job(future, job_id, wait, &self.call, true)
                    .await
            }
            other => other,
        }
    }

    /// Cancels the unfinished jobs (timeout, fail-fast); per input: whether the server cancelled it
    /// (`None`: not tried).
    async fn cancel_running(&self, budget_ms: f64) -> Vec<Option<bool>> {
        let jobs: Vec<(usize, String)> = self
            .ledger
            .borrow()
            .running_jobs()
            .into_iter()
            .map(|(i, id)| (i, id.to_owned()))
            .collect();
        let done = RefCell::new(vec![None; self.inputs.len()]);
        if jobs.is_empty() {
            return done.into_inner();
        }
        let next = Cell::new(0usize);
        let call = CallOptions {
            timeout_ms: Some(CANCEL_BUDGET_MS),
            ..CallOptions::default()
        };
        let worker = || async {
            while let Some((i, id)) = jobs.get(next.get()) {
                next.set(next.get() + 1);
                let ok = matches!(self.client.cancel_job(id, &call).await, Ok(c) if c.success);
                if let Some(slot) = done.borrow_mut().get_mut(*i) {
                    *slot = Some(ok);
                }
            }
        };
        let workers: Vec<Task<'_>> = (0..self.options.max_workers.clamp(1, jobs.len()))
            .map(|_| Box::pin(worker()) as Task<'_>)
            .collect();
        let _ = first(join_all(workers), timer(budget_ms)).await;
        done.into_inner()
    }

    /// The failure of an input that had not ended when the batch stopped.
    fn unfinished_error(
        &self,
        index: usize,
        unsettled: Unsettled<'_>,
        stop: &Stop,
        cancelled: &[Option<bool>],
    ) -> ArvakError {
        let job_fate = |job_id: &str| match cancelled.get(index).copied().flatten() {
            Some(true) => format!("its job {job_id} was cancelled"),
            Some(false) => format!("cancelling its job {job_id} failed; it may still run"),
            None => format!("its job {job_id} was not cancelled"),
        };
        let (mut e, job) = match (stop, unsettled) {
            (Stop::Cancelled(e), Unsettled::Submitted { job_id }) => (e.clone(), Some(job_id)),
            (Stop::Cancelled(e), _) => (e.clone(), None),
            (Stop::TimedOut(t), u) => {
                let (what, job) = match u {
                    Unsettled::Waiting => ("it was never submitted".to_owned(), None),
                    Unsettled::Submitting => (
                        "its submission was in flight, so a job may have been created".to_owned(),
                        None,
                    ),
                    Unsettled::Submitted { job_id } => (
                        format!("it had not finished and {}", job_fate(job_id)),
                        Some(job_id),
                    ),
                };
                let mut e = t.clone();
                e.message = format!("{}: input {index} did not finish ({what})", t.message);
                (e, job)
            }
            (Stop::Finished, u) => {
                let by = match self.first_failure.get() {
                    Some(k) => format!("failFast stopped the batch after input {k} failed"),
                    None => "the batch stopped".to_owned(),
                };
                let (what, job) = match u {
                    Unsettled::Waiting => ("it was never submitted".to_owned(), None),
                    Unsettled::Submitting => (
                        "its submission was in flight, so a job may have been created".to_owned(),
                        None,
                    ),
                    Unsettled::Submitted { job_id } => (job_fate(job_id), Some(job_id)),
                };
                let e = ArvakError::new(
                    ErrorKind::JobCancelled,
                    Code::Cancelled,
                    format!("Input {index} was cancelled: {by}; {what}"),
                );
                (e, job)
            }
        };
        if let Some(job_id) = job {
            e.job_id = Some(job_id.to_owned());
        }
        e
    }
}
