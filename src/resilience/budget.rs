//! The retry budget: a token bucket in the style of gRFC A6 "retry throttling", shared by every
//! call of one client, so an outage does not multiply the load on the server.
//!
//! * The bucket starts full (`max_tokens`, default 10).
//! * Each **counted failure** takes one token; each **successful attempt** gives back `token_ratio`
//!   (default 0.1), never above `max_tokens`.
//! * Retries are allowed only while `tokens > max_tokens / 2`.
//!
//! The failure is recorded first and the retry checked after it (as grpc-go does), so with the
//! defaults a dead server sees four retries in total, client-wide, before retrying stops (every
//! later call makes exactly one attempt); retrying resumes once successes have refilled the bucket
//! above the half-way mark (ten successes per missing token). Tokens are kept in thousandths, as A6 specifies, so repeated refunds of 0.1 add up
//! exactly.
//!
//! Which failures are counted is decided by [`super::retry::decide`] (failures with a code in the
//! policy's retryable set, except `RESOURCE_EXHAUSTED`); the pipeline calls
//! [`RetryBudget::record_success`] for every successful attempt.

use crate::logic::error::{clamp_f64, describe_number, ArvakError};

/// Budget settings (the JavaScript `{ maxTokens, tokenRatio }`, read by the bindings).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BudgetConfig {
    /// Bucket size (default 10; A6 allows `(0, 1000]`).
    pub max_tokens: f64,
    /// Refund per successful attempt (default 0.1; `(0, max_tokens]`, three decimals are used).
    pub token_ratio: f64,
}

impl Default for BudgetConfig {
    fn default() -> Self {
        BudgetConfig {
            max_tokens: 10.0,
            token_ratio: 0.1,
        }
    }
}

impl BudgetConfig {
    /// Checks the ranges; the error names the option.
    pub fn validate(&self) -> Result<(), ArvakError> {
        if !(self.max_tokens.is_finite() && self.max_tokens > 0.0 && self.max_tokens <= 1000.0) {
            return Err(ArvakError::invalid_argument(format!(
                "retryBudget.maxTokens must be a number in (0, 1000], got {}",
                describe_number(self.max_tokens)
            )));
        }
        if !(self.token_ratio.is_finite()
            && self.token_ratio >= 0.001
            && self.token_ratio <= self.max_tokens)
        {
            return Err(ArvakError::invalid_argument(format!(
                "retryBudget.tokenRatio must be a number in [0.001, maxTokens], got {}",
                describe_number(self.token_ratio)
            )));
        }
        Ok(())
    }
}

/// Thousandths of a token.
const SCALE: f64 = 1000.0;

/// The shared retry budget of one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryBudget {
    max_milli: u64,
    ratio_milli: u64,
    milli: u64,
}

impl Default for RetryBudget {
    fn default() -> Self {
        RetryBudget::new(BudgetConfig::default())
    }
}

impl RetryBudget {
    /// A full bucket. Values are clamped into their valid ranges, so an unvalidated config cannot
    /// produce a bucket that never allows or never stops retries by accident.
    pub fn new(config: BudgetConfig) -> Self {
        let to_milli = |v: f64, lo: u64, hi: u64| -> u64 {
            if v.is_nan() {
                lo
            } else {
                clamp_f64((v * SCALE).round(), lo as f64, hi as f64) as u64
            }
        };
        let max_milli = to_milli(config.max_tokens, 1, 1_000_000);
        let ratio_milli = to_milli(config.token_ratio, 1, max_milli);
        RetryBudget {
            max_milli,
            ratio_milli,
            milli: max_milli,
        }
    }

    /// A bucket that never blocks a retry (for callers who opt out of the budget).
    pub fn unlimited() -> Self {
        RetryBudget {
            max_milli: u64::MAX,
            ratio_milli: 0,
            milli: u64::MAX,
        }
    }

    /// Tokens now.
    pub fn tokens(&self) -> f64 {
        self.milli as f64 / SCALE
    }

    /// Whether a retry is allowed now (`tokens > max_tokens / 2`).
    pub fn can_retry(&self) -> bool {
        self.max_milli == u64::MAX || self.milli > self.max_milli / 2
    }

    /// A counted failure: one token less (not below zero).
    pub fn record_failure(&mut self) {
        if self.max_milli != u64::MAX {
            self.milli = self.milli.saturating_sub(SCALE as u64);
        }
    }

    /// A successful attempt: `token_ratio` back (not above `max_tokens`).
    pub fn record_success(&mut self) {
        self.milli = self
            .milli
            .saturating_add(self.ratio_milli)
            .min(self.max_milli);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_allow_five_failures_worth_of_retries() {
        let mut b = RetryBudget::default();
        assert_eq!(b.tokens(), 10.0);
        let mut allowed = 0;
        for _ in 0..20 {
            b.record_failure();
            if b.can_retry() {
                allowed += 1;
            }
        }
        // 9, 8, 7, 6 are > 5; 5 is not.
        assert_eq!(allowed, 4);
        assert_eq!(b.tokens(), 0.0);
    }

    #[test]
    fn successes_refund_exactly_and_cap_at_max() {
        let mut b = RetryBudget::default();
        for _ in 0..5 {
            b.record_failure();
        }
        assert_eq!(b.tokens(), 5.0);
        assert!(!b.can_retry());
        b.record_success();
        assert_eq!(b.tokens(), 5.1);
        assert!(b.can_retry());
        for _ in 0..1000 {
            b.record_success();
        }
        assert_eq!(b.tokens(), 10.0);
        // Thousandths: 10 refunds of 0.1 are exactly one token, no float drift.
        let mut b = RetryBudget::default();
        b.record_failure();
        for _ in 0..10 {
            b.record_success();
        }
        assert_eq!(b.tokens(), 10.0);
        b.record_failure();
        for _ in 0..9 {
            b.record_success();
        }
        assert_eq!(b.tokens(), 9.9);
    }

    #[test]
    fn recovery_after_an_outage() {
        let mut b = RetryBudget::default();
        for _ in 0..50 {
            b.record_failure();
        }
        assert_eq!(b.tokens(), 0.0);
        // 51 successes: 5.1 tokens, just above the threshold.
        for i in 1..=51 {
            b.record_success();
            assert_eq!(b.can_retry(), i == 51, "after {i}");
        }
    }

    #[test]
    fn custom_configs_and_validation() {
        let c = BudgetConfig {
            max_tokens: 3.0,
            token_ratio: 1.0,
        };
        c.validate().unwrap();
        let mut b = RetryBudget::new(c);
        b.record_failure();
        assert!(b.can_retry()); // 2 > 1.5
        b.record_failure();
        assert!(!b.can_retry()); // 1
        b.record_success();
        assert!(b.can_retry());
        for (max, ratio, needle) in [
            (0.0, 0.1, "maxTokens"),
            (1001.0, 0.1, "maxTokens"),
            (f64::NAN, 0.1, "maxTokens"),
            (10.0, 0.0, "tokenRatio"),
            (10.0, 11.0, "tokenRatio"),
            (10.0, f64::INFINITY, "tokenRatio"),
        ] {
            let e = BudgetConfig {
                max_tokens: max,
                token_ratio: ratio,
            }
            .validate()
            .unwrap_err();
            assert!(e.message.contains(needle), "{}", e.message);
        }
        // An unvalidated config is clamped, not trusted.
        let mut b = RetryBudget::new(BudgetConfig {
            max_tokens: f64::NAN,
            token_ratio: -5.0,
        });
        assert!(b.tokens() > 0.0);
        b.record_failure();
        assert!(!b.can_retry());
    }

    #[test]
    fn unlimited_never_blocks() {
        let mut b = RetryBudget::unlimited();
        for _ in 0..10_000 {
            b.record_failure();
        }
        assert!(b.can_retry());
        b.record_success();
        assert!(b.can_retry());
    }
}
