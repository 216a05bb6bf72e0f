//! Resilience and batches, the pure half: deterministic, natively tested, no `web-sys`, no timers,
//! no I/O. Time is always passed in (`now_ms`, any monotonic millisecond clock such as
//! `performance.now()`), randomness through [`RandomSource`].
//!
//! * [`backoff`] — [`RetryPolicy`] and its delay schedule (never above `maxBackoffMs`).
//! * [`retry`] — [`decide`]: the retry decision per RPC, code, attempt, deadline, budget and
//!   pushback; [`created_on_failure`]: what a failed submission proves.
//! * [`owned`] — [`decide_owned`]: the decision for reads of a job the caller owns (waits,
//!   futures, batches): never abandoned for attempts, budget or breaker, only slowed down.
//! * [`budget`] — [`RetryBudget`], the client-wide gRFC A6 retry token bucket.
//! * [`breaker`] — [`CircuitBreaker`], which cannot stick in half-open.
//! * [`pacer`] — [`SubmitPacer`], keeping job creation under the server's per-IP rate limit and
//!   sizing SubmitBatch chunks so the limit cannot cut them.
//! * [`batch`] — [`BatchLedger`] (every input accounted for exactly once), [`BatchProgress`],
//!   [`format_progress_bar`], [`chunk_failure`].
//! * [`rng`] — [`RandomSource`] and the seeded [`SplitMix64`].
//!
//! ## One RPC attempt, wired together (what the browser call pipeline does)
//!
//! ```text
//! deadline = now + timeoutMs                       (the call's overall deadline)
//! attempt = 0
//! loop:
//!   attempt += 1
//!   if submit: sleep(pacer.reserve(jobs, now))     (abortable; give up if past the deadline)
//!   permit = breaker.try_acquire(now)
//!     Err(rejected) → fail at once with rejected.to_error(now) (nothing sent; attempts = attempt-1)
//!   result = send with grpc-timeout = deadline - now
//!   breaker.on_result(permit, BreakerOutcome::of_result(&result), now)   (abandon() on abort)
//!   Ok  → budget.record_success(); return
//!   Err(e):
//!     if e.code == RESOURCE_EXHAUSTED and submit: pacer.on_throttled(&e.message, now)
//!     match decide(&FailedAttempt::from_error(rpc, &e, attempt).with_jobs(n), &policy,
//!                  deadline.remaining_ms(now), &mut budget, &mut rng)
//!       RetryAfter(ms) → onRetry(...); sleep(ms) (abortable)
//!       GiveUp(reason) → return e with attempts = attempt (and reason.describe() if useful)
//! ```
//!
//! Breaker, budget and pacer are per client (shared by all its calls); the policy is per client
//! with per-call overrides.

pub mod backoff;
pub mod batch;
pub mod breaker;
pub mod budget;
pub mod owned;
pub mod pacer;
pub mod retry;
pub mod rng;

pub use backoff::{
    BackoffStrategy, Jitter, RetryPolicy, RetryableCodes, DEFAULT_RETRYABLE_CODES,
    RETRYABLE_CANDIDATES,
};
pub use batch::{
    batch_status, chunk_failure, format_progress_bar, BatchEnd, BatchLedger, BatchProgress,
    BatchReport, BatchStatus, ChunkFailure, Failure, JobExistence, LedgerError, Outcome, Recorded,
    Unsettled,
};
pub use breaker::{
    BreakerConfig, BreakerOutcome, BreakerState, CircuitBreaker, Permit, Rejected, Transition,
};
pub use budget::{BudgetConfig, RetryBudget};
pub use owned::{decide_owned, OWNED_MAX_PUSHBACK_MS, OWNED_MIN_PAUSE_MS};
pub use pacer::{
    ChunkGrant, ChunkRoom, PacerConfig, SubmitPacer, Throttle, TooLarge, RATE_WINDOW_MS,
};
pub use retry::{
    created_on_failure, decide, Created, Decision, FailedAttempt, GiveUpReason, Pushback, Reach,
    PUSHBACK_HEADER,
};
pub use rng::{RandomSource, SplitMix64};
