//! [`RetryPolicy`]: how many attempts, how long to wait between them, which status codes are
//! worth another attempt — and the delay schedule, which never exceeds `max_backoff_ms`.
//!
//! The option names and defaults follow gRFC A6 (`maxAttempts`, `initialBackoff`, `maxBackoff`,
//! `backoffMultiplier`) and the Python client's `RetryPolicy` (spec §13.6), in JavaScript habits
//! (camelCase, milliseconds). Unlike the Python client, the jitter is applied *inside* the cap, so
//! a delay can never exceed `max_backoff_ms` (Python's `[0.5·d, 1.5·d)` exceeds it by up to 50 %).
//!
//! Which calls may be retried at all (per RPC, per code, whether a job may exist) is decided in
//! [`super::retry`]; this module only knows the policy and its schedule.

use super::rng::{unit, RandomSource};
use crate::logic::error::{clamp_f64, code_name, describe_number, ArvakError, Code};

/// How a delay is randomised within its cap `d` (the un-jittered, capped delay).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Jitter {
    /// Uniform in `[0, d)` — "full jitter" (gRFC A6, AWS architecture blog). **The default**: it
    /// spreads simultaneous retries of many clients the most and is what gRPC itself does; the
    /// expected delay is `d/2`.
    #[default]
    Full,
    /// Uniform in `[d/2, d)` — "equal jitter": keeps at least half of the delay, for callers that
    /// want a guaranteed minimum spacing between attempts.
    Equal,
    /// Exactly `d`: deterministic schedules (tests, demos). Synchronised clients retry in lock-step.
    None,
}

impl Jitter {
    /// `"full"`, `"equal"` or `"none"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Jitter::Full => "full",
            Jitter::Equal => "equal",
            Jitter::None => "none",
        }
    }

    /// Parses `"full" | "equal" | "none"`.
    pub fn parse(s: &str) -> Result<Self, ArvakError> {
        match s {
            "full" => Ok(Jitter::Full),
            "equal" => Ok(Jitter::Equal),
            "none" => Ok(Jitter::None),
            other => Err(ArvakError::invalid_argument(format!(
                "retry.jitter must be \"full\", \"equal\", \"none\", true or false, got \"{other}\""
            ))),
        }
    }
}

/// How the un-jittered delay grows with the attempt number `n` (1 = the delay after the first
/// failed attempt).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BackoffStrategy {
    /// `initial · multiplier^(n-1)` (default).
    #[default]
    Exponential,
    /// `initial · n` (the multiplier is not used).
    Linear,
    /// `initial` every time (the multiplier is not used).
    Constant,
}

impl BackoffStrategy {
    /// `"exponential"`, `"linear"` or `"constant"`.
    pub fn as_str(self) -> &'static str {
        match self {
            BackoffStrategy::Exponential => "exponential",
            BackoffStrategy::Linear => "linear",
            BackoffStrategy::Constant => "constant",
        }
    }
}

/// Status codes that can describe a transient condition and may therefore be listed in
/// `retryableCodes`. Every other code is rejected by [`RetryPolicy::validate`], with the reason
/// given by [`never_retryable_reason`].
pub const RETRYABLE_CANDIDATES: [Code; 6] = [
    Code::Cancelled,
    Code::Unknown,
    Code::DeadlineExceeded,
    Code::ResourceExhausted,
    Code::Internal,
    Code::Unavailable,
];

/// The default `retryableCodes`: every candidate except `INTERNAL`, which this service uses only
/// for permanent conditions (compile errors, WatchJob's unknown id, a completed job without result;
/// spec §7).
///
/// * `UNAVAILABLE` — server down, proxy without upstream, failed fetch.
/// * `UNKNOWN` — a truncated or malformed grpc-web response (also a misconfigured URL that serves
///   HTML; that costs `maxAttempts` quick reads before the error surfaces).
/// * `DEADLINE_EXCEEDED` — only retried while the overall deadline leaves time (a WatchJob stream
///   ending after an hour, a per-attempt timeout).
/// * `RESOURCE_EXHAUSTED` — rate/concurrency/queue rejection, made before any job is created.
/// * `CANCELLED` — only the server's own timeout (`"Timeout expired"`); a caller's abort is also
///   `CANCELLED` but is never retried (its [`crate::ErrorKind`] is `Aborted`).
pub const DEFAULT_RETRYABLE_CODES: [Code; 5] = [
    Code::Unavailable,
    Code::Unknown,
    Code::DeadlineExceeded,
    Code::ResourceExhausted,
    Code::Cancelled,
];

/// Why `code` can never be retried, or `None` for the [`RETRYABLE_CANDIDATES`].
pub fn never_retryable_reason(code: Code) -> Option<&'static str> {
    Some(match code {
        Code::Ok => "OK is not a failure",
        Code::InvalidArgument => "an invalid request or circuit fails the same way every time",
        Code::NotFound => "an unknown job or backend stays unknown",
        Code::AlreadyExists => "the service never returns it",
        Code::PermissionDenied => "missing permissions do not appear by themselves",
        Code::FailedPrecondition => {
            "on this service it means \"no result yet\" (waiting for a job is the job of \
             waitForJob, not of the retry layer) or a cancelled/expired job that will never have one"
        }
        Code::Aborted => "on this service it means the job FAILED, which is permanent",
        Code::OutOfRange => "an oversized message stays oversized",
        Code::Unimplemented => "the endpoint does not serve this method",
        Code::DataLoss => "unrecoverable data loss is not transient",
        Code::Unauthenticated => "a missing or wrong API key does not fix itself",
        Code::Cancelled
        | Code::Unknown
        | Code::DeadlineExceeded
        | Code::ResourceExhausted
        | Code::Internal
        | Code::Unavailable => return None,
    })
}

/// Parses a status code name (`"UNAVAILABLE"`, case-insensitive, `-`/space accepted for `_`).
pub fn parse_code_name(name: &str) -> Option<Code> {
    let norm: String = name
        .trim()
        .chars()
        .map(|c| match c {
            '-' | ' ' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    (0..=16).map(Code::from_i32).find(|&c| code_name(c) == norm)
}

/// The set of status codes a policy retries (order kept, duplicates removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryableCodes(Vec<Code>);

impl RetryableCodes {
    /// The codes given (duplicates removed, first occurrence kept).
    pub fn new(codes: impl IntoIterator<Item = Code>) -> Self {
        let mut v: Vec<Code> = Vec::new();
        for c in codes {
            if !v.contains(&c) {
                v.push(c);
            }
        }
        RetryableCodes(v)
    }

    /// Whether `code` is in the set.
    pub fn contains(&self, code: Code) -> bool {
        self.0.contains(&code)
    }

    /// The codes, in the order given.
    pub fn codes(&self) -> &[Code] {
        &self.0
    }
}

impl Default for RetryableCodes {
    fn default() -> Self {
        RetryableCodes::new(DEFAULT_RETRYABLE_CODES)
    }
}

/// How a call is retried. The JavaScript option object `{ maxAttempts, initialBackoffMs,
/// maxBackoffMs, backoffMultiplier, jitter, strategy, retryableCodes }` is read into it by the
/// bindings (`src/bindings/options.rs`); call [`RetryPolicy::validate`] afterwards.
///
/// ```
/// use arvak_grpc_wasm::resilience::RetryPolicy;
///
/// let policy = RetryPolicy { max_attempts: 5, initial_backoff_ms: 100.0, ..Default::default() };
/// policy.validate().unwrap();
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Total attempts including the first (default 3; 1 disables retries; at most 100).
    pub max_attempts: u32,
    /// The base delay in ms (default 1000).
    pub initial_backoff_ms: f64,
    /// No delay is ever longer than this, jitter included (default 60 000).
    pub max_backoff_ms: f64,
    /// Growth factor of [`BackoffStrategy::Exponential`] (default 2; must be ≥ 1).
    pub backoff_multiplier: f64,
    /// Randomisation inside the cap (default [`Jitter::Full`]).
    pub jitter: Jitter,
    /// How delays grow (default [`BackoffStrategy::Exponential`]).
    pub strategy: BackoffStrategy,
    /// Codes worth another attempt (default [`DEFAULT_RETRYABLE_CODES`]). Per-RPC safety rules
    /// ([`super::retry::decide`]) still apply on top: listing `UNAVAILABLE` never makes an
    /// ambiguous SubmitJob failure retryable.
    pub retryable_codes: RetryableCodes,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff_ms: 1000.0,
            max_backoff_ms: 60_000.0,
            backoff_multiplier: 2.0,
            jitter: Jitter::default(),
            strategy: BackoffStrategy::default(),
            retryable_codes: RetryableCodes::default(),
        }
    }
}

/// The largest accepted `maxAttempts`.
pub const MAX_ATTEMPTS_LIMIT: u32 = 100;

impl RetryPolicy {
    /// A policy that never retries (`maxAttempts: 1`).
    pub fn no_retries() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// Checks every field; the error (an `ArvakError` with code `INVALID_ARGUMENT`) names the
    /// option, the value and what is expected.
    pub fn validate(&self) -> Result<(), ArvakError> {
        let bad = |msg: String| Err(ArvakError::invalid_argument(msg));
        if self.max_attempts == 0 {
            return bad(
                "retry.maxAttempts must be at least 1 (it counts the first attempt; 1 \
                        disables retries), got 0"
                    .to_owned(),
            );
        }
        if self.max_attempts > MAX_ATTEMPTS_LIMIT {
            return bad(format!(
                "retry.maxAttempts must be at most {MAX_ATTEMPTS_LIMIT}, got {}",
                self.max_attempts
            ));
        }
        if !(self.initial_backoff_ms.is_finite() && self.initial_backoff_ms >= 0.0) {
            return bad(format!(
                "retry.initialBackoffMs must be a finite number ≥ 0, got {}",
                describe_number(self.initial_backoff_ms)
            ));
        }
        if !(self.max_backoff_ms.is_finite() && self.max_backoff_ms >= 0.0) {
            return bad(format!(
                "retry.maxBackoffMs must be a finite number ≥ 0, got {}",
                describe_number(self.max_backoff_ms)
            ));
        }
        if self.max_backoff_ms < self.initial_backoff_ms {
            return bad(format!(
                "retry.maxBackoffMs ({}) must not be smaller than retry.initialBackoffMs ({})",
                describe_number(self.max_backoff_ms),
                describe_number(self.initial_backoff_ms)
            ));
        }
        if !(self.backoff_multiplier.is_finite() && self.backoff_multiplier >= 1.0) {
            return bad(format!(
                "retry.backoffMultiplier must be a finite number ≥ 1 (delays must not shrink), got {}",
                describe_number(self.backoff_multiplier)
            ));
        }
        for &code in self.retryable_codes.codes() {
            if let Some(why) = never_retryable_reason(code) {
                return bad(format!(
                    "retry.retryableCodes must not contain {}: {why}. Allowed: CANCELLED, \
                     UNKNOWN, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, INTERNAL, UNAVAILABLE",
                    code_name(code),
                ));
            }
        }
        Ok(())
    }

    /// Whether `attempts` attempts (the number already made) leave room for another one.
    pub fn allows_another(&self, attempts: u32) -> bool {
        attempts < self.max_attempts
    }

    /// The un-jittered delay after attempt `attempt` (1-based: `1` is the wait between the first
    /// and the second attempt), capped at `max_backoff_ms`. `attempt` 0 is treated as 1.
    pub fn base_delay_ms(&self, attempt: u32) -> f64 {
        let n = attempt.max(1);
        let d = match self.strategy {
            BackoffStrategy::Exponential => {
                // Exponents beyond ~1100 overflow to +inf, which the cap handles; clamp for powi.
                let e = i32::try_from(n - 1).unwrap_or(i32::MAX);
                self.initial_backoff_ms * self.backoff_multiplier.powi(e)
            }
            BackoffStrategy::Linear => self.initial_backoff_ms * f64::from(n),
            BackoffStrategy::Constant => self.initial_backoff_ms,
        };
        let cap = self.max_backoff_ms.max(0.0);
        if d.is_nan() {
            cap
        } else {
            clamp_f64(d, 0.0, cap)
        }
    }

    /// The delay in whole milliseconds after attempt `attempt` (1-based), jittered with `rng`.
    ///
    /// Guarantee: `0 ≤ delay ≤ max_backoff_ms` for every policy, attempt and random source.
    pub fn delay_ms(&self, attempt: u32, rng: &mut (impl RandomSource + ?Sized)) -> f64 {
        let d = self.base_delay_ms(attempt);
        let jittered = match self.jitter {
            Jitter::None => d,
            Jitter::Full => d * unit(rng),
            Jitter::Equal => d / 2.0 + (d / 2.0) * unit(rng),
        };
        clamp_f64(jittered.floor(), 0.0, self.max_backoff_ms.max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resilience::rng::SplitMix64;

    fn policy(strategy: BackoffStrategy, jitter: Jitter) -> RetryPolicy {
        RetryPolicy {
            max_attempts: 8,
            initial_backoff_ms: 1000.0,
            max_backoff_ms: 10_000.0,
            backoff_multiplier: 2.0,
            jitter,
            strategy,
            ..RetryPolicy::default()
        }
    }

    fn schedule(p: &RetryPolicy, seed: u64) -> Vec<f64> {
        let mut rng = SplitMix64::new(seed);
        (1..=7).map(|a| p.delay_ms(a, &mut rng)).collect()
    }

    #[test]
    fn defaults_match_the_issue() {
        let p = RetryPolicy::default();
        assert_eq!(p.max_attempts, 3);
        assert_eq!(p.initial_backoff_ms, 1000.0);
        assert_eq!(p.max_backoff_ms, 60_000.0);
        assert_eq!(p.backoff_multiplier, 2.0);
        assert_eq!(p.jitter, Jitter::Full);
        assert_eq!(p.strategy, BackoffStrategy::Exponential);
        assert_eq!(p.retryable_codes.codes(), &DEFAULT_RETRYABLE_CODES);
        p.validate().unwrap();
        RetryPolicy::no_retries().validate().unwrap();
        assert!(!RetryPolicy::no_retries().allows_another(1));
        assert!(p.allows_another(2) && !p.allows_another(3));
    }

    #[test]
    fn unjittered_schedules_per_strategy() {
        let e = policy(BackoffStrategy::Exponential, Jitter::None);
        assert_eq!(
            schedule(&e, 1),
            [1000.0, 2000.0, 4000.0, 8000.0, 10_000.0, 10_000.0, 10_000.0]
        );
        let l = policy(BackoffStrategy::Linear, Jitter::None);
        assert_eq!(
            schedule(&l, 1),
            [1000.0, 2000.0, 3000.0, 4000.0, 5000.0, 6000.0, 7000.0]
        );
        let c = policy(BackoffStrategy::Constant, Jitter::None);
        assert_eq!(schedule(&c, 1), [1000.0; 7]);
        // Attempt 0 is read as 1.
        assert_eq!(e.base_delay_ms(0), 1000.0);
    }

    #[test]
    fn seeded_schedules_for_every_strategy_and_jitter() {
        // Exact values pin the algorithm (SplitMix64, floor to whole ms): a change in the
        // schedule must be deliberate. Bounds are checked for every element as well.
        for strategy in [
            BackoffStrategy::Exponential,
            BackoffStrategy::Linear,
            BackoffStrategy::Constant,
        ] {
            let base = schedule(&policy(strategy, Jitter::None), 0);
            for jitter in [Jitter::Full, Jitter::Equal] {
                let p = policy(strategy, jitter);
                let s = schedule(&p, 2024);
                assert_eq!(s, schedule(&p, 2024), "deterministic for a seed");
                assert_ne!(s, schedule(&p, 2025), "seed matters");
                for (got, d) in s.iter().zip(&base) {
                    let lo = if jitter == Jitter::Equal {
                        (d / 2.0).floor()
                    } else {
                        0.0
                    };
                    assert!(
                        *got >= lo && *got <= *d,
                        "{strategy:?} {jitter:?}: {got} vs {d}"
                    );
                    assert_eq!(got.fract(), 0.0);
                }
            }
        }
        let mut rng = SplitMix64::new(2024);
        let u: Vec<f64> = (0..3).map(|_| rng.next_f64()).collect();
        let full = policy(BackoffStrategy::Exponential, Jitter::Full);
        let got = schedule(&full, 2024);
        assert_eq!(got[0], (1000.0 * u[0]).floor());
        assert_eq!(got[1], (2000.0 * u[1]).floor());
        assert_eq!(got[2], (4000.0 * u[2]).floor());
        let equal = policy(BackoffStrategy::Linear, Jitter::Equal);
        let got = schedule(&equal, 2024);
        assert_eq!(got[0], (500.0 + 500.0 * u[0]).floor());
        assert_eq!(got[1], (1000.0 + 1000.0 * u[1]).floor());
        assert_eq!(got[2], (1500.0 + 1500.0 * u[2]).floor());
    }

    #[test]
    fn delay_never_exceeds_the_cap_whatever_the_rng_says() {
        let mut seeds = SplitMix64::new(99);
        for _ in 0..300 {
            let initial = seeds.below(5000) as f64;
            let p = RetryPolicy {
                max_attempts: 100,
                initial_backoff_ms: initial,
                max_backoff_ms: initial + seeds.below(20_000) as f64,
                backoff_multiplier: 1.0 + seeds.next_f64() * 9.0,
                jitter: [Jitter::Full, Jitter::Equal, Jitter::None][seeds.below(3) as usize],
                strategy: [
                    BackoffStrategy::Exponential,
                    BackoffStrategy::Linear,
                    BackoffStrategy::Constant,
                ][seeds.below(3) as usize],
                ..RetryPolicy::default()
            };
            p.validate().unwrap();
            for attempt in [0, 1, 2, 3, 10, 99, 100, u32::MAX] {
                for mut src in [
                    Box::new(|| 0.999_999_999_9) as Box<dyn FnMut() -> f64>,
                    Box::new(|| 1.0),
                    Box::new(|| 7.0),
                    Box::new(|| f64::NAN),
                    Box::new(|| -1.0),
                    Box::new(|| 0.0),
                ] {
                    let d = p.delay_ms(attempt, &mut src);
                    assert!(d >= 0.0 && d <= p.max_backoff_ms, "{p:?} {attempt} {d}");
                }
            }
        }
    }

    #[test]
    fn python_overshoot_case_is_capped() {
        // Python: min(d, max) then ×[0.5, 1.5) → up to 90 s with max 60 s.
        let p = RetryPolicy {
            max_attempts: 20,
            jitter: Jitter::Equal,
            ..RetryPolicy::default()
        };
        let mut top = || 0.999_999;
        assert!(p.delay_ms(15, &mut top) <= 60_000.0);
        let p = RetryPolicy {
            jitter: Jitter::None,
            max_attempts: 20,
            ..RetryPolicy::default()
        };
        assert_eq!(p.delay_ms(15, &mut top), 60_000.0);
    }

    #[test]
    fn validation_rejects_nonsense_with_the_option_name() {
        let check = |p: RetryPolicy, needle: &str| {
            let e = p.validate().unwrap_err();
            assert_eq!(e.code, Code::InvalidArgument);
            assert!(e.message.contains(needle), "{} !~ {needle}", e.message);
        };
        let d = RetryPolicy::default;
        check(
            RetryPolicy {
                max_attempts: 0,
                ..d()
            },
            "retry.maxAttempts must be at least 1",
        );
        check(
            RetryPolicy {
                max_attempts: 101,
                ..d()
            },
            "at most 100",
        );
        check(
            RetryPolicy {
                initial_backoff_ms: -1.0,
                ..d()
            },
            "retry.initialBackoffMs",
        );
        check(
            RetryPolicy {
                initial_backoff_ms: f64::NAN,
                ..d()
            },
            "retry.initialBackoffMs",
        );
        check(
            RetryPolicy {
                max_backoff_ms: f64::INFINITY,
                ..d()
            },
            "retry.maxBackoffMs",
        );
        check(
            RetryPolicy {
                initial_backoff_ms: 5000.0,
                max_backoff_ms: 100.0,
                ..d()
            },
            "must not be smaller than retry.initialBackoffMs",
        );
        check(
            RetryPolicy {
                backoff_multiplier: 0.5,
                ..d()
            },
            "retry.backoffMultiplier",
        );
        check(
            RetryPolicy {
                backoff_multiplier: f64::NAN,
                ..d()
            },
            "retry.backoffMultiplier",
        );
        for (code, why) in [
            (Code::Aborted, "job FAILED"),
            (Code::Unauthenticated, "API key"),
            (Code::FailedPrecondition, "waitForJob"),
            (Code::InvalidArgument, "invalid"),
            (Code::NotFound, "unknown"),
            (Code::Ok, "not a failure"),
        ] {
            check(
                RetryPolicy {
                    retryable_codes: RetryableCodes::new([Code::Unavailable, code]),
                    ..d()
                },
                why,
            );
        }
        // Every candidate is accepted; every other code is rejected.
        for c in 0..=16 {
            let code = Code::from_i32(c);
            let p = RetryPolicy {
                retryable_codes: RetryableCodes::new([code]),
                ..d()
            };
            assert_eq!(
                p.validate().is_ok(),
                RETRYABLE_CANDIDATES.contains(&code),
                "{code:?}"
            );
        }
        // Empty set is fine (retries nothing).
        RetryPolicy {
            retryable_codes: RetryableCodes::new([]),
            ..d()
        }
        .validate()
        .unwrap();
    }

    #[test]
    fn code_names_parse_loosely() {
        assert_eq!(parse_code_name("UNAVAILABLE"), Some(Code::Unavailable));
        assert_eq!(
            parse_code_name(" resource-exhausted "),
            Some(Code::ResourceExhausted)
        );
        assert_eq!(
            parse_code_name("deadline exceeded"),
            Some(Code::DeadlineExceeded)
        );
        assert_eq!(parse_code_name("ok"), Some(Code::Ok));
        assert_eq!(parse_code_name("nope"), None);
        for c in 0..=16 {
            let code = Code::from_i32(c);
            assert_eq!(parse_code_name(code_name(code)), Some(code));
        }
        assert_eq!(
            RetryableCodes::new([Code::Unavailable, Code::Unavailable, Code::Unknown]).codes(),
            &[Code::Unavailable, Code::Unknown]
        );
        for j in [Jitter::Full, Jitter::Equal, Jitter::None] {
            assert_eq!(Jitter::parse(j.as_str()).unwrap(), j);
        }
        assert_eq!(Jitter::Full.as_str(), "full");
        let e = Jitter::parse("half").unwrap_err();
        assert_eq!(e.code, Code::InvalidArgument);
        assert!(
            e.message.contains("\"full\", \"equal\", \"none\"") && e.message.contains("half"),
            "{}",
            e.message
        );
        assert_eq!(BackoffStrategy::Exponential.as_str(), "exponential");
        assert_eq!(BackoffStrategy::Linear.as_str(), "linear");
        assert_eq!(BackoffStrategy::Constant.as_str(), "constant");
    }

    #[test]
    fn the_allowed_codes_message_lists_exactly_the_candidates() {
        let p = RetryPolicy {
            retryable_codes: RetryableCodes::new([Code::Aborted]),
            ..RetryPolicy::default()
        };
        let msg = p.validate().unwrap_err().message;
        let allowed = msg.split("Allowed: ").nth(1).unwrap();
        let names: Vec<&str> = allowed.split(", ").collect();
        let want: Vec<&str> = RETRYABLE_CANDIDATES.iter().map(|&c| code_name(c)).collect();
        assert_eq!(names, want);
    }
}
