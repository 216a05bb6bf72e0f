//! Deadlines: budget arithmetic on a caller-supplied clock, and the `grpc-timeout` header value.

use super::error::{describe_number, ArvakError};

/// Validates a user-supplied duration in milliseconds.
///
/// `None` and `+Infinity` mean "no limit" (`Ok(None)`); `0` is a valid, already-expired budget;
/// negative numbers and NaN are usage errors.
pub fn parse_timeout_ms(value: Option<f64>, what: &str) -> Result<Option<f64>, ArvakError> {
    match value {
        None => Ok(None),
        Some(v) if v == f64::INFINITY => Ok(None),
        Some(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
        Some(v) => Err(ArvakError::invalid_argument(format!(
            "{what} must be a non-negative number of milliseconds (or Infinity), got {}",
            describe_number(v)
        ))),
    }
}

/// A point in time by which something must be done (or none).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Deadline {
    at_ms: Option<f64>,
    budget_ms: Option<f64>,
}

impl Deadline {
    /// A deadline `budget_ms` after `now_ms`; `None` means unbounded.
    pub fn after(now_ms: f64, budget_ms: Option<f64>) -> Self {
        Deadline {
            at_ms: budget_ms.map(|b| now_ms + b),
            budget_ms,
        }
    }

    /// No deadline.
    pub fn none() -> Self {
        Deadline {
            at_ms: None,
            budget_ms: None,
        }
    }

    /// The budget it was created with.
    pub fn budget_ms(&self) -> Option<f64> {
        self.budget_ms
    }

    /// Milliseconds left (never negative); `None` when unbounded.
    pub fn remaining_ms(&self, now_ms: f64) -> Option<f64> {
        self.at_ms.map(|at| (at - now_ms).max(0.0))
    }

    /// Whether it has passed.
    pub fn expired(&self, now_ms: f64) -> bool {
        self.remaining_ms(now_ms) == Some(0.0)
    }

    /// Whether an error answer is better reported as this deadline's own expiry: the server's
    /// timeout (`CANCELLED "Timeout expired"`, spec §1) when this deadline, which went out as
    /// `grpc-timeout`, has passed. The server counts from receipt and the header is rounded up, so
    /// its expiry can only come later than ours; seeing it first means our timer was late (a busy
    /// page), and the caller should get the same `DEADLINE_EXCEEDED` whichever side noticed first.
    /// `CLOCK_SLACK_MS` covers browsers that coarsen `performance.now()`.
    pub fn explains(&self, error: &ArvakError, now_ms: f64) -> bool {
        const CLOCK_SLACK_MS: f64 = 2.0;
        error.is_server_timeout()
            && self
                .remaining_ms(now_ms)
                .is_some_and(|left| left <= CLOCK_SLACK_MS)
    }

    /// The earlier of two deadlines.
    pub fn min(self, other: Deadline) -> Deadline {
        match (self.at_ms, other.at_ms) {
            (Some(a), Some(b)) if b < a => other,
            (Some(_), _) => self,
            (None, _) => other,
        }
    }
}

/// Formats the `grpc-timeout` header for `remaining_ms` (gRPC over HTTP/2 spec: at most 8 digits and
/// a unit). Rounds **up** to whole milliseconds so a tiny remaining budget is not sent as 0, and
/// switches to coarser units only when the number would not fit. `None` for a non-positive or NaN
/// budget (the caller reports a timeout instead of sending).
pub fn format_grpc_timeout(remaining_ms: f64) -> Option<String> {
    if remaining_ms.is_nan() || remaining_ms <= 0.0 {
        return None;
    }
    const MAX: f64 = 99_999_999.0;
    let ms = remaining_ms.ceil();
    if ms <= MAX {
        return Some(format!("{}m", ms as u64));
    }
    for (unit_ms, unit) in [(1_000.0, 'S'), (60_000.0, 'M'), (3_600_000.0, 'H')] {
        let n = (ms / unit_ms).ceil();
        if n <= MAX {
            return Some(format!("{}{unit}", n as u64));
        }
    }
    Some(format!("{}H", MAX as u64))
}

/// The delay for a browser timer: whole milliseconds, clamped to what `setTimeout` accepts
/// (2^31 − 1 ms ≈ 24.8 days; longer delays would fire immediately).
pub fn timer_delay_ms(ms: f64) -> u32 {
    const MAX_TIMER: f64 = 2_147_483_647.0;
    if ms.is_nan() || ms <= 0.0 {
        0
    } else {
        ms.ceil().min(MAX_TIMER) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeout_parsing() {
        assert_eq!(parse_timeout_ms(None, "t").unwrap(), None);
        assert_eq!(parse_timeout_ms(Some(f64::INFINITY), "t").unwrap(), None);
        assert_eq!(parse_timeout_ms(Some(0.0), "t").unwrap(), Some(0.0));
        assert_eq!(parse_timeout_ms(Some(5.5), "t").unwrap(), Some(5.5));
        assert!(parse_timeout_ms(Some(-1.0), "t").is_err());
        assert!(parse_timeout_ms(Some(f64::NAN), "t").is_err());
        assert!(parse_timeout_ms(Some(f64::NEG_INFINITY), "timeoutMs")
            .unwrap_err()
            .message
            .contains("timeoutMs"));
    }

    #[test]
    fn the_servers_timeout_at_our_deadline_is_ours() {
        use crate::logic::error::{classify, Code, ErrorKind, Rpc};
        let server = |message: &str| {
            let kind = classify(Code::Cancelled, Rpc::ListBackends, message);
            ArvakError::new(kind, Code::Cancelled, message.to_owned())
        };
        let timeout = server("Timeout expired");
        let d = Deadline::after(1000.0, Some(200.0));
        // Our deadline has passed (or is within the clock's coarseness): ours.
        assert!(d.explains(&timeout, 1200.0));
        assert!(d.explains(&timeout, 1250.0));
        assert!(d.explains(&timeout, 1199.0));
        // Much budget left: the server's own, shorter limit (`server.timeout_seconds`).
        assert!(!d.explains(&timeout, 1100.0));
        // Not the server's timeout, or no deadline sent at all.
        assert!(!d.explains(&server("other"), 1300.0));
        let unavailable = ArvakError::new(ErrorKind::Unavailable, Code::Unavailable, String::new());
        assert!(!d.explains(&unavailable, 1300.0));
        assert!(!Deadline::none().explains(&timeout, 1300.0));
    }

    #[test]
    fn deadline_arithmetic() {
        let d = Deadline::after(1000.0, Some(500.0));
        assert_eq!(d.remaining_ms(1000.0), Some(500.0));
        assert_eq!(d.remaining_ms(1400.0), Some(100.0));
        assert_eq!(d.remaining_ms(2000.0), Some(0.0));
        assert!(!d.expired(1499.0));
        assert!(d.expired(1500.0));
        assert_eq!(d.budget_ms(), Some(500.0));
        let none = Deadline::none();
        assert_eq!(none.remaining_ms(1e12), None);
        assert!(!none.expired(1e12));
        assert_eq!(Deadline::after(0.0, None), none);
        let zero = Deadline::after(10.0, Some(0.0));
        assert!(zero.expired(10.0));
    }

    #[test]
    fn deadline_min() {
        let a = Deadline::after(0.0, Some(100.0));
        let b = Deadline::after(0.0, Some(50.0));
        assert_eq!(a.min(b), b);
        assert_eq!(b.min(a), b);
        assert_eq!(a.min(Deadline::none()), a);
        assert_eq!(Deadline::none().min(a), a);
        assert_eq!(Deadline::none().min(Deadline::none()), Deadline::none());
    }

    #[test]
    fn grpc_timeout_format() {
        assert_eq!(format_grpc_timeout(0.0), None);
        assert_eq!(format_grpc_timeout(-5.0), None);
        assert_eq!(format_grpc_timeout(f64::NAN), None);
        assert_eq!(format_grpc_timeout(0.2).as_deref(), Some("1m"));
        assert_eq!(format_grpc_timeout(30_000.0).as_deref(), Some("30000m"));
        assert_eq!(format_grpc_timeout(1234.5).as_deref(), Some("1235m"));
        assert_eq!(
            format_grpc_timeout(99_999_999.0).as_deref(),
            Some("99999999m")
        );
        assert_eq!(
            format_grpc_timeout(100_000_000.0).as_deref(),
            Some("100000S")
        );
        assert_eq!(format_grpc_timeout(1e12).as_deref(), Some("16666667M"));
        assert_eq!(format_grpc_timeout(1e14).as_deref(), Some("27777778H"));
        assert_eq!(format_grpc_timeout(1e18).as_deref(), Some("99999999H"));
        assert_eq!(
            format_grpc_timeout(f64::INFINITY).as_deref(),
            Some("99999999H")
        );
        for ms in [1.0, 7.0, 1e3, 1e6, 1e9, 1e12, 1e15] {
            let s = format_grpc_timeout(ms).unwrap();
            let digits = s.trim_end_matches(char::is_alphabetic);
            assert!(digits.len() <= 8, "{s}");
        }
    }

    #[test]
    fn timer_delays() {
        assert_eq!(timer_delay_ms(-1.0), 0);
        assert_eq!(timer_delay_ms(f64::NAN), 0);
        assert_eq!(timer_delay_ms(0.1), 1);
        assert_eq!(timer_delay_ms(25.0), 25);
        assert_eq!(timer_delay_ms(1e12), 2_147_483_647);
    }
}
