//! The decision logic of `waitForJob` / `watchJob`: de-duplicating updates, the adaptive poll
//! schedule, and what a terminal state means.

use super::data::JobState;
use super::error::ArvakError;

/// How `waitForJob` learns about state changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// WatchJob when a stream slot is free (plus a few early polls so jobs that finish within
    /// milliseconds resolve at once); polling when no slot is free or the stream fails.
    #[default]
    Auto,
    /// WatchJob regardless of the slot cap (polling only if the stream fails).
    Watch,
    /// GetJobStatus polling only.
    Poll,
}

impl Strategy {
    /// Parses `"auto" | "watch" | "poll"`.
    pub fn parse(s: &str) -> Result<Self, ArvakError> {
        match s {
            "auto" => Ok(Strategy::Auto),
            "watch" => Ok(Strategy::Watch),
            "poll" => Ok(Strategy::Poll),
            other => Err(ArvakError::invalid_argument(format!(
                "strategy must be \"auto\", \"watch\" or \"poll\", got \"{other}\""
            ))),
        }
    }
}

/// Reports each state once: WatchJob repeats the current state on every tick, and polls and the
/// stream may both see the same state.
#[derive(Debug, Clone, Default)]
pub struct StateDeduper {
    last: Option<JobState>,
}

impl StateDeduper {
    /// Records `state`; `true` when it differs from the previous one (so it should be reported).
    pub fn changed(&mut self, state: JobState) -> bool {
        if self.last == Some(state) {
            false
        } else {
            self.last = Some(state);
            true
        }
    }

    /// The last state seen.
    pub fn last(&self) -> Option<JobState> {
        self.last
    }
}

/// The first non-immediate poll delay.
pub const FIRST_POLL_DELAY_MS: f64 = 20.0;

/// Each poll delay is this factor times the previous one (rounded down to whole ms). 1.5 rather than
/// 2 keeps the detection delay at about half the job's run time instead of all of it (measured with
/// 200 ms jobs: 201 ms over the run time with doubling; see BENCHMARKS.md), for two extra calls.
pub const POLL_GROWTH: f64 = 1.5;

/// The smallest `pollIntervalMs` in effect: smaller values (0 included) are raised to it, so a
/// wait never polls one job more than about ten times a second once the early polls are over
/// (the service's own WatchJob cadence is 500 ms; `pollIntervalMs: 0` made 356 polls in 1.5 s).
pub const MIN_POLL_INTERVAL_MS: f64 = 100.0;

/// Adaptive poll delays: `0` (check at once), then 20, 30, 45, 67, 100, … ms, growing by
/// [`POLL_GROWTH`] up to the cap (`pollIntervalMs`, at least [`MIN_POLL_INTERVAL_MS`]). Short jobs
/// are seen within tens of milliseconds; long jobs cost one status call per `pollIntervalMs`.
#[derive(Debug, Clone)]
pub struct PollSchedule {
    next_ms: f64,
    cap_ms: f64,
    first: bool,
}

impl PollSchedule {
    /// A schedule whose delays never exceed `cap_ms`, floored at [`MIN_POLL_INTERVAL_MS`]
    /// (negative/NaN caps count as the floor).
    pub fn new(cap_ms: f64) -> Self {
        let cap_ms = if cap_ms.is_nan() {
            MIN_POLL_INTERVAL_MS
        } else {
            cap_ms.max(MIN_POLL_INTERVAL_MS)
        };
        PollSchedule {
            next_ms: FIRST_POLL_DELAY_MS,
            cap_ms,
            first: true,
        }
    }

    /// A schedule that starts with the first non-zero delay (the immediate check happened elsewhere).
    pub fn without_immediate(cap_ms: f64) -> Self {
        let mut s = Self::new(cap_ms);
        s.first = false;
        s
    }

    /// The delay before the next check.
    pub fn next_delay_ms(&mut self) -> f64 {
        if self.first {
            self.first = false;
            return 0.0;
        }
        let d = self.next_ms.min(self.cap_ms);
        self.next_ms = (self.next_ms * POLL_GROWTH)
            .floor()
            .min(self.cap_ms.max(FIRST_POLL_DELAY_MS));
        d
    }
}

/// In `auto` mode, while the WatchJob stream is open, status polls also run at these growing delays
/// (20, 30, 45, 67, 100, 150 ms: until about 412 ms) and then stop: the stream's first message gives
/// the state at once, but its next one only comes a watch interval (500 ms on the service) later, so
/// without these a job that finishes a few ms after submit would wait half a second.
#[derive(Debug, Clone)]
pub struct EarlyPolls {
    schedule: PollSchedule,
    left: u32,
}

/// How many early polls accompany a stream.
pub const EARLY_POLLS: u32 = 6;

impl EarlyPolls {
    /// Early polls capped at `poll_interval_ms`.
    pub fn new(poll_interval_ms: f64) -> Self {
        EarlyPolls {
            schedule: PollSchedule::without_immediate(poll_interval_ms),
            left: EARLY_POLLS,
        }
    }

    /// The delay before the next early poll, or `None` when they are used up.
    pub fn next_delay_ms(&mut self) -> Option<f64> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        Some(self.schedule.next_delay_ms())
    }
}

/// What a terminal state means for `waitForJob`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// COMPLETED: fetch the result (GetJobResult also confirms the state).
    FetchResult,
    /// FAILED: GetJobResult answers `ABORTED` with the server's message → job-failed error.
    Failed,
    /// CANCELED → job-cancelled error.
    Cancelled,
    /// RESULT_EXPIRED → result-expired error.
    Expired,
}

/// `Some` for terminal states.
pub fn finish_for(state: JobState) -> Option<Finish> {
    match state {
        JobState::Completed => Some(Finish::FetchResult),
        JobState::Failed => Some(Finish::Failed),
        JobState::Canceled => Some(Finish::Cancelled),
        JobState::ResultExpired => Some(Finish::Expired),
        JobState::Unspecified | JobState::Queued | JobState::Running => None,
    }
}

/// The maximum number of concurrently open WatchJob streams used by `auto` waits, by default.
/// Browsers open at most 6 HTTP/1.1 connections per origin and each open stream holds one for as
/// long as its job runs: with 2, four stay free for unary calls even while long jobs are watched.
/// (For jobs that finish at once the cap makes no measurable difference: BENCHMARKS.md, run 3.)
pub const DEFAULT_MAX_STREAMS: usize = 2;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategy_parse() {
        assert_eq!(Strategy::parse("auto").unwrap(), Strategy::Auto);
        assert_eq!(Strategy::parse("watch").unwrap(), Strategy::Watch);
        assert_eq!(Strategy::parse("poll").unwrap(), Strategy::Poll);
        assert!(Strategy::parse("Poll").is_err());
        assert_eq!(Strategy::default(), Strategy::Auto);
    }

    #[test]
    fn deduper_reports_changes_once() {
        let mut d = StateDeduper::default();
        let seq = [
            JobState::Running,
            JobState::Running,
            JobState::Running,
            JobState::Completed,
            JobState::Completed,
        ];
        let reported: Vec<_> = seq.into_iter().filter(|s| d.changed(*s)).collect();
        assert_eq!(reported, vec![JobState::Running, JobState::Completed]);
        assert_eq!(d.last(), Some(JobState::Completed));
    }

    #[test]
    fn poll_schedule_starts_immediately_and_grows_to_cap() {
        let mut s = PollSchedule::new(1000.0);
        let d: Vec<f64> = (0..13).map(|_| s.next_delay_ms()).collect();
        assert_eq!(
            d,
            vec![
                0.0, 20.0, 30.0, 45.0, 67.0, 100.0, 150.0, 225.0, 337.0, 505.0, 757.0, 1000.0,
                1000.0
            ]
        );
        // Below the floor (0 included): raised to 100 ms, never a busy loop.
        for cap in [10.0, 0.0, -5.0, f64::NAN, 99.9] {
            let mut s = PollSchedule::new(cap);
            let d: Vec<f64> = (0..8).map(|_| s.next_delay_ms()).collect();
            assert_eq!(
                d,
                vec![0.0, 20.0, 30.0, 45.0, 67.0, 100.0, 100.0, 100.0],
                "{cap}"
            );
        }
        // 1.5 s of polling with pollIntervalMs 0: 19 polls, not hundreds.
        let mut s = PollSchedule::new(0.0);
        let (mut t, mut polls) = (0.0, 0);
        while t < 1500.0 {
            t += s.next_delay_ms();
            polls += 1;
        }
        assert_eq!(polls, 19);
        let mut s = PollSchedule::without_immediate(140.0);
        assert_eq!(s.next_delay_ms(), 20.0);
        assert_eq!(s.next_delay_ms(), 30.0);
        assert_eq!(s.next_delay_ms(), 45.0);
        assert_eq!(s.next_delay_ms(), 67.0);
        assert_eq!(s.next_delay_ms(), 100.0);
        assert_eq!(s.next_delay_ms(), 140.0);
    }

    #[test]
    fn early_polls_are_bounded() {
        let mut e = EarlyPolls::new(1000.0);
        let d: Vec<_> = std::iter::from_fn(|| e.next_delay_ms()).collect();
        assert_eq!(d, vec![20.0, 30.0, 45.0, 67.0, 100.0, 150.0]);
        assert!(
            d.iter().sum::<f64>() < 500.0,
            "early polls end before the first watch tick"
        );
        let mut e = EarlyPolls::new(30.0);
        let d: Vec<_> = std::iter::from_fn(|| e.next_delay_ms()).collect();
        assert_eq!(d, vec![20.0, 30.0, 45.0, 67.0, 100.0, 100.0], "floored");
    }

    #[test]
    fn terminal_states_finish() {
        assert_eq!(finish_for(JobState::Completed), Some(Finish::FetchResult));
        assert_eq!(finish_for(JobState::Failed), Some(Finish::Failed));
        assert_eq!(finish_for(JobState::Canceled), Some(Finish::Cancelled));
        assert_eq!(finish_for(JobState::ResultExpired), Some(Finish::Expired));
        for s in [JobState::Unspecified, JobState::Queued, JobState::Running] {
            assert_eq!(finish_for(s), None);
        }
    }
}
