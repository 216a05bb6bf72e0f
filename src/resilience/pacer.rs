//! The submit pacer: keeps job creation under the server's per-IP rate limit, so batches are not
//! cut part-way by `RESOURCE_EXHAUSTED "Rate limit exceeded"` (spec §6.2, §11).
//!
//! ## The server's limit
//!
//! The service counts **jobs created** (a SubmitBatch counts each job) per client IP in a fixed
//! one-second window that opens at the first counted job; the check precedes the increment, so with
//! limit `L` the `L+1`-th job inside the window is refused. Rejected jobs are not counted.
//!
//! ## Why a sliding log and not a refilling token bucket
//!
//! A classic token bucket (capacity `L`, refill `L`/s) lets `2L` jobs into one fixed server window
//! (a full bucket spent at the window's start, then the refill during it), so it would overrun a
//! fixed-window limiter. The client also cannot see when the server's window opened: it opens when
//! the first job *arrives*, somewhere between our send and our response. This pacer therefore keeps
//! a log of reservations by send time and admits a reservation only if **no interval of
//! `1000 ms + margin_ms` holds more than `L` reserved jobs**. If every job reaches the server within
//! `margin_ms` of the latency of any other (network jitter plus the server's sequential processing
//! of a batch), every server window lies inside such an interval and the limit is never hit by this
//! client. `margin_ms` defaults to 100 ms, so the pacer runs at ≥ 90 % of the limit.
//!
//! Reservations are FIFO: each is placed at or after the previous one. Tokens are not refunded when
//! an attempt fails or is aborted (conservative; at worst a slot of the window stays unused).
//!
//! ## Learning the limit
//!
//! With no `maxSubmitsPerSecond` the pacer does not limit until the server says so:
//! [`SubmitPacer::on_throttled`] parses `"Rate limit exceeded: N req/s (limit: L req/s)"`, adopts `L`
//! (only ever lowering a known limit) and holds every reservation for 1000 ms — the rejected job
//! proves the server's current window is full, and that window ends at most 1000 ms after the
//! rejection was sent. Concurrency-limit and queue-full messages are parsed too
//! ([`Throttle`]); they are not time-based, so they only record the limit
//! ([`SubmitPacer::concurrency_limit`]) for the batch manager's chunk sizing.
//!
//! Other browser tabs or users behind the same proxy share the server's bucket (spec §1); the
//! pacer cannot see their jobs, only the rejections they cause.

use std::collections::VecDeque;

use crate::logic::error::{clamp_f64, describe_number, ArvakError};

/// The server's rate window (spec §11).
pub const RATE_WINDOW_MS: f64 = 1000.0;

/// Pacer settings (the JavaScript `{ maxSubmitsPerSecond, marginMs }`, read by the bindings).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PacerConfig {
    /// Jobs per second this client may create (`None`: learn it from the server's rejections).
    pub max_submits_per_second: Option<u32>,
    /// Extra length of the pacing window beyond 1000 ms, covering latency differences between jobs
    /// (default 100).
    pub margin_ms: f64,
}

impl Default for PacerConfig {
    fn default() -> Self {
        PacerConfig {
            max_submits_per_second: None,
            margin_ms: 100.0,
        }
    }
}

impl PacerConfig {
    /// Checks the values; the error names the option.
    pub fn validate(&self) -> Result<(), ArvakError> {
        if self.max_submits_per_second == Some(0) {
            return Err(ArvakError::invalid_argument(
                "maxSubmitsPerSecond must be at least 1 (leave it out to learn the server's limit)",
            ));
        }
        if !(self.margin_ms.is_finite() && (0.0..=60_000.0).contains(&self.margin_ms)) {
            return Err(ArvakError::invalid_argument(format!(
                "pacer.marginMs must be a number in [0, 60000], got {}",
                describe_number(self.margin_ms)
            )));
        }
        Ok(())
    }
}

/// What a `RESOURCE_EXHAUSTED` message says (spec §6.1 step 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttle {
    /// `Rate limit exceeded: {current} req/s (limit: {limit} req/s)`.
    Rate {
        /// Jobs counted in the server's current window.
        current: u32,
        /// The per-IP limit.
        limit: u32,
    },
    /// `Concurrency limit reached: {running} jobs running (limit: {limit})`.
    Concurrency {
        /// Jobs the server counts as running (it never decrements for cancelled jobs, §6.5).
        running: u32,
        /// The limit.
        limit: u32,
    },
    /// `Queue full: {queued} jobs queued (limit: {limit})`.
    QueueFull {
        /// Jobs queued.
        queued: u32,
        /// The limit.
        limit: u32,
    },
    /// Some other text (a proxy's rate limiter, a newer server).
    Other,
}

/// Matches `text` against `template`, where each `{}` stands for a decimal number; returns the
/// numbers. Surrounding whitespace is ignored.
fn match_numbers<const N: usize>(text: &str, template: &str) -> Option<[u32; N]> {
    let mut rest = text.trim();
    let mut out = [0u32; N];
    let mut parts = template.split("{}");
    let first = parts.next()?;
    rest = rest.strip_prefix(first)?;
    for (i, literal) in parts.enumerate() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || i >= N {
            return None;
        }
        *out.get_mut(i)? = rest.get(..digits)?.parse().ok()?;
        rest = rest.get(digits..)?.strip_prefix(literal)?;
    }
    rest.is_empty().then_some(out)
}

impl Throttle {
    /// Parses a (tag-stripped, percent-decoded) `RESOURCE_EXHAUSTED` message.
    pub fn parse(message: &str) -> Throttle {
        if let Some([current, limit]) =
            match_numbers(message, "Rate limit exceeded: {} req/s (limit: {} req/s)")
        {
            return Throttle::Rate { current, limit };
        }
        if let Some([running, limit]) = match_numbers(
            message,
            "Concurrency limit reached: {} jobs running (limit: {})",
        ) {
            return Throttle::Concurrency { running, limit };
        }
        if let Some([queued, limit]) =
            match_numbers(message, "Queue full: {} jobs queued (limit: {})")
        {
            return Throttle::QueueFull { queued, limit };
        }
        Throttle::Other
    }
}

/// The size and start time of the next SubmitBatch chunk.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChunkGrant {
    /// Jobs in the chunk (0 only when 0 were wanted).
    pub size: u32,
    /// Sleep this long before sending it.
    pub wait_ms: f64,
}

/// A reservation that can never fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge {
    /// Jobs asked for.
    pub jobs: u32,
    /// The limit per window.
    pub limit: u32,
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} jobs can never be created at once under a limit of {} per second; split them",
            self.jobs, self.limit
        )
    }
}

impl std::error::Error for TooLarge {}

/// The submit pacer of one client (see the module docs).
#[derive(Debug, Clone)]
pub struct SubmitPacer {
    limit: Option<u32>,
    concurrency_limit: Option<u32>,
    window_ms: f64,
    /// (send time, jobs), ascending by time.
    log: VecDeque<(f64, u32)>,
    last_ms: f64,
    blocked_until_ms: f64,
}

impl Default for SubmitPacer {
    fn default() -> Self {
        SubmitPacer::new(PacerConfig::default())
    }
}

impl SubmitPacer {
    /// A pacer with an empty log. An unvalidated config is clamped (limit ≥ 1, margin in range).
    pub fn new(config: PacerConfig) -> Self {
        let margin = if config.margin_ms.is_finite() {
            clamp_f64(config.margin_ms, 0.0, 60_000.0)
        } else {
            PacerConfig::default().margin_ms
        };
        SubmitPacer {
            limit: config.max_submits_per_second.map(|l| l.max(1)),
            concurrency_limit: None,
            window_ms: RATE_WINDOW_MS + margin,
            log: VecDeque::new(),
            last_ms: f64::NEG_INFINITY,
            blocked_until_ms: f64::NEG_INFINITY,
        }
    }

    /// Jobs per second currently enforced (`None`: not limiting yet).
    pub fn limit(&self) -> Option<u32> {
        self.limit
    }

    /// The server's concurrency limit, once a rejection has revealed it.
    pub fn concurrency_limit(&self) -> Option<u32> {
        self.concurrency_limit
    }

    /// The pacing window (1000 ms + margin).
    pub fn window_ms(&self) -> f64 {
        self.window_ms
    }

    /// Lowers (or sets) the enforced limit; a higher value than the current one is ignored.
    pub fn lower_limit(&mut self, limit: u32) {
        let limit = limit.max(1);
        self.limit = Some(self.limit.map_or(limit, |l| l.min(limit)));
    }

    fn prune(&mut self, now_ms: f64) {
        while let Some(&(at, _)) = self.log.front() {
            if at + self.window_ms <= now_ms {
                self.log.pop_front();
            } else {
                break;
            }
        }
    }

    /// The earliest time ≥ `from` at which `jobs` more fit, given the log (FIFO: `from` is
    /// already ≥ the last reservation). Does not modify the log.
    fn earliest(&self, jobs: u32, from: f64) -> f64 {
        let Some(limit) = self.limit else {
            return from;
        };
        let mut used: u64 = self
            .log
            .iter()
            .filter(|&&(at, _)| at + self.window_ms > from)
            .map(|&(_, n)| u64::from(n))
            .sum();
        let mut t = from;
        for &(at, n) in &self.log {
            if used + u64::from(jobs) <= u64::from(limit) {
                break;
            }
            if at + self.window_ms > from {
                t = t.max(at + self.window_ms);
                used -= u64::from(n);
            }
        }
        t
    }

    /// Jobs that could be sent at `now_ms` without waiting (`None`: unlimited).
    pub fn available(&mut self, now_ms: f64) -> Option<u32> {
        self.prune(now_ms);
        let limit = self.limit?;
        if now_ms < self.blocked_until_ms || now_ms < self.last_ms {
            return Some(0);
        }
        let used: u64 = self.log.iter().map(|&(_, n)| u64::from(n)).sum();
        Some(u64::from(limit).saturating_sub(used) as u32)
    }

    fn start(&self, now_ms: f64) -> f64 {
        now_ms.max(self.last_ms).max(self.blocked_until_ms)
    }

    fn record(&mut self, at: f64, jobs: u32) {
        match self.log.back_mut() {
            Some((last, n)) if *last == at => *n = n.saturating_add(jobs),
            _ => self.log.push_back((at, jobs)),
        }
        self.last_ms = at;
    }

    /// Reserves `jobs` job creations (1 for a SubmitJob, the chunk length for a SubmitBatch) and
    /// returns how long to wait before sending. The reservation is recorded at `now_ms + wait`.
    pub fn reserve(&mut self, jobs: u32, now_ms: f64) -> Result<f64, TooLarge> {
        if jobs == 0 {
            return Ok(0.0);
        }
        if let Some(limit) = self.limit {
            if jobs > limit {
                return Err(TooLarge { jobs, limit });
            }
        }
        self.prune(now_ms);
        let at = self.earliest(jobs, self.start(now_ms));
        self.record(at, jobs);
        Ok(at - now_ms)
    }

    /// Sizes and reserves the next SubmitBatch chunk: at most `wanted` jobs, at most `max_chunk`
    /// (the caller's cap, e.g. its batch size or the concurrency headroom; 0 counts as 1), and —
    /// the point — **never more than fit in the rate window at the send time**, so the server's
    /// limit cannot cut the chunk part-way. Sends as soon as at least one job fits.
    pub fn reserve_chunk(&mut self, wanted: u32, max_chunk: u32, now_ms: f64) -> ChunkGrant {
        if wanted == 0 {
            return ChunkGrant {
                size: 0,
                wait_ms: 0.0,
            };
        }
        let cap = wanted.min(max_chunk.max(1));
        self.prune(now_ms);
        let from = self.start(now_ms);
        let (at, size) = match self.limit {
            None => (from, cap),
            Some(limit) => {
                let at = self.earliest(1, from);
                let used: u64 = self
                    .log
                    .iter()
                    .filter(|&&(t, _)| t + self.window_ms > at)
                    .map(|&(_, n)| u64::from(n))
                    .sum();
                let free = u64::from(limit).saturating_sub(used).max(1) as u32;
                (at, cap.min(free))
            }
        };
        self.record(at, size);
        ChunkGrant {
            size,
            wait_ms: at - now_ms,
        }
    }

    /// Learns from a `RESOURCE_EXHAUSTED` message received at `now_ms` (see the module docs);
    /// returns what it said.
    pub fn on_throttled(&mut self, message: &str, now_ms: f64) -> Throttle {
        let t = Throttle::parse(message);
        match t {
            Throttle::Rate { limit, .. } => {
                if limit > 0 {
                    self.lower_limit(limit);
                }
                self.blocked_until_ms = self.blocked_until_ms.max(now_ms + RATE_WINDOW_MS);
            }
            Throttle::Concurrency { limit, .. } if limit > 0 => {
                self.concurrency_limit = Some(limit);
            }
            _ => {}
        }
        t
    }
}

/// The jobs a batch's submissions were answered for, by answer time: how many jobs a SubmitBatch
/// chunk may carry so that the server's rate window cannot cut it part-way.
///
/// The pacer's log is by *send* time, and its guarantee needs every request to reach the server
/// within `margin_ms` of the others. In a browser a request can wait far longer than that for one
/// of the six HTTP/1.1 connections, so a SubmitBatch could still meet a full server window and be
/// refused after creating some of its jobs, whose ids never arrive. A chunk is therefore sent only
/// when **nothing else of the batch is in flight**, and it carries at most
/// `limit − (jobs answered within the last window)`: every job in the server's window when the
/// chunk arrives reached the server at most one window before that arrival, hence after the
/// chunk was sent minus one window, and was answered before the chunk was sent (nothing was in
/// flight) — so it is in this log. A new window admits the whole chunk anyway. Failures that may
/// have created jobs are recorded too (their jobs may count at the server).
#[derive(Debug, Clone, Default)]
pub struct ChunkRoom {
    answered: VecDeque<(f64, u32)>,
}

impl ChunkRoom {
    /// Records `jobs` answered (or failed with an unknown outcome) at `now_ms`; answers older
    /// than `window_ms` are dropped, so the log holds one window at most.
    pub fn record(&mut self, now_ms: f64, jobs: u32, window_ms: f64) {
        self.prune(now_ms, window_ms);
        if jobs > 0 {
            self.answered.push_back((now_ms, jobs));
        }
    }

    fn prune(&mut self, now_ms: f64, window_ms: f64) {
        while let Some(&(at, _)) = self.answered.front() {
            if at + window_ms < now_ms {
                self.answered.pop_front();
            } else {
                break;
            }
        }
    }

    /// Jobs a chunk sent at `now_ms` may carry under `limit` (call only with nothing in flight).
    pub fn room(&mut self, now_ms: f64, window_ms: f64, limit: u32) -> u32 {
        self.prune(now_ms, window_ms);
        let recent: u64 = self.answered.iter().map(|&(_, n)| u64::from(n)).sum();
        u64::from(limit).saturating_sub(recent) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resilience::rng::{RandomSource, SplitMix64};

    fn pacer(limit: Option<u32>, margin: f64) -> SubmitPacer {
        SubmitPacer::new(PacerConfig {
            max_submits_per_second: limit,
            margin_ms: margin,
        })
    }

    /// The dev server's limiter (server/src/limits.rs), as the oracle: fixed window opened by the
    /// first counted job, check before increment, rejected jobs not counted.
    struct ServerWindow {
        start: f64,
        count: u32,
        limit: u32,
    }

    impl ServerWindow {
        fn admit(&mut self, at: f64) -> bool {
            if at - self.start >= 1000.0 {
                self.start = at;
                self.count = 0;
            }
            if self.count >= self.limit {
                return false;
            }
            self.count += 1;
            true
        }
    }

    #[test]
    fn parses_the_three_resource_messages() {
        assert_eq!(
            Throttle::parse("Rate limit exceeded: 100 req/s (limit: 100 req/s)"),
            Throttle::Rate {
                current: 100,
                limit: 100
            }
        );
        assert_eq!(
            Throttle::parse("Concurrency limit reached: 2 jobs running (limit: 2)"),
            Throttle::Concurrency {
                running: 2,
                limit: 2
            }
        );
        assert_eq!(
            Throttle::parse("Queue full: 1000 jobs queued (limit: 1000)"),
            Throttle::QueueFull {
                queued: 1000,
                limit: 1000
            }
        );
        for other in [
            "",
            "Rate limit exceeded",
            "Rate limit exceeded: x req/s (limit: 100 req/s)",
            "Rate limit exceeded: 100 req/s (limit: 100 req/s) extra",
            "Rate limit exceeded: 99999999999 req/s (limit: 1 req/s)",
            "Rate limit exceeded: -1 req/s (limit: 5 req/s)",
            "Too many requests",
        ] {
            assert_eq!(Throttle::parse(other), Throttle::Other, "{other:?}");
        }
        assert_eq!(
            Throttle::parse("  Rate limit exceeded: 5 req/s (limit: 5 req/s)\n"),
            Throttle::Rate {
                current: 5,
                limit: 5
            }
        );
    }

    #[test]
    fn unlimited_until_learned_then_paced() {
        let mut p = pacer(None, 100.0);
        assert_eq!(p.limit(), None);
        assert_eq!(p.available(0.0), None);
        for _ in 0..500 {
            assert_eq!(p.reserve(1, 0.0), Ok(0.0));
        }
        // Rejected at t = 10: limit learned, and nothing goes before the server's window ends.
        let t = p.on_throttled("Rate limit exceeded: 100 req/s (limit: 100 req/s)", 10.0);
        assert_eq!(
            t,
            Throttle::Rate {
                current: 100,
                limit: 100
            }
        );
        assert_eq!(p.limit(), Some(100));
        assert_eq!(p.available(500.0), Some(0));
        // The 500 reservations at t=0 expire at 1100 (window 1100 ms) — later than the block.
        assert_eq!(p.reserve(1, 20.0), Ok(1080.0));
        // A higher limit reported later does not raise it; a lower one lowers it.
        p.on_throttled("Rate limit exceeded: 7 req/s (limit: 200 req/s)", 30.0);
        assert_eq!(p.limit(), Some(100));
        p.on_throttled("Rate limit exceeded: 7 req/s (limit: 50 req/s)", 30.0);
        assert_eq!(p.limit(), Some(50));
        // Concurrency messages record the limit without blocking.
        let mut q = pacer(Some(10), 0.0);
        q.on_throttled(
            "Concurrency limit reached: 100 jobs running (limit: 100)",
            0.0,
        );
        assert_eq!(q.concurrency_limit(), Some(100));
        assert_eq!(q.reserve(1, 0.0), Ok(0.0));
        assert_eq!(q.on_throttled("nope", 0.0), Throttle::Other);
    }

    #[test]
    fn single_jobs_are_spread_over_windows() {
        let mut p = pacer(Some(3), 0.0);
        let waits: Vec<f64> = (0..7).map(|_| p.reserve(1, 0.0).unwrap()).collect();
        assert_eq!(waits, [0.0, 0.0, 0.0, 1000.0, 1000.0, 1000.0, 2000.0]);
        // Later callers see the queue (FIFO), relative to their own now.
        assert_eq!(p.reserve(1, 1500.0), Ok(500.0));
        assert_eq!(p.window_ms(), 1000.0);
    }

    #[test]
    fn a_staggered_log_frees_slots_one_by_one() {
        let mut p = pacer(Some(2), 100.0);
        assert_eq!(p.reserve(1, 0.0), Ok(0.0));
        assert_eq!(p.reserve(1, 400.0), Ok(0.0));
        assert_eq!(p.available(500.0), Some(0));
        // Next slot frees when the t=0 entry leaves the 1100 ms window.
        assert_eq!(p.reserve(1, 500.0), Ok(600.0));
        // And the one after that when the t=400 entry does.
        assert_eq!(p.reserve(1, 500.0), Ok(1000.0));
        assert_eq!(p.available(2700.0), Some(2));
    }

    #[test]
    fn too_large_reservations_are_refused() {
        let mut p = pacer(Some(10), 0.0);
        let e = p.reserve(11, 0.0).unwrap_err();
        assert_eq!(
            e,
            TooLarge {
                jobs: 11,
                limit: 10
            }
        );
        assert!(e.to_string().contains("split"));
        assert_eq!(p.reserve(10, 0.0), Ok(0.0));
        assert_eq!(p.reserve(0, 0.0), Ok(0.0));
        assert_eq!(p.reserve(10, 0.0), Ok(1000.0));
    }

    #[test]
    fn chunks_fit_the_remaining_window() {
        let mut p = pacer(Some(100), 0.0);
        // 300 jobs, chunks of at most 64.
        let mut left = 300u32;
        let mut now = 0.0;
        let mut grants = Vec::new();
        while left > 0 {
            let g = p.reserve_chunk(left, 64, now);
            assert!(g.size >= 1 && g.size <= 64);
            now += g.wait_ms;
            grants.push((now, g.size));
            left -= g.size;
        }
        assert_eq!(
            grants,
            [
                (0.0, 64),
                (0.0, 36), // only 36 left in the window: the chunk is cut *before* sending
                (1000.0, 64),
                (1000.0, 36),
                (2000.0, 64),
                (2000.0, 36),
            ]
        );
        assert_eq!(
            p.reserve_chunk(0, 10, 0.0),
            ChunkGrant {
                size: 0,
                wait_ms: 0.0
            }
        );
        // Unlimited: the cap alone decides.
        let mut u = pacer(None, 0.0);
        assert_eq!(
            u.reserve_chunk(500, 200, 0.0),
            ChunkGrant {
                size: 200,
                wait_ms: 0.0
            }
        );
        assert_eq!(
            u.reserve_chunk(5, 0, 0.0),
            ChunkGrant {
                size: 1,
                wait_ms: 0.0
            }
        );
    }

    #[test]
    fn validation() {
        PacerConfig::default().validate().unwrap();
        assert!(PacerConfig {
            max_submits_per_second: Some(0),
            ..PacerConfig::default()
        }
        .validate()
        .unwrap_err()
        .message
        .contains("maxSubmitsPerSecond"));
        for m in [-1.0, f64::NAN, 1e9] {
            assert!(PacerConfig {
                max_submits_per_second: None,
                margin_ms: m
            }
            .validate()
            .unwrap_err()
            .message
            .contains("marginMs"));
        }
        // Defaults: learn the limit, 100 ms margin.
        assert_eq!(
            PacerConfig::default(),
            PacerConfig {
                max_submits_per_second: None,
                margin_ms: 100.0
            }
        );
        PacerConfig {
            max_submits_per_second: Some(50),
            ..PacerConfig::default()
        }
        .validate()
        .unwrap();
        assert_eq!(
            SubmitPacer::new(PacerConfig {
                max_submits_per_second: Some(0),
                margin_ms: f64::NAN
            })
            .limit(),
            Some(1)
        );
    }

    /// Property: whatever mix of single reservations and chunks, with send latencies varying by
    /// less than the margin, the server's fixed-window limiter never refuses a job of this client.
    #[test]
    fn never_overruns_a_fixed_window_server() {
        let mut rng = SplitMix64::new(0xFACE);
        for case in 0..200 {
            let limit = 1 + rng.below(120) as u32;
            let margin = 20.0 + rng.below(200) as f64;
            let base_latency = rng.below(50) as f64;
            let mut p = pacer(Some(limit), margin);
            let mut server = ServerWindow {
                start: f64::NEG_INFINITY,
                count: 0,
                limit,
            };
            let mut now = 0.0;
            // (arrival time at the server, jobs)
            let mut arrivals: Vec<(f64, u32)> = Vec::new();
            let mut created = 0u32;
            for _ in 0..150 {
                now += rng.below(300) as f64;
                let (wait, jobs) = if rng.chance(0.5) {
                    let g =
                        p.reserve_chunk(1 + rng.below(250) as u32, 1 + rng.below(150) as u32, now);
                    (g.wait_ms, g.size)
                } else {
                    let n = 1 + rng.below(u64::from(limit)) as u32;
                    (p.reserve(n, now).unwrap(), n)
                };
                assert!(wait >= 0.0);
                assert!(jobs <= limit, "case {case}: chunk {jobs} > limit {limit}");
                // Each job of the request reaches the server within the margin of the others.
                let jitter = rng.next_f64() * (margin - 1.0);
                arrivals.push((now + wait + base_latency + jitter, jobs));
                created += jobs;
            }
            arrivals.sort_by(|a, b| a.0.total_cmp(&b.0));
            for (at, jobs) in arrivals {
                for _ in 0..jobs {
                    assert!(
                        server.admit(at),
                        "case {case}: refused at {at} (limit {limit}, margin {margin})"
                    );
                }
            }
            assert!(created > 0);
        }
    }

    /// Negative control for the property above: with no margin, latency spread lets a server
    /// window catch more than the limit — the simulation does detect overruns.
    #[test]
    fn without_a_margin_latency_spread_overruns() {
        let mut rng = SplitMix64::new(0xFACE);
        let mut refused = 0;
        for _ in 0..50 {
            let limit = 10;
            let mut p = pacer(Some(limit), 0.0);
            let mut server = ServerWindow {
                start: f64::NEG_INFINITY,
                count: 0,
                limit,
            };
            let mut arrivals = Vec::new();
            for _ in 0..100 {
                let wait = p.reserve(1, 0.0).unwrap();
                arrivals.push(wait + rng.next_f64() * 300.0);
            }
            arrivals.sort_by(f64::total_cmp);
            refused += arrivals.iter().filter(|&&at| !server.admit(at)).count();
        }
        assert!(refused > 0);
    }

    /// And the pacer is not needlessly slow: a long run of single jobs achieves at least
    /// limit × 1000 / (1000 + margin) jobs per second.
    #[test]
    fn throughput_is_close_to_the_limit() {
        let mut p = pacer(Some(100), 100.0);
        let mut last = 0.0;
        for _ in 0..1000 {
            last = p.reserve(1, 0.0).unwrap();
        }
        // 1000 jobs = 10 windows of 1100 ms; the last batch starts at 9 × 1100.
        assert_eq!(last, 9.0 * 1100.0);
    }

    #[test]
    fn chunk_room_counts_what_was_answered_within_the_window() {
        let mut room = ChunkRoom::default();
        assert_eq!(room.room(0.0, 1100.0, 40), 40);
        room.record(100.0, 25, 1100.0);
        room.record(900.0, 10, 1100.0);
        room.record(950.0, 0, 1100.0);
        assert_eq!(room.room(1000.0, 1100.0, 40), 5);
        // The first answer leaves the window after 1100 ms; the second stays.
        assert_eq!(room.room(1250.0, 1100.0, 40), 30);
        assert_eq!(room.room(2001.0, 1100.0, 40), 40);
        room.record(2100.0, 50, 1100.0);
        assert_eq!(room.room(2100.0, 1100.0, 40), 0);
    }
}
