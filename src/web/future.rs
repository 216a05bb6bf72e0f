//! [`JobFuture`]: one job's eventual result, with local state (no RPC per query).
//!
//! A future is settled exactly once — by whoever drives it (its own task started by
//! [`ArvakClient::submit_future`] / [`ArvakClient::job_future`], or a
//! [`super::BatchJobManager`]) or by a successful [`JobFuture::cancel`]. The driver races its work
//! against the settlement, so a cancelled future stops its traffic at once. Errors are never
//! swallowed: an unknown job id, an exhausted retry policy or an abort settle the future with
//! that error.

use std::cell::RefCell;
use std::rc::Rc;

use super::client::{ArvakClient, CallOptions};
use super::env::{first, Either};
use super::guard::Guard;
use super::wait::WaitOptions;
use crate::logic::data::{BatchCircuit, JobResult, JobState};
use crate::logic::deadline::{parse_timeout_ms, Deadline};
use crate::logic::error::{ArvakError, Code, ErrorKind};
use crate::logic::sync::CancelToken;

#[derive(Default)]
struct FutureState {
    job_id: Option<String>,
    /// Last known non-terminal server state (`None`: not submitted yet).
    state: Option<JobState>,
    outcome: Option<Result<JobResult, ArvakError>>,
}

struct FutureCell {
    client: ArvakClient,
    st: RefCell<FutureState>,
    /// Fired when settled.
    done: CancelToken,
    /// Fired when the job id is known, or when settled.
    id_known: CancelToken,
}

/// A job's eventual result (cheap to clone; clones are the same future).
///
/// ```ignore
/// use arvak_grpc_wasm::web::{CallOptions, WaitOptions};
/// use arvak_grpc_wasm::{BatchCircuit, Circuit};
///
/// let circuit = BatchCircuit { circuit: Circuit::Qasm3(BELL.into()), shots: 1000, optimization_level: 0 };
/// let future = client.submit_future(circuit, "simulator", WaitOptions::default(), CallOptions::default());
/// // … later: the job id once it exists, then the outcome (at most 30 s of waiting here).
/// let result = future.result(Some(30_000.0), None).await?;
/// ```
#[derive(Clone)]
pub struct JobFuture {
    cell: Rc<FutureCell>,
}

/// The terminal state a settled outcome stands for.
fn terminal_state(outcome: &Result<JobResult, ArvakError>) -> JobState {
    match outcome {
        Ok(_) => JobState::Completed,
        Err(e) if e.kind == ErrorKind::JobCancelled => JobState::Canceled,
        Err(e) if e.kind == ErrorKind::ResultExpired => JobState::ResultExpired,
        Err(_) => JobState::Failed,
    }
}

impl JobFuture {
    /// A future for `client`'s job `job_id` (`None`: the job is still being submitted). Nothing
    /// drives it: see [`ArvakClient::job_future`].
    pub fn new(client: &ArvakClient, job_id: Option<String>) -> Self {
        let known = job_id.is_some();
        let f = JobFuture {
            cell: Rc::new(FutureCell {
                client: client.clone(),
                st: RefCell::new(FutureState {
                    state: job_id.as_ref().map(|_| JobState::Queued),
                    job_id,
                    outcome: None,
                }),
                done: CancelToken::new(),
                id_known: CancelToken::new(),
            }),
        };
        if known {
            f.cell.id_known.cancel();
        }
        f
    }

    /// The job id, once the job exists.
    pub fn job_id(&self) -> Option<String> {
        self.cell.st.borrow().job_id.clone()
    }

    /// The local state: `None` while submitting, the last known state, or the terminal state of
    /// the outcome (COMPLETED, CANCELED, RESULT_EXPIRED, or FAILED for any other error).
    pub fn state(&self) -> Option<JobState> {
        let st = self.cell.st.borrow();
        match &st.outcome {
            Some(o) => Some(terminal_state(o)),
            None => st.state,
        }
    }

    /// Whether it has settled.
    pub fn is_done(&self) -> bool {
        self.cell.st.borrow().outcome.is_some()
    }

    /// Whether the job exists and has not settled (QUEUED or RUNNING).
    pub fn is_running(&self) -> bool {
        matches!(self.state(), Some(JobState::Queued | JobState::Running))
    }

    /// Whether it settled as cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.state() == Some(JobState::Canceled)
    }

    /// The outcome, once settled.
    pub fn outcome(&self) -> Option<Result<JobResult, ArvakError>> {
        self.cell.st.borrow().outcome.clone()
    }

    /// Resolves when settled.
    pub async fn settled(&self) {
        self.cell.done.cancelled().await
    }

    /// Records the job id (the job exists now).
    pub(crate) fn set_job_id(&self, job_id: &str) {
        {
            let mut st = self.cell.st.borrow_mut();
            st.job_id = Some(job_id.to_owned());
            if st.state.is_none() {
                st.state = Some(JobState::Queued);
            }
        }
        self.cell.id_known.cancel();
    }

    /// Records a state update (terminal states are left to [`JobFuture::settle`]).
    pub(crate) fn set_state(&self, state: JobState) {
        if matches!(state, JobState::Queued | JobState::Running) {
            let mut st = self.cell.st.borrow_mut();
            if st.outcome.is_none() {
                st.state = Some(state);
            }
        }
    }

    /// Settles the future; the first outcome wins. Returns whether this call settled it.
    pub(crate) fn settle(&self, outcome: Result<JobResult, ArvakError>) -> bool {
        {
            let mut st = self.cell.st.borrow_mut();
            if st.outcome.is_some() {
                return false;
            }
            st.outcome = Some(outcome);
        }
        self.cell.id_known.cancel();
        self.cell.done.cancel();
        true
    }

    /// Waits for the outcome, at most `timeout_ms` (`None`: no limit), abortable by `signal`.
    /// A timeout is an `ArvakTimeoutError`; the job keeps running.
    pub async fn result(
        &self,
        timeout_ms: Option<f64>,
        signal: Option<&web_sys::AbortSignal>,
    ) -> Result<JobResult, ArvakError> {
        if let Some(o) = self.outcome() {
            return o;
        }
        let timeout = parse_timeout_ms(timeout_ms, "timeoutMs")?;
        let id = self
            .job_id()
            .unwrap_or_else(|| "(not yet submitted)".to_owned());
        let on_deadline = ArvakError::wait_timeout(&id, timeout.unwrap_or(f64::INFINITY));
        let deadline = Deadline::after(super::env::now_ms(), timeout);
        let mut guard = Guard::new(signal, &CancelToken::new(), deadline, on_deadline)?;
        guard.run(self.settled()).await?;
        self.outcome().unwrap_or_else(|| Err(not_settled()))
    }

    /// Waits until settled or `timeout_ms` passed; whether it settled.
    pub async fn wait(&self, timeout_ms: Option<f64>) -> Result<bool, ArvakError> {
        if self.is_done() {
            return Ok(true);
        }
        let timeout = parse_timeout_ms(timeout_ms, "timeoutMs")?;
        let deadline = Deadline::after(super::env::now_ms(), timeout);
        let on_deadline = ArvakError::deadline_exceeded(timeout.unwrap_or(f64::INFINITY));
        let mut guard = Guard::new(None, &CancelToken::new(), deadline, on_deadline)?;
        Ok(guard.run(self.settled()).await.is_ok())
    }

    /// Cancels the job: `false` if the future has settled already (or settles while the job is
    /// still being submitted without a job), else the server's answer; when the server cancelled
    /// it, the future settles with a job-cancelled error. A job still being submitted is cancelled
    /// as soon as its id is known.
    pub async fn cancel(&self, call: &CallOptions) -> Result<bool, ArvakError> {
        if self.is_done() {
            return Ok(false);
        }
        self.cell.id_known.cancelled().await;
        let Some(job_id) = self.job_id() else {
            return Ok(false);
        };
        if self.is_done() {
            return Ok(false);
        }
        let outcome = self.cell.client.cancel_job(&job_id, call).await?;
        if outcome.success {
            self.settle(Err(cancelled_error(&job_id, "cancelled")));
        }
        Ok(outcome.success)
    }

    /// Runs `work` until it finishes or the future settles another way (a successful cancel);
    /// settles with its output.
    pub(crate) async fn drive(
        &self,
        work: impl std::future::Future<Output = Result<JobResult, ArvakError>>,
    ) {
        let done = self.cell.done.clone();
        if let Either::Right(outcome) = first(done.cancelled(), work).await {
            self.settle(outcome);
        }
    }
}

/// The job-cancelled error for `job_id` (`how`: "cancelled", "cancelled by failFast …").
pub(crate) fn cancelled_error(job_id: &str, how: &str) -> ArvakError {
    ArvakError::new(
        ErrorKind::JobCancelled,
        Code::Cancelled,
        format!("Job {job_id} was {how}"),
    )
    .with_job(job_id)
}

fn not_settled() -> ArvakError {
    ArvakError::new(
        ErrorKind::Other,
        Code::Internal,
        "The future has no outcome",
    )
}

impl ArvakClient {
    /// Submits a circuit and returns its future at once (its job id arrives later). The future
    /// settles with the result, the job's failure, or the submission's error. The submission and
    /// every call of the wait use `call` (signal, per-call timeout, headers).
    pub fn submit_future(
        &self,
        circuit: BatchCircuit,
        backend_id: &str,
        wait: WaitOptions,
        call: CallOptions,
    ) -> JobFuture {
        let future = JobFuture::new(self, None);
        let client = self.clone();
        let f = future.clone();
        let backend = backend_id.to_owned();
        wasm_bindgen_futures::spawn_local(async move {
            let work = async {
                let job_id = client.submit_raw(&circuit, &backend, &call, None).await?;
                if let Some(journal) = client.journal() {
                    journal.add_job(&job_id, &backend, None);
                }
                f.set_job_id(&job_id);
                client
                    .wait_future_job(&f, &job_id, wait, &call, false)
                    .await
            };
            f.drive(work).await;
        });
        future
    }

    /// Submits circuits in one SubmitBatch call and returns one future per circuit at once, in
    /// input order. If the call fails, every future settles with its error (the service is not
    /// atomic: see [`ArvakClient::submit_batch`]). Waits run at most `max_waits` at a time.
    pub fn submit_batch_futures(
        &self,
        circuits: Vec<BatchCircuit>,
        backend_id: &str,
        wait: WaitOptions,
        call: CallOptions,
        max_waits: usize,
    ) -> Vec<JobFuture> {
        let futures: Vec<JobFuture> = circuits
            .iter()
            .map(|_| JobFuture::new(self, None))
            .collect();
        let client = self.clone();
        let fs = futures.clone();
        let backend = backend_id.to_owned();
        wasm_bindgen_futures::spawn_local(async move {
            let refs: Vec<&BatchCircuit> = circuits.iter().collect();
            match client.submit_batch_raw(&refs, &backend, &call, None).await {
                Err(failure) => {
                    for f in &fs {
                        f.settle(Err(failure.error.clone()));
                    }
                }
                Ok(ids) => {
                    for (f, id) in fs.iter().zip(&ids) {
                        if let Some(journal) = client.journal() {
                            journal.add_job(id, &backend, None);
                        }
                        f.set_job_id(id);
                    }
                    client.drive_waits(&fs, wait, &call, max_waits).await;
                }
            }
        });
        futures
    }

    /// A future for an existing job, driven by a wait ([`ArvakClient::wait_for_job`]).
    pub fn job_future(&self, job_id: &str, wait: WaitOptions, call: CallOptions) -> JobFuture {
        let future = JobFuture::new(self, Some(job_id.to_owned()));
        let client = self.clone();
        let f = future.clone();
        wasm_bindgen_futures::spawn_local(async move {
            client
                .drive_waits(std::slice::from_ref(&f), wait, &call, 1)
                .await;
        });
        future
    }

    /// Waits for every future's job, at most `max_waits` at a time, settling each.
    async fn drive_waits(
        &self,
        futures: &[JobFuture],
        wait: WaitOptions,
        call: &CallOptions,
        max_waits: usize,
    ) {
        let next = std::cell::Cell::new(0usize);
        let worker = || async {
            loop {
                let i = next.get();
                let Some(f) = futures.get(i) else { break };
                next.set(i + 1);
                let Some(job_id) = f.job_id() else { continue };
                f.drive(self.wait_future_job(f, &job_id, wait, call, false))
                    .await;
            }
        };
        let workers: Vec<super::env::Task<'_>> = (0..max_waits.clamp(1, futures.len().max(1)))
            .map(|_| Box::pin(worker()) as super::env::Task<'_>)
            .collect();
        super::env::join_all(workers).await;
    }

    /// The wait behind a future: its updates feed the future's local state.
    pub(crate) async fn wait_future_job(
        &self,
        future: &JobFuture,
        job_id: &str,
        wait: WaitOptions,
        call: &CallOptions,
        result_asked: bool,
    ) -> Result<JobResult, ArvakError> {
        self.wait_for_job_after(
            job_id,
            wait,
            call,
            &mut |u| future.set_state(u.state),
            result_asked,
        )
        .await
    }
}
