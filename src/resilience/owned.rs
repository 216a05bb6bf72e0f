//! Owned reads: once a job id is known, reading that job is never given up for load-shedding
//! reasons.
//!
//! The service has no ListJobs RPC (spec §5): a job whose result the client stops asking for is
//! lost to the user, although it ran. So the reads a wait, a future or a batch makes of **its own
//! jobs** — GetJobStatus polls, the confirming GetJobResult, the batch's optimistic GetJobResult,
//! and the breaker pacing of WatchJob (re-)subscriptions — follow [`decide_owned`] instead of
//! [`super::decide`]:
//!
//! | situation after a failed attempt | plain call ([`super::decide`]) | owned read ([`decide_owned`]) |
//! |---|---|---|
//! | caller abort / `close()` | give up | give up |
//! | definite answer (job not found, job failed, unauthenticated, …) or a code outside `retryableCodes` | give up | give up |
//! | `maxAttempts` reached | give up | keep going, backoff stays at its cap (`maxBackoffMs`) |
//! | retry budget spent | give up | keep going, slower: at least half of `maxBackoffMs` (equal jitter up to it) |
//! | circuit breaker open (call refused, nothing sent) | give up (`CircuitOpenError`) | wait for the breaker (re-checked at least every `maxBackoffMs`, locally) and try when it admits a probe |
//! | server pushback `grpc-retry-pushback-ms: N` | wait N ms, or give up if N > `maxBackoffMs` | wait N ms (at most [`OWNED_MAX_PUSHBACK_MS`]) |
//! | pushback "do not retry" (negative / malformed) | give up | wait `maxBackoffMs` |
//! | next attempt would start after the caller's deadline | give up | give up (the caller's `maxWaitMs`, batch `timeoutMs`) |
//!
//! The budget is still charged for every transient failure, so the calls that own nothing
//! (ListBackends, GetBackendInfo, a user's plain `getJobStatus`) stop retrying while owned reads
//! fail: the budget and the breaker protect the server by slowing owned reads down, never by
//! dropping them. What ends an owned read: a result, a permanent answer, the caller's deadline,
//! an abort or `close()`.

use crate::logic::error::{clamp_f64, Code, ErrorKind};

use super::backoff::{never_retryable_reason, RetryPolicy};
use super::budget::RetryBudget;
use super::retry::{Decision, FailedAttempt, GiveUpReason, Pushback};
use super::rng::{unit, RandomSource};

/// The longest server pushback an owned read honours before trying again anyway (5 minutes):
/// a hostile or broken server cannot park a wait for ever with one huge header value.
pub const OWNED_MAX_PUSHBACK_MS: f64 = 300_000.0;

/// The shortest pause between two breaker checks of an owned read, so a breaker whose timeout is
/// 0 cannot turn a wait into a busy loop.
pub const OWNED_MIN_PAUSE_MS: f64 = 1.0;

/// Decides what an owned read does after a failed attempt (rules in the module docs).
///
/// * `remaining_ms`: time left until the caller's deadline (`None`: unbounded).
/// * `breaker_wait_ms`: how long the circuit breaker will refuse calls from now (`None`: it admits
///   one now). For a refused attempt ([`ErrorKind::CircuitOpen`]) this is the rejection's
///   `retry_after_ms`.
/// * `budget`: the client-wide retry budget, charged here for transient failures.
pub fn decide_owned(
    failed: &FailedAttempt,
    policy: &RetryPolicy,
    remaining_ms: Option<f64>,
    breaker_wait_ms: Option<f64>,
    budget: &mut RetryBudget,
    rng: &mut (impl RandomSource + ?Sized),
) -> Decision {
    use GiveUpReason::*;
    if failed.kind == ErrorKind::Aborted {
        return Decision::GiveUp(Aborted);
    }
    let cap = policy.max_backoff_ms.max(0.0);
    let delay = if failed.kind == ErrorKind::CircuitOpen {
        // Refused locally: nothing was sent, nothing is charged. Wait for the breaker, but look
        // again at least every maxBackoffMs (a half-open breaker frees its probe slot as soon as
        // the probe returns, usually long before its write-off time). Equal jitter spreads the
        // waiting reads so they do not all knock at the same instant.
        let wait = breaker_wait_ms.unwrap_or(0.0);
        let wait = if wait.is_nan() { cap } else { wait.min(cap) };
        let wait = wait.max(OWNED_MIN_PAUSE_MS);
        wait / 2.0 + (wait / 2.0) * unit(rng)
    } else {
        let transient = policy.retryable_codes.contains(failed.code)
            && never_retryable_reason(failed.code).is_none()
            && !failed.kind.is_definite();
        if !transient {
            return Decision::GiveUp(NotRetryable);
        }
        if failed.code != Code::ResourceExhausted {
            budget.record_failure();
        }
        let backoff = policy.delay_ms(failed.attempt, rng);
        let mut delay = match failed.pushback {
            Pushback::RetryAfterMs(ms) => ms.min(OWNED_MAX_PUSHBACK_MS),
            Pushback::DoNotRetry => cap,
            Pushback::None => backoff,
        };
        if !budget.can_retry() {
            // Slower, not stopped: at least half of maxBackoffMs.
            let slow = cap / 2.0 + (cap / 2.0) * unit(rng);
            delay = delay.max(slow);
        }
        // A breaker this failure (or another call) has just opened: no point knocking earlier.
        if let Some(wait) = breaker_wait_ms.filter(|w| w.is_finite()) {
            delay = delay.max(wait.min(cap));
        }
        clamp_f64(delay.floor(), 0.0, OWNED_MAX_PUSHBACK_MS.max(cap))
    };
    match remaining_ms {
        Some(r) if r.is_nan() || delay >= r => Decision::GiveUp(DeadlineTooClose),
        _ => Decision::RetryAfter(delay),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::error::{classify, Rpc};
    use crate::resilience::backoff::Jitter;
    use crate::resilience::breaker::{BreakerConfig, BreakerOutcome, CircuitBreaker};
    use crate::resilience::budget::BudgetConfig;
    use crate::resilience::rng::SplitMix64;
    use crate::resilience::{decide, Reach};

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff_ms: 10.0,
            max_backoff_ms: 200.0,
            jitter: Jitter::None,
            ..RetryPolicy::default()
        }
    }

    fn failure(rpc: Rpc, code: Code, attempt: u32) -> FailedAttempt {
        FailedAttempt::new(rpc, code, classify(code, rpc, "x"), attempt)
    }

    fn retry_ms(d: Decision) -> f64 {
        match d {
            Decision::RetryAfter(ms) => ms,
            other => panic!("expected a retry, got {other:?}"),
        }
    }

    #[test]
    fn attempts_are_not_capped_and_the_backoff_stays_at_its_maximum() {
        let p = policy();
        let mut b = RetryBudget::unlimited();
        let mut r = SplitMix64::new(1);
        let f = |a| failure(Rpc::GetJobResult, Code::Unavailable, a);
        // The plain decision stops at maxAttempts…
        assert_eq!(
            decide(&f(3), &p, None, &mut b, &mut r),
            Decision::GiveUp(GiveUpReason::AttemptsExhausted)
        );
        // …the owned one goes on, 10, 20, 40, 80, 160, 200, 200, … ms.
        let delays: Vec<f64> = (1..=8)
            .map(|a| retry_ms(decide_owned(&f(a), &p, None, None, &mut b, &mut r)))
            .collect();
        assert_eq!(
            delays,
            vec![10.0, 20.0, 40.0, 80.0, 160.0, 200.0, 200.0, 200.0]
        );
        assert_eq!(
            retry_ms(decide_owned(&f(1_000_000), &p, None, None, &mut b, &mut r)),
            200.0
        );
    }

    #[test]
    fn permanent_answers_aborts_and_non_retryable_codes_still_end_it() {
        let p = policy();
        let mut b = RetryBudget::unlimited();
        let mut r = SplitMix64::new(2);
        for (rpc, code) in [
            (Rpc::GetJobStatus, Code::NotFound),
            (Rpc::GetJobResult, Code::NotFound),
            (Rpc::GetJobResult, Code::Aborted),
            (Rpc::GetJobResult, Code::FailedPrecondition),
            (Rpc::GetJobStatus, Code::Unauthenticated),
            (Rpc::GetJobStatus, Code::PermissionDenied),
            (Rpc::GetJobStatus, Code::InvalidArgument),
            (Rpc::GetJobStatus, Code::Unimplemented),
            (Rpc::GetJobStatus, Code::Internal), // not in the default retryableCodes
            (Rpc::WatchJob, Code::Internal),
        ] {
            let f = failure(rpc, code, 1);
            assert_eq!(
                decide_owned(&f, &p, None, None, &mut b, &mut r),
                Decision::GiveUp(GiveUpReason::NotRetryable),
                "{rpc} {code:?}"
            );
        }
        let aborted = FailedAttempt::new(Rpc::GetJobStatus, Code::Cancelled, ErrorKind::Aborted, 1);
        assert_eq!(
            decide_owned(&aborted, &p, None, None, &mut b, &mut r),
            Decision::GiveUp(GiveUpReason::Aborted)
        );
        // Every default retryable code is retried.
        for code in [
            Code::Unavailable,
            Code::Unknown,
            Code::DeadlineExceeded,
            Code::ResourceExhausted,
            Code::Cancelled,
        ] {
            let f = failure(Rpc::GetJobStatus, code, 50);
            assert!(matches!(
                decide_owned(&f, &p, None, None, &mut b, &mut r),
                Decision::RetryAfter(_)
            ));
        }
    }

    #[test]
    fn a_spent_budget_slows_owned_reads_down_instead_of_failing_them() {
        let p = policy();
        let mut b = RetryBudget::new(BudgetConfig::default());
        let mut r = SplitMix64::new(3);
        // Drain the budget to its half-way mark (10 → 5 tokens).
        for _ in 0..5 {
            b.record_failure();
        }
        assert!(!b.can_retry());
        let f = failure(Rpc::GetJobStatus, Code::Unavailable, 1);
        // The plain decision gives up…
        assert_eq!(
            decide(&f, &p, None, &mut b.clone(), &mut r),
            Decision::GiveUp(GiveUpReason::BudgetExhausted)
        );
        // …the owned one waits between 100 and 200 ms instead of 10.
        for _ in 0..50 {
            let ms = retry_ms(decide_owned(&f, &p, None, None, &mut b, &mut r));
            assert!((100.0..=200.0).contains(&ms), "{ms}");
        }
        // And it still charges the budget, so reads that own nothing stay throttled.
        assert_eq!(b.tokens(), 0.0);
        let list = failure(Rpc::ListBackends, Code::Unavailable, 1);
        assert_eq!(
            decide(&list, &p, None, &mut b, &mut r),
            Decision::GiveUp(GiveUpReason::BudgetExhausted)
        );
    }

    #[test]
    fn an_open_breaker_paces_owned_reads() {
        let p = policy();
        let mut b = RetryBudget::new(BudgetConfig::default());
        let mut r = SplitMix64::new(4);
        let refused = FailedAttempt::new(
            Rpc::GetJobStatus,
            Code::Unavailable,
            ErrorKind::CircuitOpen,
            0,
        )
        .with_reach(Reach::NotSent);
        // Open for another 150 ms: wait 75–150 ms (equal jitter), nothing charged.
        for _ in 0..50 {
            let ms = retry_ms(decide_owned(
                &refused,
                &p,
                None,
                Some(150.0),
                &mut b,
                &mut r,
            ));
            assert!((75.0..=150.0).contains(&ms), "{ms}");
        }
        assert_eq!(b.tokens(), 10.0);
        // Open for 30 s: re-checked locally at least every maxBackoffMs.
        let ms = retry_ms(decide_owned(
            &refused,
            &p,
            None,
            Some(30_000.0),
            &mut b,
            &mut r,
        ));
        assert!((100.0..=200.0).contains(&ms), "{ms}");
        // Zero or missing wait: never a busy loop.
        for wait in [None, Some(0.0), Some(-5.0), Some(f64::NAN)] {
            let ms = retry_ms(decide_owned(&refused, &p, None, wait, &mut b, &mut r));
            assert!(ms >= 0.5, "{wait:?} → {ms}");
        }
        // The plain decision reports the rejection.
        assert_eq!(
            decide(&refused, &p, None, &mut b, &mut r),
            Decision::GiveUp(GiveUpReason::CircuitOpen)
        );
        // A failure while the breaker has just opened: wait for it rather than knock early.
        let f = failure(Rpc::GetJobStatus, Code::Unavailable, 1);
        let ms = retry_ms(decide_owned(&f, &p, None, Some(180.0), &mut b, &mut r));
        assert_eq!(ms, 180.0);
    }

    #[test]
    fn pushback_is_honoured_and_bounded() {
        let p = policy();
        let mut b = RetryBudget::unlimited();
        let mut r = SplitMix64::new(5);
        let f = |pb| failure(Rpc::GetJobResult, Code::Unavailable, 1).with_pushback(pb);
        assert_eq!(
            retry_ms(decide_owned(
                &f(Pushback::RetryAfterMs(40.0)),
                &p,
                None,
                None,
                &mut b,
                &mut r
            )),
            40.0
        );
        // Longer than maxBackoffMs: a plain call gives up, an owned read waits.
        assert!(matches!(
            decide(
                &f(Pushback::RetryAfterMs(5_000.0)),
                &p,
                None,
                &mut b,
                &mut r
            ),
            Decision::GiveUp(GiveUpReason::PushbackTooLong { .. })
        ));
        assert_eq!(
            retry_ms(decide_owned(
                &f(Pushback::RetryAfterMs(5_000.0)),
                &p,
                None,
                None,
                &mut b,
                &mut r
            )),
            5_000.0
        );
        // A hostile value is capped.
        assert_eq!(
            retry_ms(decide_owned(
                &f(Pushback::RetryAfterMs(f64::INFINITY)),
                &p,
                None,
                None,
                &mut b,
                &mut r
            )),
            OWNED_MAX_PUSHBACK_MS
        );
        // "Do not retry": slowest pace, not abandonment.
        assert_eq!(
            retry_ms(decide_owned(
                &f(Pushback::DoNotRetry),
                &p,
                None,
                None,
                &mut b,
                &mut r
            )),
            200.0
        );
    }

    #[test]
    fn the_callers_deadline_ends_it() {
        let p = policy();
        let mut b = RetryBudget::unlimited();
        let mut r = SplitMix64::new(6);
        let f = failure(Rpc::GetJobStatus, Code::Unavailable, 10); // 200 ms backoff
        assert_eq!(
            decide_owned(&f, &p, Some(201.0), None, &mut b, &mut r),
            Decision::RetryAfter(200.0)
        );
        for remaining in [200.0, 10.0, 0.0, f64::NAN] {
            assert_eq!(
                decide_owned(&f, &p, Some(remaining), None, &mut b, &mut r),
                Decision::GiveUp(GiveUpReason::DeadlineTooClose),
                "{remaining}"
            );
        }
    }

    /// A simulated outage on a fake clock: a server that fails every call for 5 s, a breaker
    /// (3 failures, 1 s), the default budget. The owned read survives and delivers as soon as the
    /// server is back, paced by the breaker (few calls sent, the rest refused locally); the plain
    /// read gives up during the outage.
    #[test]
    fn an_owned_read_survives_an_outage_on_a_fake_clock() {
        let p = RetryPolicy {
            max_attempts: 10,
            initial_backoff_ms: 10.0,
            max_backoff_ms: 200.0,
            jitter: Jitter::Full,
            ..RetryPolicy::default()
        };
        let down_until = 5_000.0;
        let run = |owned: bool| {
            let mut breaker = CircuitBreaker::new(BreakerConfig {
                failure_threshold: 3,
                timeout_ms: 1_000.0,
                ..BreakerConfig::default()
            });
            let mut budget = RetryBudget::new(BudgetConfig::default());
            let mut rng = SplitMix64::new(7);
            let mut now = 0.0;
            let mut attempt = 0u32;
            let (mut sent, mut refused) = (0u32, 0u32);
            loop {
                attempt += 1;
                let (failed, refused_wait) = match breaker.try_acquire(now) {
                    Err(rejected) => {
                        refused += 1;
                        let f = FailedAttempt::new(
                            Rpc::GetJobResult,
                            Code::Unavailable,
                            ErrorKind::CircuitOpen,
                            attempt,
                        )
                        .with_reach(Reach::NotSent);
                        (f, Some(rejected.retry_at_ms - now))
                    }
                    Ok(permit) => {
                        sent += 1;
                        now += 2.0; // the call's round trip
                        if now >= down_until {
                            breaker.on_result(permit, BreakerOutcome::Success, now);
                            return (true, now, sent, refused);
                        }
                        breaker.on_result(permit, BreakerOutcome::Failure, now);
                        (failure(Rpc::GetJobResult, Code::Unavailable, attempt), None)
                    }
                };
                let breaker_wait =
                    refused_wait.or_else(|| breaker.retry_at_ms(now).map(|at| at - now));
                let d = if owned {
                    decide_owned(&failed, &p, None, breaker_wait, &mut budget, &mut rng)
                } else {
                    decide(&failed, &p, None, &mut budget, &mut rng)
                };
                match d {
                    Decision::RetryAfter(ms) => now += ms,
                    Decision::GiveUp(_) => return (false, now, sent, refused),
                }
                assert!(now < 60_000.0, "runaway");
            }
        };
        let (delivered, at, sent, refused) = run(true);
        assert!(delivered);
        assert!(
            (5_000.0..6_300.0).contains(&at),
            "delivered {at} ms after the outage began"
        );
        assert!(refused > 0, "the breaker refused some attempts locally");
        assert!(sent <= 12, "breaker-paced: {sent} calls sent in 5 s");
        let (delivered, at, _, _) = run(false);
        assert!(!delivered, "the plain read gives up (at {at} ms)");
        assert!(at < 5_000.0);
    }
}
