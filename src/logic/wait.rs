//! The decision logic of `waitForJob` / `watchJob`: de-duplicating updates, the adaptive poll
//! schedule, and what a terminal state means.

use super::data::JobState;
use super::error::ArvakError;

/// How `waitForJob` learns about state changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// One result check at once; then WatchJob when a stream slot is free (plus a few early polls
    /// so jobs that finish within milliseconds resolve at once), polling when no slot is free or
    /// the stream fails.
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
    /// Time left until the aimed check ([`PollSchedule::aim`]), if one is pending.
    aim_ms: Option<f64>,
    /// No check has been scheduled yet.
    untouched: bool,
    /// The check just scheduled asks for the result ([`PollSchedule::asks_result`]).
    asks_result: bool,
    /// Result checks left: the aimed one and the dense ones after it.
    result_checks: u32,
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
            aim_ms: None,
            untouched: true,
            asks_result: false,
            result_checks: 0,
        }
    }

    /// Aims the next check just after the job is expected to end, `remaining_ms` from now (a
    /// [`RunTimes`] estimate): one check there (split at the cap), then dense ones
    /// ([`DENSE_STEP_MS`], growing again by [`POLL_GROWTH`]), instead of the geometric checks in
    /// between. Ignored when the geometric schedule would check sooner anyway.
    pub fn aim(&mut self, remaining_ms: f64) {
        let at = remaining_ms + AIM_AFTER_MS;
        if at.is_finite() && at > self.next_ms {
            self.aim_ms = Some(at);
        }
    }

    /// A schedule that starts with the first non-zero delay (the immediate check happened elsewhere).
    pub fn without_immediate(cap_ms: f64) -> Self {
        let mut s = Self::new(cap_ms);
        s.first = false;
        s
    }

    /// The same schedule for a wait whose caller already asked for the result: its first check
    /// asks for the state.
    pub fn result_already_asked(mut self) -> Self {
        self.untouched = false;
        self
    }

    /// Whether the check scheduled by the last [`PollSchedule::next_delay_ms`] should ask for the
    /// result (GetJobResult) instead of the state: the first check, the aimed one and the
    /// [`AIMED_DENSE_POLLS`] dense ones after it, where the job is likely finished — a hit then
    /// costs one call instead of a status check plus the result; a miss ("not completed yet",
    /// which running and cancelled jobs both answer) costs the same one call. Then the checks ask
    /// for the state again (a cancelled job is seen there).
    pub fn asks_result(&self) -> bool {
        self.asks_result
    }

    /// The delay before the next check.
    pub fn next_delay_ms(&mut self) -> f64 {
        let first_check = std::mem::replace(&mut self.untouched, false);
        let d = self.delay();
        let aimed = self.result_checks > 0;
        self.result_checks = self.result_checks.saturating_sub(1);
        self.asks_result = first_check || aimed;
        d
    }

    fn delay(&mut self) -> f64 {
        if self.first {
            self.first = false;
            return 0.0;
        }
        if let Some(left) = self.aim_ms {
            let d = left.min(self.cap_ms);
            self.aim_ms = (left - d >= 1.0).then_some(left - d);
            if self.aim_ms.is_none() {
                self.next_ms = DENSE_STEP_MS;
                self.result_checks = 1 + AIMED_DENSE_POLLS;
            }
            return d;
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
    /// Early polls capped at `poll_interval_ms`. Only the aimed one asks for the result: the first
    /// comes 20 ms after the stream opened, too soon for most jobs, and the state it reads is what
    /// aims the later ones.
    pub fn new(poll_interval_ms: f64) -> Self {
        EarlyPolls {
            schedule: PollSchedule::without_immediate(poll_interval_ms).result_already_asked(),
            left: EARLY_POLLS,
        }
    }

    /// Aims the early polls at the expected end ([`PollSchedule::aim`]); enough of them are left
    /// for the aimed check (split at the cap) and [`AIMED_DENSE_POLLS`] dense ones after it.
    pub fn aim(&mut self, remaining_ms: f64) {
        self.schedule.aim(remaining_ms);
        let splits = ((remaining_ms + AIM_AFTER_MS) / self.schedule.cap_ms)
            .ceil()
            .clamp(1.0, 1000.0) as u32;
        self.left = self.left.max(splits + AIMED_DENSE_POLLS);
    }

    /// Whether the early poll just scheduled should ask for the result ([`PollSchedule::asks_result`]).
    pub fn asks_result(&self) -> bool {
        self.schedule.asks_result()
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

/// An aimed check comes this long after the expected end (a check just before it would only find
/// the job still running).
pub const AIM_AFTER_MS: f64 = 5.0;

/// The first delay after an aimed check; then growing by [`POLL_GROWTH`].
pub const DENSE_STEP_MS: f64 = 15.0;

/// Early polls after an aimed one (15, 22, 33, 49 ms: ~120 ms past the expected end), before the
/// stream alone reports.
pub const AIMED_DENSE_POLLS: u32 = 4;

/// How much a new run-time sample moves a backend's estimate.
const RUN_TIME_WEIGHT: f64 = 0.3;

/// At most this many backends' run times are kept per client.
const MAX_BACKENDS: usize = 16;

/// How long jobs on each backend run, learned from earlier waits: the time from a wait's first
/// sight of its job not yet finished to the middle of the last two checks around its end
/// ([`RunObservation`]). Later waits on the same backend aim a check just after that
/// ([`PollSchedule::aim`]): a job is then seen done within a few tens of ms for a handful of
/// calls, where growing intervals would wait up to half its run time.
#[derive(Debug, Clone, Default)]
pub struct RunTimes {
    by_backend: Vec<(String, f64)>,
}

impl RunTimes {
    /// Adds a sample (ms) for `backend` (an exponentially weighted average).
    pub fn record(&mut self, backend: &str, sample_ms: f64) {
        if !(sample_ms.is_finite() && sample_ms >= 0.0) || backend.is_empty() {
            return;
        }
        match self.by_backend.iter_mut().find(|(b, _)| b == backend) {
            Some((_, est)) => *est += RUN_TIME_WEIGHT * (sample_ms - *est),
            None => {
                if self.by_backend.len() >= MAX_BACKENDS {
                    self.by_backend.remove(0);
                }
                self.by_backend.push((backend.to_owned(), sample_ms));
            }
        }
    }

    /// The expected run time on `backend`, if one was learned.
    pub fn expected_ms(&self, backend: &str) -> Option<f64> {
        self.by_backend
            .iter()
            .find(|(b, _)| b == backend)
            .map(|(_, est)| *est)
    }
}

/// What one wait saw of its job's run, by the times of its status checks.
#[derive(Debug, Clone, Default)]
pub struct RunObservation {
    first_running_ms: Option<f64>,
    last_running_ms: Option<f64>,
}

impl RunObservation {
    /// A check at `now_ms` saw the job not finished.
    pub fn running(&mut self, now_ms: f64) {
        self.first_running_ms.get_or_insert(now_ms);
        self.last_running_ms = Some(now_ms);
    }

    /// A result check at `now_ms` found the job not completed (running, or cancelled): it moves
    /// the last sight, but only after a status check saw it first (that one aims, knowing the
    /// backend).
    pub fn not_completed(&mut self, now_ms: f64) {
        if self.first_running_ms.is_some() {
            self.last_running_ms = Some(now_ms);
        }
    }

    /// Whether this was the first sight of the job not finished (the moment to aim).
    pub fn is_first_sight(&self) -> bool {
        self.first_running_ms == self.last_running_ms
    }

    /// A check (or the stream) at `now_ms` saw the job finished: the run-time sample, if the job
    /// was seen running before.
    pub fn finished(&self, now_ms: f64) -> Option<f64> {
        let (first, last) = (self.first_running_ms?, self.last_running_ms?);
        Some(((last + now_ms) / 2.0 - first).max(0.0))
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
    fn an_aimed_schedule_checks_just_after_the_expected_end_then_densely() {
        let mut s = PollSchedule::new(1000.0);
        assert_eq!(s.next_delay_ms(), 0.0);
        s.aim(200.0);
        assert_eq!(s.next_delay_ms(), 205.0);
        assert_eq!(s.next_delay_ms(), 15.0);
        assert_eq!(s.next_delay_ms(), 22.0);
        assert_eq!(s.next_delay_ms(), 33.0);
        // A long job: the aimed check is split at the cap.
        let mut long = PollSchedule::without_immediate(1000.0);
        long.aim(2000.0);
        let d: Vec<f64> = (0..4).map(|_| long.next_delay_ms()).collect();
        assert_eq!(d, [1000.0, 1000.0, 5.0, 15.0]);
        // An aim sooner than the next geometric check changes nothing.
        let mut short = PollSchedule::without_immediate(1000.0);
        short.aim(3.0);
        assert_eq!(short.next_delay_ms(), FIRST_POLL_DELAY_MS);
    }

    #[test]
    fn aimed_early_polls_cover_the_expected_end() {
        let mut e = EarlyPolls::new(1000.0);
        assert_eq!(e.next_delay_ms(), Some(20.0));
        e.aim(2000.0);
        let d: Vec<f64> = std::iter::from_fn(|| e.next_delay_ms()).collect();
        assert_eq!(&d[..4], &[1000.0, 1000.0, 5.0, 15.0]);
        assert!(d.len() >= 3 + AIMED_DENSE_POLLS as usize, "{d:?}");
    }

    #[test]
    fn run_times_are_learned_per_backend() {
        let mut o = RunObservation::default();
        assert_eq!(o.finished(5.0), None, "never seen running: nothing learned");
        o.not_completed(2.0);
        assert_eq!(
            o.finished(5.0),
            None,
            "a result check alone does not start the run"
        );
        o.running(10.0);
        assert!(o.is_first_sight());
        o.running(30.0);
        assert!(!o.is_first_sight());
        assert_eq!(o.finished(230.0), Some(120.0));
        o.not_completed(210.0);
        assert_eq!(
            o.finished(230.0),
            Some(210.0),
            "a missed result check moves the last sight"
        );
        let mut r = RunTimes::default();
        assert_eq!(r.expected_ms("simulator"), None);
        r.record("simulator", 200.0);
        assert_eq!(r.expected_ms("simulator"), Some(200.0));
        r.record("simulator", 100.0);
        assert_eq!(r.expected_ms("simulator"), Some(170.0));
        r.record("other", 5.0);
        r.record("", 5.0);
        r.record("simulator", f64::NAN);
        assert_eq!(r.expected_ms("simulator"), Some(170.0));
        assert_eq!(r.expected_ms("other"), Some(5.0));
        for i in 0..MAX_BACKENDS {
            r.record(&format!("b{i}"), 1.0);
        }
        assert_eq!(
            r.expected_ms("simulator"),
            None,
            "the oldest backend made room"
        );
    }

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
    fn the_first_and_the_aimed_check_ask_for_the_result() {
        let asks = |s: &mut PollSchedule| {
            let d = s.next_delay_ms();
            (d, s.asks_result())
        };
        let mut s = PollSchedule::new(1000.0);
        assert_eq!(asks(&mut s), (0.0, true), "the immediate check");
        assert_eq!(asks(&mut s), (20.0, false));
        s.aim(300.0);
        assert_eq!(asks(&mut s), (305.0, true), "the aimed check");
        let dense: Vec<_> = (0..5).map(|_| asks(&mut s)).collect();
        assert_eq!(
            dense,
            [
                (15.0, true),
                (22.0, true),
                (33.0, true),
                (49.0, true),
                (73.0, false)
            ],
            "the dense ones after it, then states again (a cancelled job)"
        );
        // An aim beyond the cap is split: only its last part asks for the result.
        let mut s = PollSchedule::new(100.0);
        let _ = asks(&mut s);
        s.aim(250.0);
        let parts: Vec<_> = (0..3).map(|_| asks(&mut s)).collect();
        assert_eq!(parts, [(100.0, false), (100.0, false), (55.0, true)]);
        let mut s = PollSchedule::new(1000.0).result_already_asked();
        assert_eq!(asks(&mut s), (0.0, false), "the caller asked already");
        // Early polls (beside a stream): only the aimed one.
        let mut e = EarlyPolls::new(1000.0);
        assert_eq!(e.next_delay_ms(), Some(20.0));
        assert!(
            !e.asks_result(),
            "the first early poll reads the state, to aim the next"
        );
        e.aim(100.0);
        assert_eq!(e.next_delay_ms(), Some(105.0));
        assert!(e.asks_result());
        assert_eq!(e.next_delay_ms(), Some(15.0));
        assert!(e.asks_result());
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
