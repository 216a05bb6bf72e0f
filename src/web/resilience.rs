//! Retries, the circuit breaker, the retry budget and the submit pacer, wired into every RPC
//! attempt of the call pipeline (the pure logic lives in [`crate::resilience`]).
//!
//! One attempt, as `Attempts` runs it inside [`super::ArvakClient`]'s pipeline:
//! pacing (SubmitJob/SubmitBatch only: wait until the jobs fit under the learned rate limit) →
//! breaker permit (an open breaker rejects at once with `CircuitOpenError`, nothing sent) →
//! the request with `grpc-timeout` = what is left of the call's overall deadline → the outcome
//! to the breaker and the budget → on failure [`decide`]: sleep (abortable, never past the
//! deadline) and try again, or give up with `attempts` set.
//!
//! The breaker is shared by every client it is given to; the budget and the policy are per client;
//! the pacer is shared by a client and the clients derived from it ([`super::ArvakClient::with_resilience`]),
//! since the server's rate limit is per IP.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use super::env::{now_ms, sleep};
use super::guard::Guard;
use super::ArvakClient;
use crate::logic::error::{ArvakError, Code, ErrorKind, Rpc};
use crate::resilience::{
    decide, decide_owned, BreakerConfig, BreakerOutcome, BreakerState, BudgetConfig,
    CircuitBreaker, Decision, FailedAttempt, GiveUpReason, PacerConfig, Permit, Reach, RetryBudget,
    RetryPolicy, SubmitPacer, Transition,
};

/// What `onRetry` is told before the client sleeps and tries again.
#[derive(Debug)]
pub struct RetryEvent<'a> {
    /// The RPC.
    pub rpc: Rpc,
    /// The attempt that failed (1-based); the next one is `attempt + 1`.
    pub attempt: u32,
    /// How long the client waits before the next attempt.
    pub delay_ms: f64,
    /// Why the attempt failed.
    pub error: &'a ArvakError,
}

/// A retry hook.
pub type RetryHook = Rc<dyn Fn(&RetryEvent<'_>)>;

/// A breaker state-change hook.
pub type BreakerHook = Rc<dyn Fn(&Transition)>;

/// A retry policy and its optional `onRetry` hook.
#[derive(Clone, Default)]
pub struct Retry {
    /// Attempts, backoff, jitter and retryable codes.
    pub policy: RetryPolicy,
    /// Called before each retry sleep.
    pub on_retry: Option<RetryHook>,
}

impl fmt::Debug for Retry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Retry")
            .field("policy", &self.policy)
            .field("on_retry", &self.on_retry.is_some())
            .finish()
    }
}

struct BreakerCell {
    breaker: RefCell<CircuitBreaker>,
    on_change: Option<BreakerHook>,
}

/// A circuit breaker that clients share (cheap to clone; clones are the same breaker).
#[derive(Clone)]
pub struct SharedBreaker {
    cell: Rc<BreakerCell>,
}

impl fmt::Debug for SharedBreaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedBreaker")
            .field("state", &self.state())
            .finish()
    }
}

impl SharedBreaker {
    /// A closed breaker (`config` is clamped into range; validate it first to report mistakes).
    pub fn new(config: BreakerConfig, on_change: Option<BreakerHook>) -> Self {
        SharedBreaker {
            cell: Rc::new(BreakerCell {
                breaker: RefCell::new(CircuitBreaker::new(config)),
                on_change,
            }),
        }
    }

    /// Whether two handles are the same breaker.
    pub fn same(&self, other: &SharedBreaker) -> bool {
        Rc::ptr_eq(&self.cell, &other.cell)
    }

    /// The current state. An open breaker whose timeout has passed reports `HalfOpen`: the next
    /// call will be let through as a probe.
    pub fn state(&self) -> BreakerState {
        let b = self.cell.breaker.borrow();
        match b.state() {
            BreakerState::Open if b.retry_at_ms(now_ms()).is_none() => BreakerState::HalfOpen,
            s => s,
        }
    }

    /// The configuration.
    pub fn config(&self) -> BreakerConfig {
        *self.cell.breaker.borrow().config()
    }

    /// Consecutive counted failures while closed.
    pub fn consecutive_failures(&self) -> u32 {
        self.cell.breaker.borrow().consecutive_failures()
    }

    /// Milliseconds until a call will be let through (`None`: now).
    pub fn retry_after_ms(&self) -> Option<f64> {
        let now = now_ms();
        self.cell
            .breaker
            .borrow()
            .retry_at_ms(now)
            .map(|at| (at - now).max(0.0).ceil())
    }

    /// Forces the breaker closed.
    pub fn reset(&self) {
        self.cell.breaker.borrow_mut().reset(now_ms());
        self.report();
    }

    /// Asks to make a call: a permit, or the circuit-open error.
    pub(crate) fn acquire(&self, rpc: Rpc) -> Result<BreakerPermit, ArvakError> {
        let now = now_ms();
        let r = self.cell.breaker.borrow_mut().try_acquire(now);
        self.report();
        match r {
            Ok(permit) => Ok(BreakerPermit {
                breaker: self.clone(),
                permit: Some(permit),
            }),
            Err(rejected) => Err(rejected.to_error(now).with_rpc(rpc)),
        }
    }

    fn finish(&self, permit: Permit, outcome: BreakerOutcome) {
        self.cell
            .breaker
            .borrow_mut()
            .on_result(permit, outcome, now_ms());
        self.report();
    }

    /// Calls the hook for every logged transition (outside the borrow: the hook may read `state`).
    fn report(&self) {
        let transitions = self.cell.breaker.borrow_mut().take_transitions();
        if let Some(hook) = &self.cell.on_change {
            for t in &transitions {
                hook(t);
            }
        }
    }
}

/// A breaker permit; abandoned (counted as nothing) when dropped unreported, e.g. on abort.
pub(crate) struct BreakerPermit {
    breaker: SharedBreaker,
    permit: Option<Permit>,
}

impl BreakerPermit {
    fn finish(mut self, outcome: BreakerOutcome) {
        if let Some(p) = self.permit.take() {
            self.breaker.finish(p, outcome);
        }
    }
}

impl Drop for BreakerPermit {
    fn drop(&mut self) {
        if let Some(p) = self.permit.take() {
            self.breaker.finish(p, BreakerOutcome::Ignored);
        }
    }
}

/// The resilience settings of a client.
#[derive(Clone, Debug)]
pub struct ResilienceOptions {
    /// Retry policy (`None`: every call makes exactly one attempt).
    pub retry: Option<Retry>,
    /// Circuit breaker (`None`: none).
    pub breaker: Option<SharedBreaker>,
    /// Retry budget (`None`: unlimited). Default: 10 tokens, 0.1 per success.
    pub budget: Option<BudgetConfig>,
    /// Submit pacing (`maxSubmitsPerSecond`; default: learn the limit from the server).
    pub pacer: PacerConfig,
}

impl Default for ResilienceOptions {
    fn default() -> Self {
        ResilienceOptions {
            retry: None,
            breaker: None,
            budget: Some(BudgetConfig::default()),
            pacer: PacerConfig::default(),
        }
    }
}

/// A client's live resilience state.
pub(crate) struct ResilienceState {
    pub retry: Option<Retry>,
    pub breaker: Option<SharedBreaker>,
    pub budget: RefCell<RetryBudget>,
    pub pacer: Rc<RefCell<SubmitPacer>>,
}

impl ResilienceState {
    /// State for `options`; `pacer`: share an existing pacer (derived clients) or make one.
    pub fn new(options: ResilienceOptions, pacer: Option<Rc<RefCell<SubmitPacer>>>) -> Self {
        let pacer = pacer.unwrap_or_else(|| Rc::new(RefCell::new(SubmitPacer::new(options.pacer))));
        if let Some(limit) = options.pacer.max_submits_per_second {
            pacer.borrow_mut().lower_limit(limit);
        }
        ResilienceState {
            retry: options.retry,
            breaker: options.breaker,
            budget: RefCell::new(match options.budget {
                Some(c) => RetryBudget::new(c),
                None => RetryBudget::unlimited(),
            }),
            pacer,
        }
    }
}

/// Where a failed call ended, for callers that must know whether a job may exist.
pub(crate) struct CallFailure {
    pub error: ArvakError,
    /// [`Reach::NotSent`] when the last attempt never reached `fetch` or the server's pushback
    /// proved it was not processed (every earlier attempt was proven unprocessed, or it would not
    /// have been retried).
    pub reach: Reach,
}

impl From<CallFailure> for ArvakError {
    fn from(f: CallFailure) -> Self {
        f.error
    }
}

/// The attempt loop of one call (see the module docs).
pub(crate) struct Attempts<'a> {
    /// The client-wide state the attempts consult and update (breaker, budget, pacer, policy).
    state: &'a ResilienceState,
    rpc: Rpc,
    jobs: u32,
    attempt: u32,
    sent: u32,
    retry: bool,
    /// Reads of a job the caller owns ([`crate::resilience::owned`]): retried until the caller's
    /// deadline, paced (not failed) by the budget and the breaker.
    owned: bool,
    /// The failure that led to the current retry.
    last: Option<ArvakError>,
}

impl<'a> Attempts<'a> {
    /// Attempts of `rpc` creating `jobs` jobs (0 for reads). `retry: false` makes one attempt
    /// (the caller retries on its own terms, e.g. stream re-subscription).
    pub fn new(state: &'a ResilienceState, rpc: Rpc, jobs: u32, retry: bool) -> Self {
        Attempts {
            state,
            rpc,
            jobs,
            attempt: 0,
            sent: 0,
            retry,
            owned: false,
            last: None,
        }
    }

    /// Makes these attempts an owned read (see [`crate::resilience::owned`]): with or without a
    /// retry policy on the client (the default [`RetryPolicy`] paces them when there is none).
    pub fn owned(mut self) -> Self {
        self.owned = true;
        self
    }

    /// The policy pacing owned reads: the client's, or the default one.
    fn owned_policy(&self) -> (RetryPolicy, Option<RetryHook>) {
        match &self.state().retry {
            Some(r) => (r.policy.clone(), r.on_retry.clone()),
            None => (RetryPolicy::default(), None),
        }
    }

    /// An owned read refused by the breaker: waits until it may probe (abortable, never past the
    /// deadline), then asks again. Only returns the rejection when the deadline is too close.
    async fn acquire_owned(
        &mut self,
        breaker: &SharedBreaker,
        guard: &mut Guard,
    ) -> Result<BreakerPermit, CallFailure> {
        let rpc = self.rpc;
        let (policy, _) = self.owned_policy();
        loop {
            let rejected = match breaker.acquire(rpc) {
                Ok(permit) => return Ok(permit),
                Err(e) => e,
            };
            let failed = FailedAttempt::from_error(rpc, &rejected, self.attempt.max(1))
                .with_reach(Reach::NotSent);
            let wait = rejected.retry_after_ms.map(f64::from);
            let decision = decide_owned(
                &failed,
                &policy,
                guard.deadline().remaining_ms(now_ms()),
                wait,
                &mut self.state().budget.borrow_mut(),
                &mut || js_sys::Math::random(),
            );
            let fail = |e: ArvakError, sent: u32| {
                let mut e = e.with_rpc(rpc);
                e.attempts = sent;
                CallFailure {
                    error: e,
                    reach: Reach::NotSent,
                }
            };
            match decision {
                Decision::RetryAfter(ms) => guard
                    .run(sleep(ms))
                    .await
                    .map_err(|e| fail(e, self.sent.max(1)))?,
                Decision::GiveUp(_) => {
                    let e = self.last.take().unwrap_or(rejected);
                    return Err(fail(e, self.sent));
                }
            }
        }
    }

    fn state(&self) -> &'a ResilienceState {
        self.state
    }

    /// Before an attempt: pacing (submits), then the breaker. Failures here were not sent.
    pub async fn begin(&mut self, guard: &mut Guard) -> Result<Option<BreakerPermit>, CallFailure> {
        self.attempt += 1;
        let rpc = self.rpc;
        let not_sent = |attempts: u32, e: ArvakError| {
            let mut e = e.with_rpc(rpc);
            e.attempts = attempts;
            CallFailure {
                error: e,
                reach: Reach::NotSent,
            }
        };
        // An open breaker refuses before the pacer books a job slot for nothing.
        let refusing = self
            .state()
            .breaker
            .as_ref()
            .is_some_and(|b| b.retry_after_ms().is_some());
        if self.jobs > 0 && !refusing {
            let wait = self
                .state()
                .pacer
                .borrow_mut()
                .reserve(self.jobs, now_ms())
                .map_err(|too_large| {
                    not_sent(
                        self.sent.max(1),
                        ArvakError::new(
                            ErrorKind::RateLimited,
                            Code::ResourceExhausted,
                            too_large.to_string(),
                        ),
                    )
                })?;
            if wait > 0.0 {
                guard
                    .run(sleep(wait))
                    .await
                    .map_err(|e| not_sent(self.sent.max(1), e))?;
            }
        }
        match &self.state().breaker {
            None => Ok(None),
            Some(b) if self.owned => {
                let b = b.clone();
                self.acquire_owned(&b, guard).await.map(Some)
            }
            Some(b) => b
                .acquire(self.rpc)
                .map(Some)
                .map_err(|e| match self.last.take() {
                    // A retry refused by a breaker that opened meanwhile: the server's failure is
                    // the news (every earlier attempt was proven unprocessed, or it was not retried).
                    Some(previous) => not_sent(self.sent, previous),
                    None => not_sent(self.sent, e),
                }),
        }
    }

    /// The current attempt's number (1-based).
    pub fn number(&self) -> u32 {
        self.attempt
    }

    /// How many attempts were handed to `fetch` so far.
    pub fn sent(&self) -> u32 {
        self.sent
    }

    /// The request is about to be handed to `fetch`.
    pub fn sending(&mut self) {
        self.sent += 1;
    }

    /// After an attempt: its outcome to the breaker and the budget.
    pub fn record<T>(&self, permit: Option<BreakerPermit>, result: &Result<T, ArvakError>) {
        if let Some(p) = permit {
            p.finish(BreakerOutcome::of_result(result));
        }
        if result.is_ok() && self.state().retry.is_some() {
            self.state().budget.borrow_mut().record_success();
        }
    }

    /// After a failed attempt: `Ok(())` once it is time for the next attempt (after the backoff
    /// sleep), or the final failure with `attempts` set.
    pub async fn retry_or_fail(
        &mut self,
        error: ArvakError,
        guard: &mut Guard,
    ) -> Result<(), CallFailure> {
        let mut error = error;
        let was_sent = self.sent == self.attempt;
        let reach = if was_sent {
            Reach::of_error(&error)
        } else {
            Reach::NotSent
        };
        if error.code == Code::ResourceExhausted && self.jobs > 0 {
            self.state()
                .pacer
                .borrow_mut()
                .on_throttled(&error.message, now_ms());
        }
        // Attempts sent (at least 1: a failure before sending, e.g. a bad header, is one attempt).
        error.attempts = self.sent.max(1);
        let fail = |error: ArvakError| CallFailure { error, reach };
        if self.owned {
            return self.retry_owned(error, reach, guard).await;
        }
        let retry = match (&self.state().retry, self.retry) {
            (Some(r), true) => r.clone(),
            _ => return Err(fail(error)),
        };
        let failed = FailedAttempt::from_error(self.rpc, &error, self.attempt)
            .with_jobs(self.jobs.max(1) as usize)
            .with_reach(reach);
        let remaining = guard.deadline().remaining_ms(now_ms());
        let decision = decide(
            &failed,
            &retry.policy,
            remaining,
            &mut self.state().budget.borrow_mut(),
            &mut || js_sys::Math::random(),
        );
        // A breaker that this failure (or another call) has just opened would refuse the retry:
        // report the server's failure now rather than sleep into a circuit-open rejection.
        let breaker_wait = self
            .state()
            .breaker
            .as_ref()
            .and_then(SharedBreaker::retry_after_ms);
        let decision = match (decision, breaker_wait) {
            (Decision::RetryAfter(ms), Some(wait)) if wait > ms => {
                Decision::GiveUp(GiveUpReason::CircuitOpen)
            }
            (d, _) => d,
        };
        match decision {
            Decision::RetryAfter(ms) => {
                let hook = retry.on_retry.clone();
                self.pause(ms, error, hook.as_ref(), guard).await
            }
            Decision::GiveUp(reason) => {
                if matches!(
                    reason,
                    GiveUpReason::MaybeCreated | GiveUpReason::PartiallyCreated
                ) {
                    error.message = format!("{} ({})", error.message, reason.describe());
                }
                Err(fail(error))
            }
        }
    }

    /// Tells `hook` about the retry, then sleeps `ms` (abortable by the guard) before the next
    /// attempt; `error` becomes the last failure.
    async fn pause(
        &mut self,
        ms: f64,
        error: ArvakError,
        hook: Option<&RetryHook>,
        guard: &mut Guard,
    ) -> Result<(), CallFailure> {
        if let Some(hook) = hook {
            hook(&RetryEvent {
                rpc: self.rpc,
                attempt: self.attempt,
                delay_ms: ms,
                error: &error,
            });
        }
        guard.run(sleep(ms)).await.map_err(|e| {
            let mut e = e.with_rpc(self.rpc);
            e.attempts = self.sent.max(1);
            CallFailure {
                error: e,
                reach: Reach::NotSent,
            }
        })?;
        self.last = Some(error);
        Ok(())
    }

    /// [`Attempts::retry_or_fail`] for an owned read.
    async fn retry_owned(
        &mut self,
        error: ArvakError,
        reach: Reach,
        guard: &mut Guard,
    ) -> Result<(), CallFailure> {
        let (policy, hook) = self.owned_policy();
        let failed = FailedAttempt::from_error(self.rpc, &error, self.attempt).with_reach(reach);
        let breaker_wait = self
            .state()
            .breaker
            .as_ref()
            .and_then(SharedBreaker::retry_after_ms);
        let decision = decide_owned(
            &failed,
            &policy,
            guard.deadline().remaining_ms(now_ms()),
            breaker_wait,
            &mut self.state().budget.borrow_mut(),
            &mut || js_sys::Math::random(),
        );
        match decision {
            Decision::RetryAfter(ms) => self.pause(ms, error, hook.as_ref(), guard).await,
            Decision::GiveUp(reason) => {
                let mut error = error;
                if reason == GiveUpReason::DeadlineTooClose {
                    // Say why a read that is never abandoned stopped: the caller's deadline.
                    error.message = format!(
                        "{} (retried {} times; stopped at the caller's deadline: the next attempt \
                         would start after it)",
                        error.message,
                        self.sent.saturating_sub(1)
                    );
                }
                Err(CallFailure { error, reach })
            }
        }
    }
}

/// The re-subscription decision of a wait whose WatchJob stream failed or was cut (`attempt`:
/// consecutive failed subscriptions). `Some(delay)`: sleep and subscribe again; `None`: poll.
pub(crate) fn resubscribe_delay(
    client: &ArvakClient,
    error: &ArvakError,
    attempt: u32,
    remaining_ms: Option<f64>,
) -> Option<f64> {
    let state = &client.resilience_state();
    let retry = state.retry.as_ref()?;
    let failed = FailedAttempt::from_error(Rpc::WatchJob, error, attempt);
    let decision = decide(
        &failed,
        &retry.policy,
        remaining_ms,
        &mut state.budget.borrow_mut(),
        &mut || js_sys::Math::random(),
    );
    match decision {
        Decision::RetryAfter(ms) => {
            if let Some(hook) = &retry.on_retry {
                hook(&RetryEvent {
                    rpc: Rpc::WatchJob,
                    attempt,
                    delay_ms: ms,
                    error,
                });
            }
            Some(ms)
        }
        Decision::GiveUp(_) => None,
    }
}
