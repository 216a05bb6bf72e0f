//! `wait_for_job`: WatchJob first, polling as the fallback, then a confirming call.
//!
//! * `auto`: a WatchJob stream if a stream slot is free (cap: `ClientOptions::max_streams`), together
//!   with a few early status polls (20, 30, 45, 67, 100, 150 ms) so a job that finishes right after submit is
//!   seen within tens of ms instead of at the stream's next tick; without a free slot, polling.
//! * `watch`: the stream regardless of the cap. `poll`: polling only.
//! * Polling uses [`PollSchedule`]: an immediate check, then 20, 30, 45, … ms (×1.5) up to
//!   `poll_interval_ms` (at least [`crate::logic::wait::MIN_POLL_INTERVAL_MS`], 100 ms).
//! * A stream that fails for a transport reason, or ends without a terminal state, is re-subscribed
//!   when the client has a retry policy that allows it (backoff, budget, deadline; the attempt count
//!   restarts whenever a stream delivered a message), and otherwise falls back to polling; a
//!   definitive answer (job not found, unauthenticated) ends the wait. Every poll and the confirming
//!   calls go through the call pipeline as **owned reads** ([`crate::resilience::owned`]): a
//!   transient failure is retried until `max_wait_ms` (or the signal), whatever `maxAttempts`, the
//!   retry budget or an open breaker say — those only slow the polls down. Each attempt still has
//!   the call timeout.
//! * A poll's first check and the check aimed at the job's expected end ask for the result
//!   (GetJobResult) instead of the state: a finished job then costs one call, not a status check
//!   plus the result; "not completed yet" (running or cancelled jobs) costs the same one call, and
//!   the next check asks for the state ([`PollSchedule::asks_result`]).
//! * The final state is confirmed: COMPLETED and FAILED through GetJobResult (the result, or the
//!   server's `ABORTED` message → job-failed error), CANCELED / RESULT_EXPIRED seen on the stream
//!   through GetJobStatus.
//! * `max_wait_ms` bounds the whole wait (timeout error; the job is not cancelled); every RPC inside
//!   also has the call timeout. Abort, `close()` and the wait deadline drop everything in flight.

use super::client::{ArvakClient, CallOptions, Ids};
use super::env::{first, now_ms, sleep, timer, Either};
use super::guard::Guard;
use super::resilience::resubscribe_delay;
use super::rpc::decode;
use crate::logic::data::{Job, JobResult, JobState, JobUpdate, UpdateSource};
use crate::logic::deadline::{parse_timeout_ms, Deadline};
use crate::logic::error::{ArvakError, Code, ErrorKind, Rpc};
use crate::logic::wait::{
    finish_for, EarlyPolls, Finish, PollSchedule, RunObservation, StateDeduper, Strategy,
};
use crate::proto;

/// Options of [`ArvakClient::wait_for_job`].
#[derive(Debug, Clone, Copy)]
pub struct WaitOptions {
    /// The longest pause between two status polls (default 1000 ms).
    pub poll_interval_ms: f64,
    /// Give up after this long (`None`: wait for ever, or until aborted).
    pub max_wait_ms: Option<f64>,
    /// How to learn about state changes.
    pub strategy: Strategy,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            poll_interval_ms: 1000.0,
            max_wait_ms: None,
            strategy: Strategy::Auto,
        }
    }
}

/// What the watch phase ended with.
enum WatchEnd {
    /// A terminal state was seen (not yet confirmed).
    Terminal(JobState, Rpc),
    /// A result check found the job completed.
    Result(JobResult),
    /// The stream ended or failed without one: poll.
    Poll,
}

/// What the poll phase ended with.
enum PollEnd {
    /// A status check saw this terminal state.
    Terminal(JobState),
    /// A result check found the job completed.
    Result(JobResult),
}

struct WaitCtx<'a> {
    client: &'a ArvakClient,
    job_id: &'a str,
    call: CallOptions,
    cap: Deadline,
    max_wait_ms: Option<f64>,
    dedupe: StateDeduper,
    on_update: &'a mut dyn FnMut(&JobUpdate),
    /// Messages received on the current stream.
    stream_messages: u32,
    /// When checks saw the job running (to learn its backend's run time).
    observed: RunObservation,
    /// The job's backend, once a status check said it.
    backend: Option<String>,
    /// Where to aim the next check (ms from now), set at the first sight of the job running when
    /// its backend's run time is known; taken by the poll or watch loop.
    aim: Option<f64>,
}

impl WaitCtx<'_> {
    fn report(&mut self, update: JobUpdate) {
        if self.dedupe.changed(update.state) {
            (self.on_update)(&update);
        }
    }

    /// Maps an RPC timeout caused by the wait's own deadline to the wait's timeout error.
    fn wait_error(&self, e: ArvakError) -> ArvakError {
        match self.max_wait_ms {
            Some(max) if e.kind == ErrorKind::Timeout && self.cap.expired(now_ms()) => {
                ArvakError::wait_timeout(self.job_id, max)
                    .with_rpc(e.rpc.unwrap_or(Rpc::GetJobStatus))
            }
            _ => e,
        }
    }

    async fn status(&mut self) -> Result<Job, ArvakError> {
        let job = self
            .client
            .get_job_status_owned(self.job_id, &self.call, self.cap)
            .await
            .map_err(|e| self.wait_error(e))?;
        if self.backend.is_none() {
            self.backend = Some(job.backend_id.clone());
        }
        let now = now_ms();
        if job.state.is_terminal() {
            self.learn(now);
        } else {
            self.observed.running(now);
            if self.observed.is_first_sight() {
                self.aim = self
                    .client
                    .run_times()
                    .borrow()
                    .expected_ms(&job.backend_id);
            }
        }
        self.report(JobUpdate::from_job(&job, super::env::wall_now_ms()));
        Ok(job)
    }

    /// A check that asks for the result ([`crate::logic::wait::PollSchedule::asks_result`]):
    /// `Some` when the job completed, `None` when it has not (still running — or cancelled, which
    /// the next status check tells), an error when it failed, expired or is unknown.
    async fn check_result(&mut self) -> Result<Option<JobResult>, ArvakError> {
        let outcome = self
            .client
            .get_job_result_owned(self.job_id, &self.call, self.cap)
            .await;
        let (state, error_message) = match &outcome {
            Ok(_) => (JobState::Completed, None),
            Err(e) if e.kind == ErrorKind::JobNotCompleted => {
                self.observed.not_completed(now_ms());
                return Ok(None);
            }
            Err(e) if e.kind == ErrorKind::JobFailed => (JobState::Failed, Some(e.message.clone())),
            Err(e) => return Err(self.wait_error(e.clone())),
        };
        self.learn(now_ms());
        self.report(JobUpdate {
            job_id: self.job_id.to_owned(),
            state,
            timestamp_ms: Some(super::env::wall_now_ms()),
            error_message,
            source: UpdateSource::Poll,
        });
        outcome.map(Some).map_err(|e| self.wait_error(e))
    }

    /// The job was seen finished at `now`: what the checks saw becomes a run-time sample of its
    /// backend (known from the first status check).
    fn learn(&self, now: f64) {
        if let (Some(backend), Some(sample)) = (&self.backend, self.observed.finished(now)) {
            self.client.run_times().borrow_mut().record(backend, sample);
        }
    }

    async fn watch(&mut self, early: Option<EarlyPolls>) -> Result<WatchEnd, ArvakError> {
        let client = self.client;
        let rpc = Rpc::WatchJob;
        let ids = Ids::job(self.job_id);
        // Opening the stream is bounded by the call timeout; the stream itself only by the wait.
        let budget = client.call_timeout(&self.call)?;
        let open_deadline = Deadline::after(now_ms(), budget).min(self.cap);
        let on_open_deadline =
            ArvakError::deadline_exceeded(budget.unwrap_or(f64::INFINITY)).with_rpc(rpc);
        let mut open_guard = Guard::new(
            None,
            client.closed_token(),
            open_deadline,
            on_open_deadline.clone(),
        )?;
        let body = prost::Message::encode_to_vec(&proto::WatchJobRequest {
            job_id: self.job_id.to_owned(),
        });
        self.stream_messages = 0;
        // One attempt through the breaker: re-subscription is decided by the caller.
        let mut stream = client
            .open_stream_resilient(
                rpc,
                &self.call,
                &mut open_guard,
                self.cap,
                &on_open_deadline,
                body,
                ids,
                false,
            )
            .await?;
        drop(open_guard);

        let mut early = early;
        let mut next_poll = early
            .as_mut()
            .and_then(EarlyPolls::next_delay_ms)
            .map(timer);
        loop {
            let poll_timer = async {
                match next_poll.as_mut() {
                    Some(t) => t.await,
                    None => super::env::never().await,
                }
            };
            let event = first(stream.message(), poll_timer).await;
            match event {
                Either::Left(Ok(Some(bytes))) => {
                    self.stream_messages += 1;
                    let update = JobUpdate::from(
                        decode::<proto::JobStatusUpdate>(rpc, bytes).map_err(|e| ids.apply(e))?,
                    );
                    let state = update.state;
                    self.report(update);
                    if state.is_terminal() {
                        // The stream's tick is late by up to its interval: an upper bound,
                        // corrected by the aimed checks of later waits.
                        self.learn(now_ms());
                        return Ok(WatchEnd::Terminal(state, rpc));
                    }
                }
                Either::Left(Ok(None)) => return Ok(WatchEnd::Poll),
                Either::Left(Err(status)) => return Err(client.status_error(status, rpc, ids)),
                Either::Right(()) => {
                    if early.as_ref().is_some_and(EarlyPolls::asks_result) {
                        if let Some(result) = self.check_result().await? {
                            return Ok(WatchEnd::Result(result));
                        }
                        next_poll = early
                            .as_mut()
                            .and_then(EarlyPolls::next_delay_ms)
                            .map(timer);
                        continue;
                    }
                    let job = self.status().await?;
                    if job.state.is_terminal() {
                        // Seen by GetJobStatus: already confirmed for CANCELED / RESULT_EXPIRED.
                        return Ok(WatchEnd::Terminal(job.state, Rpc::GetJobStatus));
                    }
                    if let (Some(r), Some(e)) = (self.aim.take(), early.as_mut()) {
                        e.aim(r);
                    }
                    next_poll = early
                        .as_mut()
                        .and_then(EarlyPolls::next_delay_ms)
                        .map(timer);
                }
            }
        }
    }

    async fn poll(&mut self, mut schedule: PollSchedule) -> Result<PollEnd, ArvakError> {
        loop {
            sleep(schedule.next_delay_ms()).await;
            if schedule.asks_result() {
                if let Some(result) = self.check_result().await? {
                    return Ok(PollEnd::Result(result));
                }
                continue;
            }
            let job = self.status().await?;
            if job.state.is_terminal() {
                return Ok(PollEnd::Terminal(job.state));
            }
            if let Some(r) = self.aim.take() {
                schedule.aim(r);
            }
        }
    }

    /// Turns a terminal state into the result or the matching error, confirming it with the server.
    async fn finish(&mut self, state: JobState, seen_by: Rpc) -> Result<JobResult, ArvakError> {
        let mut state = state;
        if seen_by != Rpc::GetJobStatus
            && matches!(finish_for(state), Some(Finish::Cancelled | Finish::Expired))
        {
            state = self.status().await?.state;
        }
        match finish_for(state) {
            Some(Finish::FetchResult | Finish::Failed) => {
                match self
                    .client
                    .get_job_result_owned(self.job_id, &self.call, self.cap)
                    .await
                {
                    Ok(result) => Ok(result),
                    // Completed-then-cancelled race (spec §6.5), or a purged result: re-read the state.
                    Err(e) if e.kind == ErrorKind::JobNotCompleted => {
                        let job = self.status().await?;
                        match finish_for(job.state) {
                            Some(Finish::Cancelled) => Err(self.cancelled(Rpc::GetJobStatus)),
                            Some(Finish::Expired) => Err(self.expired(Rpc::GetJobStatus)),
                            _ => Err(e),
                        }
                    }
                    Err(e) => Err(self.wait_error(e)),
                }
            }
            Some(Finish::Cancelled) => Err(self.cancelled(Rpc::GetJobStatus)),
            Some(Finish::Expired) => Err(self.expired(Rpc::GetJobStatus)),
            None => Err(ArvakError::new(
                ErrorKind::Other,
                Code::Internal,
                format!(
                    "Job {} went back to {} after a terminal state",
                    self.job_id,
                    state.as_str()
                ),
            )
            .with_rpc(Rpc::GetJobStatus)
            .with_job(self.job_id)),
        }
    }

    fn cancelled(&self, rpc: Rpc) -> ArvakError {
        ArvakError::new(
            ErrorKind::JobCancelled,
            Code::FailedPrecondition,
            format!("Job {} was cancelled", self.job_id),
        )
        .with_rpc(rpc)
        .with_job(self.job_id)
    }

    fn expired(&self, rpc: Rpc) -> ArvakError {
        ArvakError::new(
            ErrorKind::ResultExpired,
            Code::FailedPrecondition,
            format!(
                "Job {} completed but its result has expired on the server",
                self.job_id
            ),
        )
        .with_rpc(rpc)
        .with_job(self.job_id)
    }
}

impl ArvakClient {
    /// Waits until the job is terminal and returns its result.
    ///
    /// Errors: job failed (server's message), job cancelled, result expired, timeout
    /// (`max_wait_ms`; the job keeps running), abort, and any RPC error. `on_update` sees each
    /// state change once.
    ///
    /// ```ignore
    /// use arvak_grpc_wasm::web::{WaitOptions, CallOptions};
    /// use arvak_grpc_wasm::Strategy;
    ///
    /// let wait = WaitOptions { max_wait_ms: Some(60_000.0), strategy: Strategy::Auto, ..Default::default() };
    /// let result = client
    ///     .wait_for_job(&job_id, wait, &CallOptions::default(), &mut |u| log(u.state.as_str()))
    ///     .await?;
    /// let most = result.most_frequent(); // Some(MostFrequent { bitstring: "00", .. })
    /// ```
    pub async fn wait_for_job(
        &self,
        job_id: &str,
        options: WaitOptions,
        call: &CallOptions,
        on_update: &mut dyn FnMut(&JobUpdate),
    ) -> Result<JobResult, ArvakError> {
        self.wait_for_job_after(job_id, options, call, on_update, false)
            .await
    }

    /// [`ArvakClient::wait_for_job`] for a caller that has just asked for the result and heard
    /// "not completed yet" (`result_asked`): the wait's first check then asks for the state.
    pub(crate) async fn wait_for_job_after(
        &self,
        job_id: &str,
        options: WaitOptions,
        call: &CallOptions,
        on_update: &mut dyn FnMut(&JobUpdate),
        result_asked: bool,
    ) -> Result<JobResult, ArvakError> {
        let max_wait_ms = parse_timeout_ms(options.max_wait_ms, "maxWaitMs")?;
        if !(options.poll_interval_ms.is_finite() && options.poll_interval_ms >= 0.0) {
            return Err(ArvakError::invalid_argument(format!(
                "pollIntervalMs must be a non-negative number, got {}",
                crate::logic::error::describe_number(options.poll_interval_ms)
            )));
        }
        // Validate the call timeout up front (it is used by every RPC of the wait).
        self.call_timeout(call)?;
        let cap = Deadline::after(now_ms(), max_wait_ms);
        let on_deadline = ArvakError::wait_timeout(job_id, max_wait_ms.unwrap_or(f64::INFINITY));
        let mut guard = Guard::new(call.signal.as_ref(), self.closed_token(), cap, on_deadline)
            .map_err(|e| e.with_job(job_id))?;
        let mut ctx = WaitCtx {
            client: self,
            job_id,
            // The guard handles the signal for the whole wait; inner calls need no listener each.
            call: CallOptions {
                signal: None,
                timeout_ms: call.timeout_ms,
                headers: call.headers.clone(),
            },
            cap,
            max_wait_ms,
            dedupe: StateDeduper::default(),
            on_update,
            stream_messages: 0,
            observed: RunObservation::default(),
            backend: None,
            aim: None,
        };
        let body = async {
            // "auto" asks for the result once before it opens a stream, as polling does: a job
            // that is already done then costs one call, not a stream and a result (over HTTP/2,
            // where every wait may watch, Promise.all of submit → wait made 3 calls per job).
            let checked_now = options.strategy == Strategy::Auto && !result_asked;
            if checked_now {
                if let Some(result) = ctx.check_result().await? {
                    return Ok(result);
                }
            }
            let slot = match options.strategy {
                Strategy::Poll => None,
                Strategy::Watch => Some(self.stream_slots().force_acquire()),
                Strategy::Auto => self.stream_slots().try_acquire(),
            };
            let mut schedule = if checked_now {
                // That check was the schedule's immediate one: the next asks for the state, 20 ms on.
                PollSchedule::without_immediate(options.poll_interval_ms).result_already_asked()
            } else if result_asked {
                PollSchedule::new(options.poll_interval_ms).result_already_asked()
            } else {
                PollSchedule::new(options.poll_interval_ms)
            };
            if let Some(slot) = slot {
                let mut early = (options.strategy == Strategy::Auto)
                    .then(|| EarlyPolls::new(options.poll_interval_ms));
                let mut failures = 0u32;
                let end = loop {
                    let end = ctx.watch(early.take()).await;
                    if ctx.stream_messages > 0 {
                        failures = 0;
                    }
                    let error = match end {
                        Ok(end @ (WatchEnd::Terminal(..) | WatchEnd::Result(_))) => {
                            break Some(end)
                        }
                        // A definite answer, an abort, or the wait's own deadline ends the wait;
                        // a stream that timed out on its own (opening took longer than the call
                        // timeout) is transport trouble like any other: re-subscribe or poll.
                        Err(e)
                            if matches!(
                                e.kind,
                                ErrorKind::JobNotFound
                                    | ErrorKind::JobFailed
                                    | ErrorKind::ResultExpired
                                    | ErrorKind::Unauthenticated
                                    | ErrorKind::Aborted
                            ) || (e.kind == ErrorKind::Timeout && cap.expired(now_ms())) =>
                        {
                            return Err(ctx.wait_error(e));
                        }
                        // Transport trouble or a proxy cutting the stream.
                        Err(e) => e,
                        Ok(WatchEnd::Poll) => ArvakError::new(
                            ErrorKind::Unavailable,
                            Code::Unavailable,
                            "The WatchJob stream ended before a terminal state",
                        )
                        .with_rpc(Rpc::WatchJob),
                    };
                    failures += 1;
                    match resubscribe_delay(self, &error, failures, cap.remaining_ms(now_ms())) {
                        Some(ms) => sleep(ms).await,
                        None => break None,
                    }
                };
                drop(slot);
                match end {
                    Some(WatchEnd::Terminal(state, rpc)) => return ctx.finish(state, rpc).await,
                    Some(WatchEnd::Result(result)) => return Ok(result),
                    Some(WatchEnd::Poll) | None => {}
                }
                schedule = PollSchedule::new(options.poll_interval_ms);
            }
            match ctx.poll(schedule).await? {
                PollEnd::Terminal(state) => ctx.finish(state, Rpc::GetJobStatus).await,
                PollEnd::Result(result) => Ok(result),
            }
        };
        let outcome = match guard.run(body).await {
            Ok(r) => r,
            Err(e) => Err(e.with_job(job_id)),
        };
        if let Some(journal) = self.journal() {
            if crate::logic::journal::wait_settles_job(outcome.as_ref().err().map(|e| e.kind)) {
                journal.forget_job(job_id);
            }
        }
        outcome
    }
}
