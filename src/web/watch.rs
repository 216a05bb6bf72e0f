//! `watch_job`: a WatchJob stream as a pull-based sequence of [`JobUpdate`]s.
//!
//! The stream opens on the first `next()`, yields state changes (repeats of the same state are
//! skipped unless asked for), ends after a terminal state, and is cancelled — fetch aborted, server
//! task stopped at its next send — by `close()`, the caller's `AbortSignal`, the client's `close()`,
//! the optional deadline, or dropping the watch.

use super::client::{ArvakClient, CallOptions, Ids};
use super::env::{first, now_ms, Either};
use super::guard::Guard;
use super::rpc::decode;
use crate::logic::data::JobUpdate;
use crate::logic::deadline::Deadline;
use crate::logic::error::{ArvakError, Rpc};
use crate::logic::sync::{CancelToken, SlotGuard};
use crate::logic::wait::StateDeduper;
use crate::proto;

/// Options of [`ArvakClient::watch_job`].
#[derive(Debug, Clone, Copy, Default)]
pub struct WatchOptions {
    /// Also yield the server's periodic repeats of an unchanged state.
    pub emit_repeats: bool,
}

enum State {
    NotStarted,
    Open {
        stream: tonic::Streaming<bytes::Bytes>,
        /// Counts this stream against the client's stream cap while it is open.
        _slot: SlotGuard,
    },
    Done,
}

/// An open (or not yet opened) WatchJob subscription.
pub struct JobWatch {
    client: ArvakClient,
    job_id: String,
    call: CallOptions,
    guard: Result<Guard, ArvakError>,
    state: State,
    dedupe: Option<StateDeduper>,
    close: CancelToken,
}

impl ArvakClient {
    /// Subscribes to a job's state changes (WatchJob).
    ///
    /// The call's `timeout_ms`, when given explicitly, bounds the whole subscription; otherwise only
    /// opening the stream is bounded (by the client's default timeout). The signal is watched from
    /// now on; an already-aborted signal makes the first `next()` fail.
    pub fn watch_job(&self, job_id: &str, options: WatchOptions, call: &CallOptions) -> JobWatch {
        let guard = match call.timeout_ms {
            Some(_) => self.call_timeout(call),
            None => Ok(None),
        }
        .and_then(|budget| {
            Guard::new(
                call.signal.as_ref(),
                self.closed_token(),
                Deadline::after(now_ms(), budget),
                ArvakError::deadline_exceeded(budget.unwrap_or(f64::INFINITY)),
            )
        })
        .map_err(|e| e.with_rpc(Rpc::WatchJob).with_job(job_id));
        JobWatch {
            client: self.clone(),
            job_id: job_id.to_owned(),
            call: CallOptions {
                signal: None,
                timeout_ms: call.timeout_ms,
                headers: call.headers.clone(),
            },
            guard,
            state: State::NotStarted,
            dedupe: (!options.emit_repeats).then(StateDeduper::default),
            close: CancelToken::new(),
        }
    }
}

impl JobWatch {
    /// The job being watched.
    pub fn job_id(&self) -> &str {
        &self.job_id
    }

    /// A token whose `cancel()` ends the watch, even while a `next()` is pending (it then yields `None`).
    pub fn close_token(&self) -> CancelToken {
        self.close.clone()
    }

    /// Ends the subscription now (the stream is cancelled).
    pub fn close(&mut self) {
        self.close.cancel();
        self.state = State::Done;
    }

    /// Whether the subscription has ended.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// The next update; `None` once the stream ended (after a terminal state) or was closed. An error
    /// is yielded once and ends the subscription.
    pub async fn next(&mut self) -> Option<Result<JobUpdate, ArvakError>> {
        let closed = self.close.clone();
        let result = match first(closed.cancelled(), self.step()).await {
            Either::Left(()) => None,
            Either::Right(r) => r,
        };
        match &result {
            None | Some(Err(_)) => self.state = State::Done,
            Some(Ok(u)) if u.state.is_terminal() => self.state = State::Done,
            Some(Ok(_)) => {}
        }
        result
    }

    async fn step(&mut self) -> Option<Result<JobUpdate, ArvakError>> {
        let ids = Ids::job(&self.job_id);
        let rpc = Rpc::WatchJob;
        let guard = match &mut self.guard {
            Ok(g) => g,
            Err(e) => {
                if matches!(self.state, State::Done) {
                    return None;
                }
                return Some(Err(e.clone()));
            }
        };
        loop {
            match &mut self.state {
                State::Done => return None,
                State::NotStarted => {
                    let open = async {
                        let budget = self.client.call_timeout(&self.call)?;
                        let deadline = Deadline::after(now_ms(), budget).min(guard.deadline());
                        let on_deadline =
                            ArvakError::deadline_exceeded(budget.unwrap_or(f64::INFINITY));
                        let mut open_guard = Guard::new(
                            None,
                            self.client.closed_token(),
                            deadline,
                            on_deadline.clone(),
                        )?;
                        let body = prost::Message::encode_to_vec(&proto::WatchJobRequest {
                            job_id: self.job_id.clone(),
                        });
                        let slot = self.client.stream_slots().force_acquire();
                        let stream_deadline = guard.deadline();
                        // Opening goes through the breaker and the retry policy.
                        let stream = guard
                            .run(self.client.open_stream_resilient(
                                rpc,
                                &self.call,
                                &mut open_guard,
                                stream_deadline,
                                &on_deadline,
                                body,
                                ids,
                                true,
                            ))
                            .await??;
                        Ok::<_, ArvakError>((stream, slot))
                    };
                    match open.await {
                        Ok((stream, slot)) => {
                            self.state = State::Open {
                                stream,
                                _slot: slot,
                            }
                        }
                        Err(e) => return Some(Err(ids.apply(e.with_rpc(rpc)))),
                    }
                }
                State::Open { stream, .. } => {
                    let msg = match guard.run(stream.message()).await {
                        Ok(m) => m,
                        Err(e) => return Some(Err(ids.apply(e.with_rpc(rpc)))),
                    };
                    match msg {
                        Ok(Some(bytes)) => {
                            let update = match decode::<proto::JobStatusUpdate>(rpc, bytes) {
                                Ok(u) => JobUpdate::from(u),
                                Err(e) => return Some(Err(ids.apply(e))),
                            };
                            let report = match &mut self.dedupe {
                                Some(d) => d.changed(update.state) || update.state.is_terminal(),
                                None => true,
                            };
                            if report {
                                return Some(Ok(update));
                            }
                        }
                        Ok(None) => return None,
                        Err(status) => {
                            return Some(Err(self.client.status_error(status, rpc, ids)))
                        }
                    }
                }
            }
        }
    }
}
