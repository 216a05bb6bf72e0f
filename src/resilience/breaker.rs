//! The circuit breaker: stop calling a server that is down, probe it now and then, resume when it
//! answers again.
//!
//! ```text
//!            failure_threshold consecutive failures            timeout_ms elapsed,
//!   Closed ───────────────────────────────────────────► Open ──(next try_acquire)──► HalfOpen
//!     ▲  a success resets the count to 0                 ▲                              │
//!     │                                                  └──── a probe fails ───────────┤
//!     └───────────── success_threshold probes succeed ──────────────────────────────────┘
//! ```
//!
//! Fixes over the Python breaker (spec §13.7):
//!
//! * **It cannot stick in HalfOpen.** Half-open admits up to `half_open_max_calls` *concurrent*
//!   probes; every probe that finishes — success, failure, or abandoned — frees its slot, so
//!   another probe is admitted and `success_threshold` is reachable for every configuration
//!   (Python only ever admits `1 + half_open_max_calls` probes in total). A probe nobody reports
//!   back on (a leaked permit, a call that never settles) is written off as a failure after
//!   `timeout_ms`, so even a buggy caller cannot wedge it.
//! * **A success in Closed resets the consecutive-failure count** (Python decrements it, which keeps
//!   a flapping service "closed").
//! * **Only server/transport trouble counts** ([`BreakerOutcome::of_error`]): invalid circuits,
//!   unknown ids, "not completed", failed jobs and auth errors are answers from a healthy server.
//! * Late results of calls admitted before a state change are ignored (each [`Permit`] carries the
//!   generation it was issued in), so a slow pre-outage success cannot close an open breaker and a
//!   slow failure from before recovery cannot re-open it.
//! * Rejections say when the breaker will let a probe through ([`Rejected::retry_at_ms`]) and every
//!   state change is logged for `onStateChange` ([`CircuitBreaker::take_transitions`]).
//!
//! Time is passed in (`now_ms`, any monotonic millisecond clock). The breaker is a plain value:
//! the browser layer keeps one per client behind an `Rc<RefCell<…>>`.

use std::fmt;

use crate::logic::error::{clamp_f64, describe_number, ArvakError, Code, ErrorKind};

/// Breaker settings (the JavaScript `{ failureThreshold, successThreshold, timeoutMs,
/// halfOpenMaxCalls }`, read by the bindings).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreakerConfig {
    /// Consecutive counted failures in Closed that open the breaker (default 5, ≥ 1).
    pub failure_threshold: u32,
    /// Successful probes in HalfOpen that close it (default 2, ≥ 1).
    pub success_threshold: u32,
    /// How long Open lasts before a probe is allowed, and how long a probe may stay unreported
    /// before it is written off as failed (default 60 000 ms, ≥ 0).
    pub timeout_ms: f64,
    /// Probes allowed in flight at once in HalfOpen (default 1, ≥ 1).
    pub half_open_max_calls: u32,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        BreakerConfig {
            failure_threshold: 5,
            success_threshold: 2,
            timeout_ms: 60_000.0,
            half_open_max_calls: 1,
        }
    }
}

impl BreakerConfig {
    /// Checks every field; the error names the option.
    pub fn validate(&self) -> Result<(), ArvakError> {
        let bad = |m: String| Err(ArvakError::invalid_argument(m));
        if self.failure_threshold == 0 {
            return bad("circuitBreaker.failureThreshold must be at least 1, got 0".to_owned());
        }
        if self.success_threshold == 0 {
            return bad("circuitBreaker.successThreshold must be at least 1, got 0".to_owned());
        }
        if self.half_open_max_calls == 0 {
            return bad(
                "circuitBreaker.halfOpenMaxCalls must be at least 1 (0 would never probe), got 0"
                    .to_owned(),
            );
        }
        if !(self.timeout_ms.is_finite() && self.timeout_ms >= 0.0) {
            return bad(format!(
                "circuitBreaker.timeoutMs must be a finite number ≥ 0, got {}",
                describe_number(self.timeout_ms)
            ));
        }
        Ok(())
    }
}

/// The breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BreakerState {
    /// Calls flow; consecutive failures are counted.
    Closed,
    /// Calls are rejected at once until `timeout_ms` has passed.
    Open,
    /// A limited number of probe calls decide whether to close or re-open.
    HalfOpen,
}

impl BreakerState {
    /// `"closed"`, `"open"` or `"half_open"` (the Python client's names).
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

impl fmt::Display for BreakerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a finished call says about the server's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerOutcome {
    /// The server answered (successfully or with an application-level error).
    Success,
    /// Server or transport trouble.
    Failure,
    /// Says nothing about the server (the caller aborted); only frees the permit.
    Ignored,
}

impl BreakerOutcome {
    /// Classifies a failed call.
    ///
    /// **Failure** (counted): kinds `Unavailable` (`UNAVAILABLE`, `UNKNOWN`, failed fetch, broken
    /// grpc-web) and `Timeout` (`DEADLINE_EXCEEDED`, the server's `CANCELLED "Timeout expired"`),
    /// and the codes `INTERNAL` and `DATA_LOSS` unless the kind is a definite answer (WatchJob's
    /// in-stream `INTERNAL` for an unknown id is `JobNotFound`).
    ///
    /// **Ignored**: the caller's abort (`Aborted`) and another breaker's rejection
    /// (`CircuitOpen`: nothing was sent).
    ///
    /// **Success** (the server is up and answering): everything else — invalid circuits, unknown
    /// job/backend, not completed, job failed/cancelled, result expired, unauthenticated, and also
    /// `RESOURCE_EXHAUSTED`: a rate or concurrency rejection proves the server is alive and is
    /// handled by the pacer and backoff; opening the breaker on it would fail a whole batch fast
    /// for `timeout_ms` because of a limit that resets every second. `UNIMPLEMENTED`,
    /// `PERMISSION_DENIED` and `OUT_OF_RANGE` are deterministic answers too.
    pub fn of_error(code: Code, kind: ErrorKind) -> BreakerOutcome {
        match kind {
            ErrorKind::Aborted | ErrorKind::CircuitOpen => BreakerOutcome::Ignored,
            ErrorKind::Unavailable | ErrorKind::Timeout => BreakerOutcome::Failure,
            ErrorKind::Other if matches!(code, Code::Internal | Code::DataLoss) => {
                BreakerOutcome::Failure
            }
            _ => BreakerOutcome::Success,
        }
    }

    /// [`BreakerOutcome::Success`] for `Ok`, [`BreakerOutcome::of_error`] otherwise.
    pub fn of_result<T>(result: &Result<T, ArvakError>) -> BreakerOutcome {
        match result {
            Ok(_) => BreakerOutcome::Success,
            Err(e) => BreakerOutcome::of_error(e.code, e.kind),
        }
    }
}

/// Permission to make one call. Hand it back exactly once, through
/// [`CircuitBreaker::on_result`] or [`CircuitBreaker::abandon`]; it is neither `Clone` nor `Copy`.
/// (A probe permit that is simply dropped is written off after `timeout_ms`; the browser layer
/// should still wrap it in a guard that abandons on drop.)
#[derive(Debug, PartialEq, Eq)]
#[must_use = "report the call's outcome with on_result() or abandon()"]
pub struct Permit {
    generation: u64,
    probe: Option<u64>,
}

impl Permit {
    /// Whether this call is a half-open probe.
    pub fn is_probe(&self) -> bool {
        self.probe.is_some()
    }
}

/// A refused call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rejected {
    /// The state that refused it (Open, or HalfOpen with every probe slot busy).
    pub state: BreakerState,
    /// When a call will be admitted again at the latest: the end of the open period, or — when
    /// half-open probes are busy — the time the oldest probe would be written off (a slot usually
    /// frees much earlier, when a probe finishes).
    pub retry_at_ms: f64,
}

impl Rejected {
    /// The circuit-open error for this rejection (kind [`ErrorKind::CircuitOpen`], JavaScript class
    /// `CircuitOpenError`, code `UNAVAILABLE`, `attempts` 0, `retry_after_ms` set). Nothing was sent.
    pub fn to_error(&self, now_ms: f64) -> ArvakError {
        let wait = (self.retry_at_ms - now_ms).max(0.0).ceil();
        let what = match self.state {
            BreakerState::HalfOpen => "is half-open and its probe calls are in flight",
            _ => "is open after repeated server failures",
        };
        let mut e = ArvakError::new(
            ErrorKind::CircuitOpen,
            Code::Unavailable,
            format!(
                "Circuit breaker {what}; the call was not sent. It will let a call through again \
                 in at most {} ms",
                describe_number(wait)
            ),
        );
        e.attempts = 0;
        e.retry_after_ms = Some(wait.min(f64::from(u32::MAX)) as u32);
        e
    }
}

/// One state change, for `onStateChange`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transition {
    /// Previous state.
    pub from: BreakerState,
    /// New state.
    pub to: BreakerState,
    /// When it happened (the `now_ms` of the call that caused it).
    pub at_ms: f64,
}

#[derive(Debug, Clone, PartialEq)]
enum Inner {
    Closed {
        failures: u32,
    },
    Open {
        until_ms: f64,
    },
    HalfOpen {
        successes: u32,
        /// (probe id, admitted at).
        probes: Vec<(u64, f64)>,
    },
}

/// The circuit breaker (see the module docs).
#[derive(Debug, Clone)]
pub struct CircuitBreaker {
    config: BreakerConfig,
    inner: Inner,
    generation: u64,
    next_probe: u64,
    transitions: Vec<Transition>,
}

/// At most this many transitions are kept between two [`CircuitBreaker::take_transitions`] calls
/// (the oldest are dropped), so a caller that never drains the log cannot grow memory.
pub const MAX_LOGGED_TRANSITIONS: usize = 64;

impl CircuitBreaker {
    /// A closed breaker. Invalid values are clamped to the nearest valid ones (validate the
    /// configuration first to report them).
    pub fn new(config: BreakerConfig) -> Self {
        let config = BreakerConfig {
            failure_threshold: config.failure_threshold.max(1),
            success_threshold: config.success_threshold.max(1),
            half_open_max_calls: config.half_open_max_calls.max(1),
            timeout_ms: if config.timeout_ms.is_nan() {
                BreakerConfig::default().timeout_ms
            } else {
                clamp_f64(config.timeout_ms, 0.0, f64::MAX)
            },
        };
        CircuitBreaker {
            config,
            inner: Inner::Closed { failures: 0 },
            generation: 0,
            next_probe: 0,
            transitions: Vec::new(),
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &BreakerConfig {
        &self.config
    }

    /// The current state. Open → HalfOpen happens at the first [`CircuitBreaker::try_acquire`]
    /// after the timeout, so this may still say Open after `timeout_ms` when no call came.
    pub fn state(&self) -> BreakerState {
        match self.inner {
            Inner::Closed { .. } => BreakerState::Closed,
            Inner::Open { .. } => BreakerState::Open,
            Inner::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// Consecutive counted failures while Closed (0 in the other states).
    pub fn consecutive_failures(&self) -> u32 {
        match self.inner {
            Inner::Closed { failures } => failures,
            _ => 0,
        }
    }

    /// Probes in flight (HalfOpen only).
    pub fn probes_in_flight(&self) -> usize {
        match &self.inner {
            Inner::HalfOpen { probes, .. } => probes.len(),
            _ => 0,
        }
    }

    /// Asks to make a call at `now_ms`.
    pub fn try_acquire(&mut self, now_ms: f64) -> Result<Permit, Rejected> {
        if let Inner::Open { until_ms } = self.inner {
            if now_ms >= until_ms {
                self.enter(
                    Inner::HalfOpen {
                        successes: 0,
                        probes: Vec::new(),
                    },
                    now_ms,
                );
            } else {
                return Err(Rejected {
                    state: BreakerState::Open,
                    retry_at_ms: until_ms,
                });
            }
        }
        if let Inner::HalfOpen { probes, .. } = &self.inner {
            // Write off probes nobody reported back on within timeout_ms.
            let lease = self.config.timeout_ms;
            if probes
                .iter()
                .any(|&(_, at)| now_ms - at >= lease && now_ms > at)
            {
                self.open(now_ms);
                return Err(Rejected {
                    state: BreakerState::Open,
                    retry_at_ms: now_ms + self.config.timeout_ms,
                });
            }
        }
        let generation = self.generation;
        let max = self.config.half_open_max_calls as usize;
        let lease = self.config.timeout_ms;
        match &mut self.inner {
            Inner::Closed { .. } => Ok(Permit {
                generation,
                probe: None,
            }),
            Inner::HalfOpen { probes, .. } => {
                if probes.len() < max {
                    let id = self.next_probe;
                    self.next_probe += 1;
                    probes.push((id, now_ms));
                    Ok(Permit {
                        generation,
                        probe: Some(id),
                    })
                } else {
                    let oldest = probes
                        .iter()
                        .map(|&(_, at)| at)
                        .fold(f64::INFINITY, f64::min);
                    Err(Rejected {
                        state: BreakerState::HalfOpen,
                        retry_at_ms: oldest + lease,
                    })
                }
            }
            Inner::Open { .. } => unreachable_open(now_ms, lease),
        }
    }

    /// Reports how the call admitted by `permit` ended.
    pub fn on_result(&mut self, permit: Permit, outcome: BreakerOutcome, now_ms: f64) {
        if permit.generation != self.generation {
            // Issued before the last state change: its slot (if any) is gone already and its
            // outcome describes an older situation.
            return;
        }
        match &mut self.inner {
            Inner::Closed { failures } => match outcome {
                BreakerOutcome::Success => *failures = 0,
                BreakerOutcome::Failure => {
                    *failures = failures.saturating_add(1);
                    if *failures >= self.config.failure_threshold {
                        self.open(now_ms);
                    }
                }
                BreakerOutcome::Ignored => {}
            },
            Inner::HalfOpen { successes, probes } => {
                let Some(id) = permit.probe else { return };
                let before = probes.len();
                probes.retain(|&(p, _)| p != id);
                if probes.len() == before {
                    return; // already written off
                }
                match outcome {
                    BreakerOutcome::Success => {
                        *successes += 1;
                        if *successes >= self.config.success_threshold {
                            self.enter(Inner::Closed { failures: 0 }, now_ms);
                        }
                    }
                    BreakerOutcome::Failure => self.open(now_ms),
                    BreakerOutcome::Ignored => {}
                }
            }
            Inner::Open { .. } => {}
        }
    }

    /// The call admitted by `permit` was abandoned (aborted before it finished): frees its slot
    /// without counting anything. Same as `on_result(permit, BreakerOutcome::Ignored, now_ms)`.
    pub fn abandon(&mut self, permit: Permit, now_ms: f64) {
        self.on_result(permit, BreakerOutcome::Ignored, now_ms);
    }

    /// When a call will be admitted again at the latest (`None` when one would be admitted now).
    pub fn retry_at_ms(&self, now_ms: f64) -> Option<f64> {
        match &self.inner {
            Inner::Closed { .. } => None,
            Inner::Open { until_ms } => (now_ms < *until_ms).then_some(*until_ms),
            Inner::HalfOpen { probes, .. } => {
                if probes.len() < self.config.half_open_max_calls as usize {
                    None
                } else {
                    let oldest = probes
                        .iter()
                        .map(|&(_, at)| at)
                        .fold(f64::INFINITY, f64::min);
                    Some(oldest + self.config.timeout_ms)
                }
            }
        }
    }

    /// The state changes since the last call, oldest first (for `onStateChange`).
    pub fn take_transitions(&mut self) -> Vec<Transition> {
        std::mem::take(&mut self.transitions)
    }

    /// Forces the breaker closed (an explicit `reset()` for the user).
    pub fn reset(&mut self, now_ms: f64) {
        self.enter(Inner::Closed { failures: 0 }, now_ms);
    }

    fn open(&mut self, now_ms: f64) {
        self.enter(
            Inner::Open {
                until_ms: now_ms + self.config.timeout_ms,
            },
            now_ms,
        );
    }

    fn enter(&mut self, inner: Inner, now_ms: f64) {
        let from = self.state();
        self.inner = inner;
        self.generation += 1;
        let to = self.state();
        if from != to {
            if self.transitions.len() >= MAX_LOGGED_TRANSITIONS {
                self.transitions.remove(0);
            }
            self.transitions.push(Transition {
                from,
                to,
                at_ms: now_ms,
            });
        }
    }
}

/// Open is resolved before the match in `try_acquire`; kept total without panicking.
fn unreachable_open(now_ms: f64, lease: f64) -> Result<Permit, Rejected> {
    Err(Rejected {
        state: BreakerState::Open,
        retry_at_ms: now_ms + lease,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resilience::rng::SplitMix64;
    use BreakerOutcome::*;
    use BreakerState::*;

    fn cfg(f: u32, s: u32, t: f64, h: u32) -> BreakerConfig {
        BreakerConfig {
            failure_threshold: f,
            success_threshold: s,
            timeout_ms: t,
            half_open_max_calls: h,
        }
    }

    fn call(b: &mut CircuitBreaker, outcome: BreakerOutcome, now: f64) -> Result<(), Rejected> {
        let p = b.try_acquire(now)?;
        b.on_result(p, outcome, now);
        Ok(())
    }

    #[test]
    fn defaults_and_validation() {
        let c = BreakerConfig::default();
        assert_eq!(c, cfg(5, 2, 60_000.0, 1));
        c.validate().unwrap();
        for (bad, needle) in [
            (cfg(0, 2, 1.0, 1), "failureThreshold"),
            (cfg(1, 0, 1.0, 1), "successThreshold"),
            (cfg(1, 1, 1.0, 0), "halfOpenMaxCalls"),
            (cfg(1, 1, -1.0, 1), "timeoutMs"),
            (cfg(1, 1, f64::NAN, 1), "timeoutMs"),
            (cfg(1, 1, f64::INFINITY, 1), "timeoutMs"),
        ] {
            let e = bad.validate().unwrap_err();
            assert!(e.message.contains(needle), "{}", e.message);
        }
        // Unvalidated zeros are clamped, never a breaker that cannot probe.
        let b = CircuitBreaker::new(cfg(0, 0, f64::NAN, 0));
        assert_eq!(*b.config(), cfg(1, 1, 60_000.0, 1));
        assert_eq!(Closed.as_str(), "closed");
        assert_eq!(BreakerState::Open.as_str(), "open");
        assert_eq!(HalfOpen.as_str(), "half_open");
        assert_eq!(HalfOpen.to_string(), "half_open");
    }

    #[test]
    fn full_cycle_closed_open_half_open_closed() {
        let mut b = CircuitBreaker::new(BreakerConfig::default());
        for i in 0..4 {
            call(&mut b, Failure, i as f64).unwrap();
            assert_eq!(b.state(), Closed);
        }
        assert_eq!(b.consecutive_failures(), 4);
        call(&mut b, Failure, 10.0).unwrap();
        assert_eq!(b.state(), Open);
        // Rejected at once, saying when it will probe.
        let r = b.try_acquire(20.0).unwrap_err();
        assert_eq!(
            r,
            Rejected {
                state: Open,
                retry_at_ms: 60_010.0
            }
        );
        assert_eq!(b.retry_at_ms(20.0), Some(60_010.0));
        let e = r.to_error(20.0);
        assert_eq!(e.kind, ErrorKind::CircuitOpen);
        assert_eq!(e.code, Code::Unavailable);
        assert_eq!(e.attempts, 0);
        assert_eq!(e.retry_after_ms, Some(59_990));
        assert!(
            e.message.contains("59990 ms") && e.message.contains("not sent"),
            "{}",
            e.message
        );
        assert!(b.try_acquire(60_009.9).is_err());
        // Timeout passed: the next call is a probe.
        let p = b.try_acquire(60_010.0).unwrap();
        assert!(p.is_probe());
        assert_eq!(b.state(), HalfOpen);
        // The only probe slot is busy.
        let r = b.try_acquire(60_011.0).unwrap_err();
        assert_eq!(
            r,
            Rejected {
                state: HalfOpen,
                retry_at_ms: 120_010.0
            }
        );
        assert!(r.to_error(60_011.0).message.contains("half-open"));
        b.on_result(p, Success, 60_012.0);
        assert_eq!(b.state(), HalfOpen);
        call(&mut b, Success, 60_013.0).unwrap();
        assert_eq!(b.state(), Closed);
        assert_eq!(b.retry_at_ms(60_014.0), None);
        let t = b.take_transitions();
        let path: Vec<_> = t.iter().map(|t| (t.from, t.to, t.at_ms)).collect();
        assert_eq!(
            path,
            [
                (Closed, Open, 10.0),
                (Open, HalfOpen, 60_010.0),
                (HalfOpen, Closed, 60_013.0)
            ]
        );
        assert!(b.take_transitions().is_empty());
    }

    #[test]
    fn a_probe_failure_reopens_for_a_full_timeout() {
        let mut b = CircuitBreaker::new(cfg(1, 2, 100.0, 1));
        call(&mut b, Failure, 0.0).unwrap();
        call(&mut b, Success, 100.0).unwrap();
        assert_eq!(b.state(), HalfOpen);
        call(&mut b, Failure, 150.0).unwrap();
        assert_eq!(b.state(), Open);
        assert_eq!(b.try_acquire(200.0).unwrap_err().retry_at_ms, 250.0);
        // The success count starts over in the next half-open period.
        call(&mut b, Success, 250.0).unwrap();
        assert_eq!(b.state(), HalfOpen);
        call(&mut b, Success, 251.0).unwrap();
        assert_eq!(b.state(), Closed);
    }

    #[test]
    fn a_success_in_closed_resets_not_decrements() {
        let mut b = CircuitBreaker::new(BreakerConfig::default());
        // F F F F S F F F F: Python (decrement) would be at 7 → open after the 8th; we are at 4.
        for _ in 0..4 {
            call(&mut b, Failure, 0.0).unwrap();
        }
        call(&mut b, Success, 0.0).unwrap();
        assert_eq!(b.consecutive_failures(), 0);
        for _ in 0..4 {
            call(&mut b, Failure, 0.0).unwrap();
        }
        assert_eq!(b.state(), Closed);
        call(&mut b, Failure, 0.0).unwrap();
        assert_eq!(b.state(), Open);
    }

    #[test]
    fn ignored_outcomes_change_nothing() {
        let mut b = CircuitBreaker::new(cfg(2, 1, 10.0, 1));
        call(&mut b, Failure, 0.0).unwrap();
        call(&mut b, Ignored, 0.0).unwrap();
        assert_eq!(b.consecutive_failures(), 1);
        call(&mut b, Failure, 0.0).unwrap();
        assert_eq!(b.state(), Open);
        // An abandoned probe frees its slot and counts nothing.
        let p = b.try_acquire(10.0).unwrap();
        assert!(b.try_acquire(10.0).is_err());
        b.abandon(p, 11.0);
        assert_eq!(b.state(), HalfOpen);
        assert_eq!(b.probes_in_flight(), 0);
        let p = b.try_acquire(12.0).unwrap();
        b.on_result(p, Success, 13.0);
        assert_eq!(b.state(), Closed);
    }

    #[test]
    fn python_sticking_config_closes() {
        // success_threshold = 3 > half_open_max_calls + 1 = 2: Python admits two probes, then
        // rejects forever.
        let mut b = CircuitBreaker::new(cfg(5, 3, 1000.0, 1));
        for _ in 0..5 {
            call(&mut b, Failure, 0.0).unwrap();
        }
        assert_eq!(b.state(), Open);
        for (i, t) in [1000.0, 1001.0, 1002.0].into_iter().enumerate() {
            let p = b
                .try_acquire(t)
                .unwrap_or_else(|r| panic!("probe {i} refused: {r:?}"));
            b.on_result(p, Success, t);
        }
        assert_eq!(b.state(), Closed);
        // And with more slots, concurrent probes.
        let mut b = CircuitBreaker::new(cfg(1, 10, 1000.0, 3));
        call(&mut b, Failure, 0.0).unwrap();
        let mut now = 1000.0;
        let mut rounds = 0;
        while b.state() != Closed {
            let permits: Vec<_> = (0..5).filter_map(|_| b.try_acquire(now).ok()).collect();
            assert!(permits.len() <= 3);
            assert!(!permits.is_empty(), "stuck at {now}");
            for p in permits {
                b.on_result(p, Success, now);
            }
            now += 1.0;
            rounds += 1;
        }
        assert_eq!(rounds, 4); // 3 + 3 + 3 + 1
    }

    #[test]
    fn late_results_from_an_older_state_are_ignored() {
        let mut b = CircuitBreaker::new(cfg(2, 1, 100.0, 1));
        let slow_ok = b.try_acquire(0.0).unwrap();
        let slow_fail = b.try_acquire(0.0).unwrap();
        call(&mut b, Failure, 1.0).unwrap();
        call(&mut b, Failure, 2.0).unwrap();
        assert_eq!(b.state(), Open);
        // A success admitted before the outage does not close it…
        b.on_result(slow_ok, Success, 3.0);
        assert_eq!(b.state(), Open);
        // …and after recovery, a failure admitted before does not re-open it or take a slot.
        call(&mut b, Success, 102.0).unwrap();
        assert_eq!(b.state(), Closed);
        b.on_result(slow_fail, Failure, 103.0);
        assert_eq!(b.consecutive_failures(), 0);
        // A stale permit in HalfOpen does not free the current probe's slot.
        let mut b = CircuitBreaker::new(cfg(1, 1, 10.0, 1));
        let old = b.try_acquire(0.0).unwrap();
        call(&mut b, Failure, 0.0).unwrap();
        let probe = b.try_acquire(10.0).unwrap();
        b.on_result(old, Success, 11.0);
        assert_eq!(b.state(), HalfOpen);
        assert_eq!(b.probes_in_flight(), 1);
        b.on_result(probe, Success, 12.0);
        assert_eq!(b.state(), Closed);
    }

    #[test]
    fn leaked_probes_are_written_off_after_the_timeout() {
        let mut b = CircuitBreaker::new(cfg(1, 1, 100.0, 1));
        call(&mut b, Failure, 0.0).unwrap();
        let _leaked = b.try_acquire(100.0).unwrap(); // never reported
        assert_eq!(b.try_acquire(150.0).unwrap_err().retry_at_ms, 200.0);
        // At 200 the leaked probe counts as failed: Open again for a full timeout, then probing.
        let r = b.try_acquire(200.0).unwrap_err();
        assert_eq!(
            r,
            Rejected {
                state: Open,
                retry_at_ms: 300.0
            }
        );
        assert_eq!(b.state(), Open);
        let p = b.try_acquire(300.0).unwrap();
        b.on_result(p, Success, 301.0);
        assert_eq!(b.state(), Closed);
    }

    #[test]
    fn zero_timeout_probes_immediately() {
        let mut b = CircuitBreaker::new(cfg(1, 1, 0.0, 1));
        call(&mut b, Failure, 5.0).unwrap();
        assert_eq!(b.state(), Open);
        let p = b.try_acquire(5.0).unwrap();
        b.on_result(p, Success, 5.0);
        assert_eq!(b.state(), Closed);
    }

    #[test]
    fn reset_and_transition_log_bound() {
        let mut b = CircuitBreaker::new(cfg(1, 1, 0.0, 1));
        for i in 0..100 {
            call(&mut b, Failure, i as f64).unwrap();
            let _ = b
                .try_acquire(i as f64)
                .map(|p| b.on_result(p, Success, i as f64));
        }
        assert_eq!(b.take_transitions().len(), MAX_LOGGED_TRANSITIONS);
        call(&mut b, Failure, 500.0).unwrap();
        b.reset(501.0);
        assert_eq!(b.state(), Closed);
        let t = b.take_transitions();
        assert_eq!(t.last().map(|t| (t.from, t.to)), Some((Open, Closed)));
    }

    #[test]
    fn what_counts_as_a_failure() {
        use crate::logic::error::{classify, Rpc};
        let of = |code: Code, rpc: Rpc, msg: &str| {
            BreakerOutcome::of_error(code, classify(code, rpc, msg))
        };
        // Counted: transport/server trouble.
        assert_eq!(of(Code::Unavailable, Rpc::ListBackends, ""), Failure);
        assert_eq!(of(Code::Unknown, Rpc::GetJobStatus, ""), Failure);
        assert_eq!(of(Code::DeadlineExceeded, Rpc::SubmitJob, ""), Failure);
        assert_eq!(
            of(Code::Cancelled, Rpc::GetJobStatus, "Timeout expired"),
            Failure
        );
        assert_eq!(
            of(Code::Internal, Rpc::SubmitJob, "Compilation task failed"),
            Failure
        );
        assert_eq!(of(Code::DataLoss, Rpc::GetJobResult, ""), Failure);
        // Not counted: answers of a healthy server.
        assert_eq!(
            of(Code::InvalidArgument, Rpc::SubmitJob, "QASM parse error"),
            Success
        );
        assert_eq!(of(Code::NotFound, Rpc::GetJobStatus, "id"), Success);
        assert_eq!(of(Code::NotFound, Rpc::GetBackendInfo, "id"), Success);
        assert_eq!(
            of(Code::FailedPrecondition, Rpc::GetJobResult, "id"),
            Success
        );
        assert_eq!(of(Code::Aborted, Rpc::GetJobResult, "failed"), Success);
        assert_eq!(of(Code::Unauthenticated, Rpc::ListBackends, ""), Success);
        assert_eq!(
            of(
                Code::ResourceExhausted,
                Rpc::SubmitJob,
                "Rate limit exceeded"
            ),
            Success
        );
        assert_eq!(
            of(
                Code::Internal,
                Rpc::WatchJob,
                "Failed to get job: Job not found: x"
            ),
            Success
        );
        assert_eq!(of(Code::Unimplemented, Rpc::ListBackends, ""), Success);
        // The caller's abort says nothing.
        assert_eq!(
            BreakerOutcome::of_error(Code::Cancelled, ErrorKind::Aborted),
            Ignored
        );
        assert_eq!(
            BreakerOutcome::of_error(Code::Unavailable, ErrorKind::CircuitOpen),
            Ignored
        );
        assert_eq!(BreakerOutcome::of_result::<()>(&Ok(())), Success);
        assert_eq!(
            BreakerOutcome::of_result::<()>(&Err(ArvakError::aborted(None))),
            Ignored
        );
    }

    /// Property-style: random configurations and random interleavings of calls, outcomes,
    /// abandons and clock steps. Invariants checked at every step, and liveness at the end: once
    /// the server is healthy and callers report every permit, the breaker closes within a bounded
    /// number of steps — for every configuration.
    #[test]
    fn never_sticks_for_any_configuration() {
        let mut rng = SplitMix64::new(0xC1C0);
        for case in 0..400 {
            let config = cfg(
                1 + rng.below(8) as u32,
                1 + rng.below(8) as u32,
                rng.below(3) as f64 * 50.0, // 0, 50 or 100 ms
                1 + rng.below(4) as u32,
            );
            let mut b = CircuitBreaker::new(config);
            let mut now = 0.0;
            let mut held: Vec<Permit> = Vec::new();
            // Chaos phase: a flaky server and sloppy callers (some permits leak).
            for _ in 0..300 {
                match rng.below(6) {
                    0 | 1 => {
                        if let Ok(p) = b.try_acquire(now) {
                            held.push(p);
                        }
                    }
                    2 | 3 if !held.is_empty() => {
                        let p = held.swap_remove(rng.below(held.len() as u64) as usize);
                        let o = [Success, Failure, Failure, Ignored][rng.below(4) as usize];
                        b.on_result(p, o, now);
                    }
                    4 if !held.is_empty() && rng.chance(0.2) => {
                        drop(held.swap_remove(0)); // leaked: never reported
                    }
                    _ => now += rng.below(40) as f64,
                }
                assert!(
                    b.probes_in_flight() <= config.half_open_max_calls as usize,
                    "case {case}: too many probes"
                );
                if b.state() != Closed {
                    assert_eq!(b.consecutive_failures(), 0);
                }
            }
            // Healthy phase: every admitted call succeeds and is reported at once; old permits
            // are reported (late) as successes too.
            for p in held.drain(..) {
                b.on_result(p, Success, now);
            }
            let mut steps = 0;
            while b.state() != Closed {
                match b.try_acquire(now) {
                    Ok(p) => b.on_result(p, Success, now),
                    Err(r) => {
                        assert!(r.retry_at_ms >= now, "case {case}: retry_at in the past");
                        // A zero timeout can say "now"; real clocks move on.
                        now = r.retry_at_ms.max(now + 1.0);
                    }
                }
                steps += 1;
                assert!(
                    steps <= 3 + 2 * config.success_threshold as usize,
                    "case {case}: {config:?} stuck in {:?}",
                    b.state()
                );
            }
        }
    }
}
