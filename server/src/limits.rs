//! The per-IP job rate limit (spec §11 `limits.rate_limit_rps`): a fixed one-second window that
//! opens at the first counted job; the check happens before the increment, so with a limit of
//! 100 the 101st job inside the window is refused.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(1);

#[derive(Clone, Copy)]
struct Window {
    start: Instant,
    count: u32,
}

/// Counts jobs created per client IP in fixed one-second windows.
#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<IpAddr, Window>>,
}

impl RateLimiter {
    /// An empty limiter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one job for `ip` at `now` if the limit allows it; otherwise returns the
    /// service's message `Rate limit exceeded: {n} req/s (limit: {limit} req/s)`.
    /// A limit of 0 turns the check off.
    pub fn admit(&self, ip: IpAddr, limit: u32, now: Instant) -> Result<(), String> {
        if limit == 0 {
            return Ok(());
        }
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > 10_000 {
            windows.retain(|_, w| now.duration_since(w.start) < WINDOW);
        }
        let window = windows.entry(ip).or_insert(Window {
            start: now,
            count: 0,
        });
        if now.duration_since(window.start) >= WINDOW {
            *window = Window {
                start: now,
                count: 0,
            };
        }
        if window.count >= limit {
            return Err(format!(
                "Rate limit exceeded: {} req/s (limit: {limit} req/s)",
                window.count
            ));
        }
        window.count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_the_job_after_the_limit_until_the_window_ends() {
        let limiter = RateLimiter::new();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..100 {
            limiter.admit(ip, 100, t0).unwrap();
        }
        let err = limiter
            .admit(ip, 100, t0 + Duration::from_millis(999))
            .unwrap_err();
        assert_eq!(err, "Rate limit exceeded: 100 req/s (limit: 100 req/s)");
        limiter.admit(ip, 100, t0 + WINDOW).unwrap();
    }

    #[test]
    fn ips_have_separate_buckets_and_zero_is_off() {
        let limiter = RateLimiter::new();
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let t0 = Instant::now();
        limiter.admit(a, 1, t0).unwrap();
        assert!(limiter.admit(a, 1, t0).is_err());
        limiter.admit(b, 1, t0).unwrap();
        for _ in 0..1000 {
            limiter.admit(a, 0, t0).unwrap();
        }
    }
}
