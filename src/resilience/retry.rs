//! The retry decision: after a failed attempt, retry (after how long) or give up (why).
//!
//! [`decide`] is the whole table. Its rules, in the order they are applied:
//!
//! 1. **Caller aborts are final** — [`ErrorKind::Aborted`] (AbortSignal, `close()`) → give up.
//! 2. **Only transient failures are retried** — the code must be in the policy's `retryableCodes`
//!    (which can only hold `CANCELLED UNKNOWN DEADLINE_EXCEEDED RESOURCE_EXHAUSTED INTERNAL
//!    UNAVAILABLE`, see [`super::backoff::never_retryable_reason`]) **and** the error kind must not be
//!    a definite answer (job/backend not found, invalid circuit, not completed, job failed/cancelled,
//!    result expired, unauthenticated). So `ABORTED` (= the job FAILED on this service),
//!    `UNAUTHENTICATED` and GetJobResult's "not ready yet" are never retried — waiting for a job is
//!    the wait loop's business, not the retry layer's.
//! 3. **Submits are retried only when the failure proves nothing was created** — see
//!    [`created_on_failure`]; a valid server pushback counts as that proof (below). Reads (GetJobStatus, GetJobResult, ListBackends, GetBackendInfo),
//!    CancelJob (idempotent in effect: a repeat answers `success=false`, "already in terminal state:
//!    Cancelled") and stream (re-)subscriptions (WatchJob, StreamResults) have no such restriction.
//! 4. **Server pushback** (`grpc-retry-pushback-ms`, gRFC A6): a malformed or negative value means
//!    "do not retry"; a valid one replaces the computed backoff for this retry (not jittered).
//!    A valid pushback is also the server's statement that it **did not process** the call ("retry
//!    after N ms"), so it counts as [`Reach::NotSent`]: a submit failing with, say, `UNAVAILABLE`
//!    plus a pushback created nothing and may be retried ([`Reach::with_pushback`]). A client cannot
//!    tell a bare `UNAVAILABLE` before processing from one after processing; the pushback is the
//!    only way a server can say which it was. Circuit-breaker rejections ([`ErrorKind::CircuitOpen`])
//!    are never retried here: the breaker says when it will let a call through again.
//! 5. **Attempt cap** — `attempt < maxAttempts`.
//! 6. **Retry budget** — the client-wide [`RetryBudget`] must allow it.
//! 7. **Never past the deadline** — a delay that would end at or after the overall deadline gives
//!    up instead of sleeping into certain failure; a pushback longer than `maxBackoffMs` too (the
//!    policy's promise that no single wait exceeds it also holds for server-requested waits).
//!
//! Budget accounting happens inside `decide` so the pipeline cannot forget it: every failure that
//! passes rule 2 costs one token, **except `RESOURCE_EXHAUSTED`**, which is neither charged nor
//! blocked by the budget. A6 built the budget so retries cannot pile load onto a sick server; a
//! rate/concurrency rejection is the service shedding work *before* doing any (spec §6.1 step 2,
//! nothing is created or counted), its retries are spaced by the submit pacer
//! ([`super::pacer::SubmitPacer`]) until the rate window has reopened, and `maxAttempts` still caps
//! them. Charging them would let one burst of rejections (e.g. ten concurrent submits hitting the
//! 100 jobs/s limit) switch off retries client-wide for every other call.
//!
//! ## What the error model can tell about "was it sent?"
//!
//! The browser's `fetch` reports a refused connection, a DNS failure, a CORS refusal and a reset
//! *after* the request went out all as the same `TypeError`, and a proxy's `UNAVAILABLE` may come
//! before or after forwarding. So for anything that reached `fetch`, the transport can only say
//! [`Reach::Sent`] ("maybe processed"). [`Reach::NotSent`] is for failures the pipeline produces
//! itself before calling `fetch` (a circuit-breaker rejection, an option/header validation error,
//! an abort or an exhausted deadline noticed before sending). Apart from that, only the *status*
//! can prove that nothing was created: for this service `RESOURCE_EXHAUSTED`, `INVALID_ARGUMENT`,
//! `NOT_FOUND`, `UNAUTHENTICATED` (checks made before creation, spec §6.1/§6.2) and `UNIMPLEMENTED`
//! (the method was never routed).

use crate::logic::error::{describe_number, ArvakError, Code, ErrorKind, Rpc};

use super::backoff::{never_retryable_reason, RetryPolicy};
use super::budget::RetryBudget;
use super::rng::RandomSource;

/// How far a failed attempt got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reach {
    /// The request was never handed to `fetch`: the server cannot have seen it.
    NotSent,
    /// The request was handed to `fetch`; the server may have processed it unless the status
    /// proves otherwise.
    #[default]
    Sent,
}

/// What a failed submission (SubmitJob, or one SubmitBatch request) proves about the jobs it asked
/// for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// Nothing was created: every input of the request may be submitted again.
    No,
    /// SubmitBatch with more than one job was rejected part-way by a per-job check
    /// (`RESOURCE_EXHAUSTED`, `INVALID_ARGUMENT`): the jobs *before* the rejected one were created
    /// and are running, their ids were never returned, and which job was rejected is unknown.
    /// Every input of the request may therefore exist; none may be resubmitted.
    Prefix,
    /// The request may or may not have been processed (transport failure, timeout, proxy error,
    /// abort after sending): every input may exist; none may be resubmitted.
    Unknown,
}

impl Reach {
    /// How far an attempt got, given the server's pushback: a valid pushback (a delay ≥ 0) means
    /// the server did not process the call, which is as good as [`Reach::NotSent`].
    pub fn with_pushback(self, pushback: Pushback) -> Reach {
        match pushback {
            Pushback::RetryAfterMs(_) => Reach::NotSent,
            Pushback::None | Pushback::DoNotRetry => self,
        }
    }

    /// How far a failed call that reached `fetch` got: [`Reach::Sent`], or [`Reach::NotSent`] when
    /// the error carries a valid pushback.
    pub fn of_error(error: &ArvakError) -> Reach {
        Reach::Sent.with_pushback(Pushback::from_metadata(&error.metadata))
    }
}

impl Created {
    /// Whether any input of the request may exist on the server.
    pub fn may_exist(self) -> bool {
        self != Created::No
    }
}

/// What a failed submission of `jobs` jobs (1 for SubmitJob) proves (see the module docs).
///
/// Per spec §6.1, SubmitJob checks API key → resource limits → payload/parse → complexity →
/// backend → compilation and only then creates the job, so each of those rejections proves nothing
/// was created. SubmitBatch (§6.2) checks the API key and the backend first, then runs the same
/// per-job checks **job by job, creating each job before checking the next**: a per-job rejection
/// of a multi-job request leaves an unknown-length prefix created. `INTERNAL` and
/// `DEADLINE_EXCEEDED` (compilation) would also be per-job pre-creation checks, but the same codes
/// come from proxies and client deadlines after sending, so they are [`Created::Unknown`].
pub fn created_on_failure(jobs: usize, code: Code, kind: ErrorKind, reach: Reach) -> Created {
    if reach == Reach::NotSent || jobs == 0 {
        return Created::No;
    }
    if kind == ErrorKind::Aborted {
        // Aborted after the request was handed to fetch: the server may have processed it.
        return Created::Unknown;
    }
    match code {
        Code::Unauthenticated | Code::NotFound | Code::Unimplemented => Created::No,
        Code::ResourceExhausted | Code::InvalidArgument if jobs == 1 => Created::No,
        Code::ResourceExhausted | Code::InvalidArgument => Created::Prefix,
        _ => Created::Unknown,
    }
}

/// The gRFC A6 server pushback header.
pub const PUSHBACK_HEADER: &str = "grpc-retry-pushback-ms";

/// The server's pushback on a failed attempt (gRFC A6).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Pushback {
    /// No pushback header: the policy's backoff applies.
    #[default]
    None,
    /// Retry after exactly this many milliseconds (no jitter).
    RetryAfterMs(f64),
    /// A negative or malformed value: do not retry.
    DoNotRetry,
}

impl Pushback {
    /// Parses a header value: a non-empty run of ASCII digits is a delay (arbitrarily large values
    /// are kept, and then exceed any `maxBackoffMs`); anything else — negative, empty, spaces,
    /// a sign, a fraction, text — means "do not retry", as gRFC A6 requires. (Digits are summed by
    /// hand: `str::parse::<f64>` would pull float parsing into the wasm.)
    pub fn parse(value: &str) -> Pushback {
        if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            let ms = value.bytes().fold(0u64, |acc, b| {
                acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
            });
            Pushback::RetryAfterMs(if ms == u64::MAX {
                f64::INFINITY
            } else {
                ms as f64
            })
        } else {
            Pushback::DoNotRetry
        }
    }

    /// The pushback in response metadata (name compared case-insensitively; the first entry wins).
    pub fn from_metadata(metadata: &[(String, String)]) -> Pushback {
        metadata
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(PUSHBACK_HEADER))
            .map_or(Pushback::None, |(_, v)| Pushback::parse(v))
    }
}

/// Everything [`decide`] needs to know about the attempt that just failed.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedAttempt {
    /// The RPC.
    pub rpc: Rpc,
    /// Jobs in the request: the chunk length for SubmitBatch, 1 otherwise.
    pub jobs: usize,
    /// The status code.
    pub code: Code,
    /// The classified kind (from [`crate::logic::error::classify`] / [`ArvakError::kind`]).
    pub kind: ErrorKind,
    /// Whether the request was handed to `fetch`.
    pub reach: Reach,
    /// Attempts made so far, including this one (1-based).
    pub attempt: u32,
    /// The server's pushback.
    pub pushback: Pushback,
}

impl FailedAttempt {
    /// A sent, single-job attempt without pushback.
    pub fn new(rpc: Rpc, code: Code, kind: ErrorKind, attempt: u32) -> Self {
        FailedAttempt {
            rpc,
            jobs: 1,
            code,
            kind,
            reach: Reach::Sent,
            attempt,
            pushback: Pushback::None,
        }
    }

    /// From the error of attempt number `attempt` of `rpc` (pushback read from its metadata).
    /// Set [`FailedAttempt::jobs`] for SubmitBatch and [`FailedAttempt::reach`] for failures made
    /// before sending.
    pub fn from_error(rpc: Rpc, error: &ArvakError, attempt: u32) -> Self {
        FailedAttempt {
            pushback: Pushback::from_metadata(&error.metadata),
            ..FailedAttempt::new(rpc, error.code, error.kind, attempt)
        }
    }

    /// Sets the number of jobs in the request.
    pub fn with_jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs;
        self
    }

    /// Sets how far the request got.
    pub fn with_reach(mut self, reach: Reach) -> Self {
        self.reach = reach;
        self
    }

    /// Sets the pushback.
    pub fn with_pushback(mut self, pushback: Pushback) -> Self {
        self.pushback = pushback;
        self
    }
}

/// Why the retry layer stopped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GiveUpReason {
    /// The caller aborted or closed the client.
    Aborted,
    /// The circuit breaker refused the attempt (it says when it will probe again).
    CircuitOpen,
    /// The failure is not transient (code not in `retryableCodes`, or a definite answer).
    NotRetryable,
    /// A submit failed after it was sent: the server may have created the job, and another
    /// attempt could create a duplicate (there is no idempotency key and no list RPC).
    MaybeCreated,
    /// A multi-job SubmitBatch was rejected part-way: some of its jobs were created (ids unknown).
    PartiallyCreated,
    /// The server's pushback said not to retry.
    ServerPushback,
    /// The server asked for a wait longer than `maxBackoffMs`.
    PushbackTooLong {
        /// The requested wait.
        pushback_ms: f64,
    },
    /// `maxAttempts` attempts were made.
    AttemptsExhausted,
    /// The client-wide retry budget is spent (many recent failures).
    BudgetExhausted,
    /// The backoff would end at or after the call's overall deadline.
    DeadlineTooClose,
}

impl GiveUpReason {
    /// A stable identifier for JavaScript (`"maybe_created"`, …).
    pub fn as_str(&self) -> &'static str {
        match self {
            GiveUpReason::Aborted => "aborted",
            GiveUpReason::CircuitOpen => "circuit_open",
            GiveUpReason::NotRetryable => "not_retryable",
            GiveUpReason::MaybeCreated => "maybe_created",
            GiveUpReason::PartiallyCreated => "partially_created",
            GiveUpReason::ServerPushback => "server_pushback",
            GiveUpReason::PushbackTooLong { .. } => "pushback_too_long",
            GiveUpReason::AttemptsExhausted => "attempts_exhausted",
            GiveUpReason::BudgetExhausted => "budget_exhausted",
            GiveUpReason::DeadlineTooClose => "deadline_too_close",
        }
    }

    /// A sentence a final error can carry, e.g. "not retried: …".
    pub fn describe(&self) -> String {
        match self {
            GiveUpReason::Aborted => "not retried: the operation was aborted".to_owned(),
            GiveUpReason::CircuitOpen => {
                "not retried: the circuit breaker is open (too many server failures)".to_owned()
            }
            GiveUpReason::NotRetryable => "not retried: the failure is not transient".to_owned(),
            GiveUpReason::MaybeCreated => "not retried: the request reached the server, which may \
                have created the job; retrying could create a duplicate"
                .to_owned(),
            GiveUpReason::PartiallyCreated => "not retried: SubmitBatch is not atomic and was \
                rejected part-way, so jobs before the rejected one were created (their ids are \
                unknown); retrying would duplicate them"
                .to_owned(),
            GiveUpReason::ServerPushback => {
                "not retried: the server's grpc-retry-pushback-ms said not to".to_owned()
            }
            GiveUpReason::PushbackTooLong { pushback_ms } => format!(
                "not retried: the server asked to wait {} ms, longer than maxBackoffMs",
                describe_number(*pushback_ms)
            ),
            GiveUpReason::AttemptsExhausted => {
                "gave up: every allowed attempt (maxAttempts) failed".to_owned()
            }
            GiveUpReason::BudgetExhausted => "not retried: the client's retry budget is spent \
                (too many recent failures; retries resume as calls succeed again)"
                .to_owned(),
            GiveUpReason::DeadlineTooClose => {
                "not retried: the next attempt would start after the deadline".to_owned()
            }
        }
    }
}

/// The outcome of [`decide`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// Sleep this many milliseconds (abortably), then make the next attempt.
    RetryAfter(f64),
    /// Stop and report the last error (with `attempts` set).
    GiveUp(GiveUpReason),
}

/// Whether `rpc` creates jobs.
pub fn creates_jobs(rpc: Rpc) -> bool {
    matches!(rpc, Rpc::SubmitJob | Rpc::SubmitBatch)
}

/// Decides what to do after a failed attempt (rules in the module docs).
///
/// * `remaining_ms`: time left until the call's overall deadline at the moment of deciding
///   (`None` = unbounded).
/// * `budget`: the client-wide retry budget; charged here for counted failures.
/// * `rng`: jitter source.
pub fn decide(
    failed: &FailedAttempt,
    policy: &RetryPolicy,
    remaining_ms: Option<f64>,
    budget: &mut RetryBudget,
    rng: &mut (impl RandomSource + ?Sized),
) -> Decision {
    use GiveUpReason::*;
    if failed.kind == ErrorKind::Aborted {
        return Decision::GiveUp(Aborted);
    }
    if failed.kind == ErrorKind::CircuitOpen {
        return Decision::GiveUp(CircuitOpen);
    }
    let transient = policy.retryable_codes.contains(failed.code)
        && never_retryable_reason(failed.code).is_none()
        && !failed.kind.is_definite();
    if !transient {
        return Decision::GiveUp(NotRetryable);
    }
    let throttled = failed.code == Code::ResourceExhausted;
    if !throttled {
        budget.record_failure();
    }
    if creates_jobs(failed.rpc) {
        let reach = failed.reach.with_pushback(failed.pushback);
        match created_on_failure(failed.jobs, failed.code, failed.kind, reach) {
            Created::No => {}
            Created::Prefix => return Decision::GiveUp(PartiallyCreated),
            Created::Unknown => return Decision::GiveUp(MaybeCreated),
        }
    }
    if failed.pushback == Pushback::DoNotRetry {
        return Decision::GiveUp(ServerPushback);
    }
    if !policy.allows_another(failed.attempt) {
        return Decision::GiveUp(AttemptsExhausted);
    }
    if !throttled && !budget.can_retry() {
        return Decision::GiveUp(BudgetExhausted);
    }
    let delay = match failed.pushback {
        Pushback::RetryAfterMs(ms) if ms > policy.max_backoff_ms => {
            return Decision::GiveUp(PushbackTooLong { pushback_ms: ms })
        }
        Pushback::RetryAfterMs(ms) => ms,
        Pushback::None | Pushback::DoNotRetry => policy.delay_ms(failed.attempt, rng),
    };
    match remaining_ms {
        // The delay must end strictly before the deadline; a NaN budget also gives up.
        Some(r) if r.is_nan() || delay >= r => Decision::GiveUp(DeadlineTooClose),
        _ => Decision::RetryAfter(delay),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::error::{classify, code_name};
    use crate::resilience::backoff::{Jitter, RetryableCodes, RETRYABLE_CANDIDATES};
    use crate::resilience::rng::SplitMix64;

    /// Table columns: (label, rpc, jobs).
    const COLUMNS: [(&str, Rpc, usize); 10] = [
        ("SJ", Rpc::SubmitJob, 1),
        ("SB1", Rpc::SubmitBatch, 1),
        ("SBn", Rpc::SubmitBatch, 5),
        ("GS", Rpc::GetJobStatus, 1),
        ("GR", Rpc::GetJobResult, 1),
        ("CJ", Rpc::CancelJob, 1),
        ("LB", Rpc::ListBackends, 1),
        ("GB", Rpc::GetBackendInfo, 1),
        ("WJ", Rpc::WatchJob, 1),
        ("SR", Rpc::StreamResults, 1),
    ];

    /// Row label → (code, message the server/transport would send; the kind is classified from
    /// it per RPC, exactly as the pipeline does).
    fn row(label: &str) -> (Code, &'static str) {
        match label {
            "CANCELLED(timeout)" => (Code::Cancelled, "Timeout expired"),
            "CANCELLED(abort)" => (Code::Cancelled, "<abort>"),
            "INTERNAL(watch-nf)" => (Code::Internal, "Failed to get job: Job not found: j"),
            other => (
                (0..=16)
                    .map(Code::from_i32)
                    .find(|&c| code_name(c) == other)
                    .unwrap_or_else(|| panic!("bad row {other}")),
                "x",
            ),
        }
    }

    fn kind_for(code: Code, rpc: Rpc, msg: &str) -> ErrorKind {
        if msg == "<abort>" {
            ErrorKind::Aborted
        } else {
            classify(code, rpc, msg)
        }
    }

    fn cell(d: Decision) -> char {
        match d {
            Decision::RetryAfter(_) => 'R',
            Decision::GiveUp(GiveUpReason::NotRetryable) => 'N',
            Decision::GiveUp(GiveUpReason::MaybeCreated) => 'M',
            Decision::GiveUp(GiveUpReason::PartiallyCreated) => 'P',
            Decision::GiveUp(GiveUpReason::Aborted) => 'A',
            Decision::GiveUp(other) => panic!("unexpected {other:?}"),
        }
    }

    /// Checks a grid: each line `LABEL  c c c …` with one cell per column of [`COLUMNS`].
    /// R = retry, N = not retryable, M = maybe created, P = partially created, A = aborted.
    fn check_grid(grid: &str, policy: &RetryPolicy, reach: Reach) {
        check_grid_with(grid, policy, reach, Pushback::None)
    }

    fn check_grid_with(grid: &str, policy: &RetryPolicy, reach: Reach, pushback: Pushback) {
        let mut rows = 0;
        for line in grid
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with("//"))
        {
            let mut parts = line.split_whitespace();
            let label = parts.next().unwrap();
            let (code, msg) = row(label);
            let want: Vec<char> = parts.map(|p| p.chars().next().unwrap()).collect();
            assert_eq!(want.len(), COLUMNS.len(), "row {label}");
            for ((col, rpc, jobs), want) in COLUMNS.iter().zip(want) {
                let kind = kind_for(code, *rpc, msg);
                let failed = FailedAttempt::new(*rpc, code, kind, 1)
                    .with_jobs(*jobs)
                    .with_reach(reach)
                    .with_pushback(pushback);
                let mut budget = RetryBudget::default();
                let got = cell(decide(
                    &failed,
                    policy,
                    None,
                    &mut budget,
                    &mut SplitMix64::new(1),
                ));
                assert_eq!(got, want, "{label} × {col} ({reach:?}, kind {kind:?})");
            }
            rows += 1;
        }
        assert_eq!(
            rows, 19,
            "every code (17) plus the two CANCELLED/INTERNAL variants"
        );
    }

    fn all_candidates() -> RetryPolicy {
        RetryPolicy {
            retryable_codes: RetryableCodes::new(RETRYABLE_CANDIDATES),
            ..RetryPolicy::default()
        }
    }

    #[test]
    fn table_default_policy_sent() {
        check_grid(
            "
            //                  SJ SB1 SBn GS GR CJ LB GB WJ SR
            OK                  N  N   N   N  N  N  N  N  N  N
            CANCELLED(timeout)  M  M   M   R  R  R  R  R  R  R
            CANCELLED(abort)    A  A   A   A  A  A  A  A  A  A
            UNKNOWN             M  M   M   R  R  R  R  R  R  R
            INVALID_ARGUMENT    N  N   N   N  N  N  N  N  N  N
            DEADLINE_EXCEEDED   M  M   M   R  R  R  R  R  R  R
            NOT_FOUND           N  N   N   N  N  N  N  N  N  N
            ALREADY_EXISTS      N  N   N   N  N  N  N  N  N  N
            PERMISSION_DENIED   N  N   N   N  N  N  N  N  N  N
            RESOURCE_EXHAUSTED  R  R   P   R  R  R  R  R  R  R
            FAILED_PRECONDITION N  N   N   N  N  N  N  N  N  N
            ABORTED             N  N   N   N  N  N  N  N  N  N
            OUT_OF_RANGE        N  N   N   N  N  N  N  N  N  N
            UNIMPLEMENTED       N  N   N   N  N  N  N  N  N  N
            INTERNAL            N  N   N   N  N  N  N  N  N  N
            INTERNAL(watch-nf)  N  N   N   N  N  N  N  N  N  N
            UNAVAILABLE         M  M   M   R  R  R  R  R  R  R
            DATA_LOSS           N  N   N   N  N  N  N  N  N  N
            UNAUTHENTICATED     N  N   N   N  N  N  N  N  N  N
            ",
            &RetryPolicy::default(),
            Reach::Sent,
        );
    }

    #[test]
    fn table_default_policy_sent_with_server_pushback() {
        // `grpc-retry-pushback-ms: 5` on the failure: the server says it did not process the call,
        // so submits are as safe to retry as reads (the dev server's failBeforePushbackMs).
        check_grid_with(
            "
            //                  SJ SB1 SBn GS GR CJ LB GB WJ SR
            OK                  N  N   N   N  N  N  N  N  N  N
            CANCELLED(timeout)  R  R   R   R  R  R  R  R  R  R
            CANCELLED(abort)    A  A   A   A  A  A  A  A  A  A
            UNKNOWN             R  R   R   R  R  R  R  R  R  R
            INVALID_ARGUMENT    N  N   N   N  N  N  N  N  N  N
            DEADLINE_EXCEEDED   R  R   R   R  R  R  R  R  R  R
            NOT_FOUND           N  N   N   N  N  N  N  N  N  N
            ALREADY_EXISTS      N  N   N   N  N  N  N  N  N  N
            PERMISSION_DENIED   N  N   N   N  N  N  N  N  N  N
            RESOURCE_EXHAUSTED  R  R   R   R  R  R  R  R  R  R
            FAILED_PRECONDITION N  N   N   N  N  N  N  N  N  N
            ABORTED             N  N   N   N  N  N  N  N  N  N
            OUT_OF_RANGE        N  N   N   N  N  N  N  N  N  N
            UNIMPLEMENTED       N  N   N   N  N  N  N  N  N  N
            INTERNAL            N  N   N   N  N  N  N  N  N  N
            INTERNAL(watch-nf)  N  N   N   N  N  N  N  N  N  N
            UNAVAILABLE         R  R   R   R  R  R  R  R  R  R
            DATA_LOSS           N  N   N   N  N  N  N  N  N  N
            UNAUTHENTICATED     N  N   N   N  N  N  N  N  N  N
            ",
            &RetryPolicy::default(),
            Reach::Sent,
            Pushback::RetryAfterMs(5.0),
        );
    }

    #[test]
    fn table_all_candidates_sent() {
        // INTERNAL becomes retryable where safe, except WatchJob's in-stream "Job not found",
        // which is a definite answer (JobNotFound) on that RPC only.
        check_grid(
            "
            OK                  N  N   N   N  N  N  N  N  N  N
            CANCELLED(timeout)  M  M   M   R  R  R  R  R  R  R
            CANCELLED(abort)    A  A   A   A  A  A  A  A  A  A
            UNKNOWN             M  M   M   R  R  R  R  R  R  R
            INVALID_ARGUMENT    N  N   N   N  N  N  N  N  N  N
            DEADLINE_EXCEEDED   M  M   M   R  R  R  R  R  R  R
            NOT_FOUND           N  N   N   N  N  N  N  N  N  N
            ALREADY_EXISTS      N  N   N   N  N  N  N  N  N  N
            PERMISSION_DENIED   N  N   N   N  N  N  N  N  N  N
            RESOURCE_EXHAUSTED  R  R   P   R  R  R  R  R  R  R
            FAILED_PRECONDITION N  N   N   N  N  N  N  N  N  N
            ABORTED             N  N   N   N  N  N  N  N  N  N
            OUT_OF_RANGE        N  N   N   N  N  N  N  N  N  N
            UNIMPLEMENTED       N  N   N   N  N  N  N  N  N  N
            INTERNAL            M  M   M   R  R  R  R  R  R  R
            INTERNAL(watch-nf)  M  M   M   R  R  R  R  R  N  R
            UNAVAILABLE         M  M   M   R  R  R  R  R  R  R
            DATA_LOSS           N  N   N   N  N  N  N  N  N  N
            UNAUTHENTICATED     N  N   N   N  N  N  N  N  N  N
            ",
            &all_candidates(),
            Reach::Sent,
        );
    }

    #[test]
    fn table_all_candidates_not_sent() {
        // Nothing left the browser: every transient failure is safe to retry, submits included.
        check_grid(
            "
            OK                  N  N   N   N  N  N  N  N  N  N
            CANCELLED(timeout)  R  R   R   R  R  R  R  R  R  R
            CANCELLED(abort)    A  A   A   A  A  A  A  A  A  A
            UNKNOWN             R  R   R   R  R  R  R  R  R  R
            INVALID_ARGUMENT    N  N   N   N  N  N  N  N  N  N
            DEADLINE_EXCEEDED   R  R   R   R  R  R  R  R  R  R
            NOT_FOUND           N  N   N   N  N  N  N  N  N  N
            ALREADY_EXISTS      N  N   N   N  N  N  N  N  N  N
            PERMISSION_DENIED   N  N   N   N  N  N  N  N  N  N
            RESOURCE_EXHAUSTED  R  R   R   R  R  R  R  R  R  R
            FAILED_PRECONDITION N  N   N   N  N  N  N  N  N  N
            ABORTED             N  N   N   N  N  N  N  N  N  N
            OUT_OF_RANGE        N  N   N   N  N  N  N  N  N  N
            UNIMPLEMENTED       N  N   N   N  N  N  N  N  N  N
            INTERNAL            R  R   R   R  R  R  R  R  R  R
            INTERNAL(watch-nf)  R  R   R   R  R  R  R  R  N  R
            UNAVAILABLE         R  R   R   R  R  R  R  R  R  R
            DATA_LOSS           N  N   N   N  N  N  N  N  N  N
            UNAUTHENTICATED     N  N   N   N  N  N  N  N  N  N
            ",
            &all_candidates(),
            Reach::NotSent,
        );
    }

    #[test]
    fn definite_kinds_are_never_retried_whatever_the_code() {
        let p = all_candidates();
        for kind in ErrorKind::ALL {
            for &code in &RETRYABLE_CANDIDATES {
                for (_, rpc, _) in COLUMNS {
                    let f = FailedAttempt::new(rpc, code, kind, 1).with_reach(Reach::NotSent);
                    let d = decide(&f, &p, None, &mut RetryBudget::default(), &mut || 0.5);
                    let retried = matches!(d, Decision::RetryAfter(_));
                    let expect = matches!(
                        kind,
                        ErrorKind::Other
                            | ErrorKind::Timeout
                            | ErrorKind::Unavailable
                            | ErrorKind::RateLimited
                    );
                    assert_eq!(retried, expect, "{kind:?} {code:?} {rpc}");
                }
            }
        }
    }

    #[test]
    fn an_empty_code_list_retries_nothing() {
        let p = RetryPolicy {
            retryable_codes: RetryableCodes::new([]),
            ..RetryPolicy::default()
        };
        let f = FailedAttempt::new(
            Rpc::GetJobStatus,
            Code::Unavailable,
            ErrorKind::Unavailable,
            1,
        );
        assert_eq!(
            decide(&f, &p, None, &mut RetryBudget::default(), &mut || 0.5),
            Decision::GiveUp(GiveUpReason::NotRetryable)
        );
        // An unvalidated policy listing a never-retryable code still does not retry it.
        let p = RetryPolicy {
            retryable_codes: RetryableCodes::new([Code::Aborted]),
            ..RetryPolicy::default()
        };
        let f = FailedAttempt::new(Rpc::GetJobStatus, Code::Aborted, ErrorKind::Other, 1);
        assert_eq!(
            decide(&f, &p, None, &mut RetryBudget::default(), &mut || 0.5),
            Decision::GiveUp(GiveUpReason::NotRetryable)
        );
    }

    fn read(attempt: u32) -> FailedAttempt {
        FailedAttempt::new(
            Rpc::GetJobStatus,
            Code::Unavailable,
            ErrorKind::Unavailable,
            attempt,
        )
    }

    #[test]
    fn attempts_are_capped_and_delays_follow_the_policy() {
        let p = RetryPolicy {
            jitter: Jitter::None,
            ..RetryPolicy::default()
        };
        let mut b = RetryBudget::unlimited();
        let mut rng = SplitMix64::new(3);
        assert_eq!(
            decide(&read(1), &p, None, &mut b, &mut rng),
            Decision::RetryAfter(1000.0)
        );
        assert_eq!(
            decide(&read(2), &p, None, &mut b, &mut rng),
            Decision::RetryAfter(2000.0)
        );
        assert_eq!(
            decide(&read(3), &p, None, &mut b, &mut rng),
            Decision::GiveUp(GiveUpReason::AttemptsExhausted)
        );
        let one = RetryPolicy::no_retries();
        assert_eq!(
            decide(&read(1), &one, None, &mut b, &mut rng),
            Decision::GiveUp(GiveUpReason::AttemptsExhausted)
        );
    }

    #[test]
    fn never_sleeps_past_the_deadline() {
        let p = RetryPolicy {
            jitter: Jitter::None,
            ..RetryPolicy::default()
        };
        let mut b = RetryBudget::unlimited();
        let mut r = || 0.5;
        assert_eq!(
            decide(&read(1), &p, Some(1000.5), &mut b, &mut r),
            Decision::RetryAfter(1000.0)
        );
        for remaining in [1000.0, 999.0, 0.0, f64::NAN] {
            assert_eq!(
                decide(&read(1), &p, Some(remaining), &mut b, &mut r),
                Decision::GiveUp(GiveUpReason::DeadlineTooClose),
                "{remaining}"
            );
        }
        // Also for pushback.
        let f = read(1).with_pushback(Pushback::RetryAfterMs(300.0));
        assert_eq!(
            decide(&f, &p, Some(200.0), &mut b, &mut r),
            Decision::GiveUp(GiveUpReason::DeadlineTooClose)
        );
        assert_eq!(
            decide(&f, &p, Some(301.0), &mut b, &mut r),
            Decision::RetryAfter(300.0)
        );
    }

    #[test]
    fn pushback_rules_of_grfc_a6() {
        assert_eq!(Pushback::parse("250"), Pushback::RetryAfterMs(250.0));
        assert_eq!(Pushback::parse("0"), Pushback::RetryAfterMs(0.0));
        assert_eq!(Pushback::parse("007"), Pushback::RetryAfterMs(7.0));
        for garbage in ["-1", "", " 5", "5 ", "+5", "1.5", "abc", "1e3", "０"] {
            assert_eq!(
                Pushback::parse(garbage),
                Pushback::DoNotRetry,
                "{garbage:?}"
            );
        }
        let huge = "9".repeat(400);
        assert_eq!(
            Pushback::parse(&huge),
            Pushback::RetryAfterMs(f64::INFINITY)
        );
        let md = vec![
            ("x-other".to_owned(), "1".to_owned()),
            ("Grpc-Retry-Pushback-Ms".to_owned(), "40".to_owned()),
            ("grpc-retry-pushback-ms".to_owned(), "-1".to_owned()),
        ];
        assert_eq!(Pushback::from_metadata(&md), Pushback::RetryAfterMs(40.0));
        assert_eq!(Pushback::from_metadata(&[]), Pushback::None);

        let p = RetryPolicy::default();
        let mut b = RetryBudget::unlimited();
        let mut r = || 0.999;
        // A valid pushback replaces the (jittered) backoff exactly.
        let f = read(1).with_pushback(Pushback::RetryAfterMs(40.0));
        assert_eq!(
            decide(&f, &p, None, &mut b, &mut r),
            Decision::RetryAfter(40.0)
        );
        // Negative/garbage: do not retry, even though the code is retryable.
        let f = read(1).with_pushback(Pushback::DoNotRetry);
        assert_eq!(
            decide(&f, &p, None, &mut b, &mut r),
            Decision::GiveUp(GiveUpReason::ServerPushback)
        );
        // Longer than maxBackoffMs: give up rather than wait unboundedly.
        let f = read(1).with_pushback(Pushback::RetryAfterMs(60_001.0));
        assert_eq!(
            decide(&f, &p, None, &mut b, &mut r),
            Decision::GiveUp(GiveUpReason::PushbackTooLong {
                pushback_ms: 60_001.0
            })
        );
        // Pushback does not make a permanent failure retryable, nor lift the attempt cap.
        let f = FailedAttempt::new(Rpc::GetJobResult, Code::Aborted, ErrorKind::JobFailed, 1)
            .with_pushback(Pushback::RetryAfterMs(1.0));
        assert_eq!(
            decide(&f, &p, None, &mut b, &mut r),
            Decision::GiveUp(GiveUpReason::NotRetryable)
        );
        let f = read(3).with_pushback(Pushback::RetryAfterMs(1.0));
        assert_eq!(
            decide(&f, &p, None, &mut b, &mut r),
            Decision::GiveUp(GiveUpReason::AttemptsExhausted)
        );
        // A valid pushback is the server's statement that it did not process the call: a submit
        // that failed with it created nothing and is retried after exactly the pushback…
        for (rpc, jobs) in [
            (Rpc::SubmitJob, 1),
            (Rpc::SubmitBatch, 1),
            (Rpc::SubmitBatch, 50),
        ] {
            for code in [Code::Unavailable, Code::Unknown, Code::DeadlineExceeded] {
                let kind = classify(code, rpc, "x");
                let f = FailedAttempt::new(rpc, code, kind, 1)
                    .with_jobs(jobs)
                    .with_pushback(Pushback::RetryAfterMs(20.0));
                assert_eq!(
                    decide(&f, &p, None, &mut b, &mut r),
                    Decision::RetryAfter(20.0),
                    "{rpc} × {jobs} {code:?}"
                );
            }
        }
        // …while a bare failure, or one whose pushback says "do not retry", proves nothing.
        let f = FailedAttempt::new(Rpc::SubmitJob, Code::Unavailable, ErrorKind::Unavailable, 1);
        assert_eq!(
            decide(&f, &p, None, &mut b, &mut r),
            Decision::GiveUp(GiveUpReason::MaybeCreated)
        );
        let f = f.with_pushback(Pushback::DoNotRetry);
        assert_eq!(
            decide(&f, &p, None, &mut b, &mut r),
            Decision::GiveUp(GiveUpReason::MaybeCreated)
        );
        // Pushback does not make a definite answer retryable on a submit either.
        let f = FailedAttempt::new(
            Rpc::SubmitJob,
            Code::InvalidArgument,
            ErrorKind::InvalidCircuit,
            1,
        )
        .with_pushback(Pushback::RetryAfterMs(1.0));
        assert_eq!(
            decide(&f, &p, None, &mut b, &mut r),
            Decision::GiveUp(GiveUpReason::NotRetryable)
        );
    }

    #[test]
    fn pushback_counts_as_not_processed() {
        assert_eq!(
            Reach::Sent.with_pushback(Pushback::RetryAfterMs(0.0)),
            Reach::NotSent
        );
        assert_eq!(Reach::Sent.with_pushback(Pushback::None), Reach::Sent);
        assert_eq!(Reach::Sent.with_pushback(Pushback::DoNotRetry), Reach::Sent);
        assert_eq!(
            Reach::NotSent.with_pushback(Pushback::DoNotRetry),
            Reach::NotSent
        );
        let with = |v: &str| {
            ArvakError::from_status(
                Code::Unavailable,
                Rpc::SubmitJob,
                "down",
                vec![(PUSHBACK_HEADER.to_owned(), v.to_owned())],
            )
        };
        assert_eq!(Reach::of_error(&with("20")), Reach::NotSent);
        assert_eq!(Reach::of_error(&with("-1")), Reach::Sent);
        let bare = ArvakError::from_status(Code::Unavailable, Rpc::SubmitJob, "down", vec![]);
        assert_eq!(Reach::of_error(&bare), Reach::Sent);
        // What the batch manager derives from it for a failed 10-job chunk.
        let e = with("20");
        assert_eq!(
            created_on_failure(10, e.code, e.kind, Reach::of_error(&e)),
            Created::No
        );
        assert_eq!(
            created_on_failure(10, bare.code, bare.kind, Reach::of_error(&bare)),
            Created::Unknown
        );
    }

    #[test]
    fn circuit_open_rejections_are_not_retried() {
        let p = RetryPolicy::default();
        for (_, rpc, jobs) in COLUMNS {
            let f = FailedAttempt::new(rpc, Code::Unavailable, ErrorKind::CircuitOpen, 1)
                .with_jobs(jobs)
                .with_reach(Reach::NotSent);
            let mut b = RetryBudget::default();
            assert_eq!(
                decide(&f, &p, None, &mut b, &mut || 0.5),
                Decision::GiveUp(GiveUpReason::CircuitOpen),
                "{rpc}"
            );
            assert_eq!(b.tokens(), 10.0, "a rejection costs no budget");
        }
    }

    #[test]
    fn from_error_reads_code_kind_and_pushback() {
        let e = ArvakError::from_status(
            Code::Unavailable,
            Rpc::ListBackends,
            "down",
            vec![(PUSHBACK_HEADER.to_owned(), "12".to_owned())],
        );
        let f = FailedAttempt::from_error(Rpc::ListBackends, &e, 2);
        assert_eq!(f.code, Code::Unavailable);
        assert_eq!(f.kind, ErrorKind::Unavailable);
        assert_eq!(f.attempt, 2);
        assert_eq!(f.jobs, 1);
        assert_eq!(f.reach, Reach::Sent);
        assert_eq!(f.pushback, Pushback::RetryAfterMs(12.0));
    }

    #[test]
    fn budget_is_charged_for_transient_failures_only() {
        let p = RetryPolicy::default();
        let mut r = || 0.5;
        let mut b = RetryBudget::default();
        // Permanent errors and aborts cost nothing.
        for f in [
            FailedAttempt::new(Rpc::GetJobStatus, Code::NotFound, ErrorKind::JobNotFound, 1),
            FailedAttempt::new(Rpc::GetJobResult, Code::Aborted, ErrorKind::JobFailed, 1),
            FailedAttempt::new(Rpc::ListBackends, Code::Cancelled, ErrorKind::Aborted, 1),
        ] {
            decide(&f, &p, None, &mut b, &mut r);
        }
        assert_eq!(b.tokens(), 10.0);
        // RESOURCE_EXHAUSTED is paced, not budgeted: twenty of them leave the bucket full.
        for _ in 0..20 {
            let f = FailedAttempt::new(
                Rpc::SubmitJob,
                Code::ResourceExhausted,
                ErrorKind::RateLimited,
                1,
            );
            assert!(matches!(
                decide(&f, &p, None, &mut b, &mut r),
                Decision::RetryAfter(_)
            ));
        }
        assert_eq!(b.tokens(), 10.0);
        // An ambiguous submit failure is a server/transport failure: charged, though not retried.
        let f = FailedAttempt::new(Rpc::SubmitJob, Code::Unavailable, ErrorKind::Unavailable, 1);
        decide(&f, &p, None, &mut b, &mut r);
        assert_eq!(b.tokens(), 9.0);
        // Transient read failures: retried until the bucket is at half.
        let outcomes: Vec<Decision> = (0..5)
            .map(|_| decide(&read(1), &p, None, &mut b, &mut r))
            .collect();
        assert!(matches!(outcomes[0], Decision::RetryAfter(_))); // 8
        assert!(matches!(outcomes[1], Decision::RetryAfter(_))); // 7
        assert!(matches!(outcomes[2], Decision::RetryAfter(_))); // 6
        assert_eq!(outcomes[3], Decision::GiveUp(GiveUpReason::BudgetExhausted)); // 5
        assert_eq!(outcomes[4], Decision::GiveUp(GiveUpReason::BudgetExhausted)); // 4
                                                                                  // Throttling is still retried while the budget is empty.
        let f = FailedAttempt::new(
            Rpc::SubmitJob,
            Code::ResourceExhausted,
            ErrorKind::RateLimited,
            1,
        );
        assert!(matches!(
            decide(&f, &p, None, &mut b, &mut r),
            Decision::RetryAfter(_)
        ));
        // Successes bring retries back: 4 + 30 × 0.1 = 7 tokens, 6 after this failure's charge.
        for _ in 0..30 {
            b.record_success();
        }
        assert!(matches!(
            decide(&read(1), &p, None, &mut b, &mut r),
            Decision::RetryAfter(_)
        ));
    }

    #[test]
    fn what_a_failed_submission_proves() {
        use Created::*;
        let k = |c: Code, rpc: Rpc| classify(c, rpc, "x");
        let sj = |c: Code| created_on_failure(1, c, k(c, Rpc::SubmitJob), Reach::Sent);
        let sb = |c: Code, n: usize| created_on_failure(n, c, k(c, Rpc::SubmitBatch), Reach::Sent);
        assert_eq!(sj(Code::ResourceExhausted), No);
        assert_eq!(sj(Code::InvalidArgument), No);
        assert_eq!(sj(Code::NotFound), No);
        assert_eq!(sj(Code::Unauthenticated), No);
        assert_eq!(sj(Code::Unimplemented), No);
        for c in [
            Code::Unavailable,
            Code::Unknown,
            Code::DeadlineExceeded,
            Code::Cancelled,
            Code::Internal,
            Code::Aborted,
            Code::DataLoss,
            Code::Ok,
        ] {
            assert_eq!(sj(c), Unknown, "{c:?}");
            assert_eq!(sb(c, 7), Unknown, "{c:?}");
        }
        assert_eq!(sb(Code::ResourceExhausted, 2), Prefix);
        assert_eq!(sb(Code::InvalidArgument, 100), Prefix);
        assert_eq!(sb(Code::ResourceExhausted, 1), No);
        assert_eq!(
            sb(Code::NotFound, 100),
            No,
            "backend is looked up before any job"
        );
        assert_eq!(sb(Code::Unauthenticated, 100), No);
        assert_eq!(
            sb(Code::Unavailable, 0),
            No,
            "an empty batch creates nothing"
        );
        assert_eq!(
            created_on_failure(
                50,
                Code::Unavailable,
                ErrorKind::Unavailable,
                Reach::NotSent
            ),
            No
        );
        assert_eq!(
            created_on_failure(1, Code::Cancelled, ErrorKind::Aborted, Reach::Sent),
            Unknown,
            "an abort after sending proves nothing"
        );
        assert!(Prefix.may_exist() && Unknown.may_exist() && !No.may_exist());
        assert!(creates_jobs(Rpc::SubmitBatch) && !creates_jobs(Rpc::CancelJob));
    }

    #[test]
    fn reasons_have_ids_and_sentences() {
        let all = [
            GiveUpReason::Aborted,
            GiveUpReason::CircuitOpen,
            GiveUpReason::NotRetryable,
            GiveUpReason::MaybeCreated,
            GiveUpReason::PartiallyCreated,
            GiveUpReason::ServerPushback,
            GiveUpReason::PushbackTooLong { pushback_ms: 5.0 },
            GiveUpReason::AttemptsExhausted,
            GiveUpReason::BudgetExhausted,
            GiveUpReason::DeadlineTooClose,
        ];
        let mut ids: Vec<_> = all.iter().map(|r| r.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), all.len());
        for r in all {
            assert!(r.describe().len() > 20);
        }
        assert!(GiveUpReason::MaybeCreated.describe().contains("duplicate"));
    }
}
