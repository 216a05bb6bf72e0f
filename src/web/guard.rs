//! Racing work against the caller's `AbortSignal`, the client's `close()` and a deadline.
//!
//! Whatever is interrupted is dropped on the spot: for a call that drops tonic-web-wasm-client's
//! request future or response body, whose `AbortController` guard aborts the `fetch` (so a server
//! stream closes on the server side too); timers are cleared by `TimeoutFuture`'s drop; the abort
//! listener is removed by [`AbortWatch`]'s drop. Nothing keeps running after an abort.

use std::cell::RefCell;
use std::future::Future;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortSignal, AddEventListenerOptions};

use super::env::{now_ms, timer};
use crate::logic::deadline::Deadline;
use crate::logic::error::ArvakError;
use crate::logic::sync::{CancelToken, Cancelled};

#[derive(Default)]
struct AbortState {
    fired: bool,
    waker: Option<Waker>,
}

/// Watches an `AbortSignal`: a listener while alive, removed on drop.
pub struct AbortWatch {
    signal: AbortSignal,
    state: Rc<RefCell<AbortState>>,
    listener: Option<Closure<dyn FnMut()>>,
}

impl AbortWatch {
    /// Starts watching `signal`.
    pub fn new(signal: &AbortSignal) -> Self {
        let state = Rc::new(RefCell::new(AbortState::default()));
        let mut watch = AbortWatch {
            signal: signal.clone(),
            state: state.clone(),
            listener: None,
        };
        if signal.aborted() {
            state.borrow_mut().fired = true;
            return watch;
        }
        let listener = Closure::<dyn FnMut()>::new(move || {
            let waker = {
                let mut st = state.borrow_mut();
                st.fired = true;
                st.waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        });
        let opts = AddEventListenerOptions::new();
        opts.set_once(true);
        let added = signal.add_event_listener_with_callback_and_add_event_listener_options(
            "abort",
            listener.as_ref().unchecked_ref(),
            &opts,
        );
        if added.is_ok() {
            watch.listener = Some(listener);
        }
        watch
    }

    /// Whether the signal fired (registers the waker otherwise).
    fn poll_fired(&self, cx: &mut Context<'_>) -> bool {
        let mut st = self.state.borrow_mut();
        if st.fired || self.signal.aborted() {
            st.fired = true;
            return true;
        }
        st.waker = Some(cx.waker().clone());
        false
    }

    /// Whether the signal has fired.
    pub fn fired(&self) -> bool {
        self.state.borrow().fired || self.signal.aborted()
    }

    /// The abort error, with the signal's reason as `cause` and its message in the text.
    pub fn error(&self) -> ArvakError {
        abort_error(&self.signal)
    }
}

impl Drop for AbortWatch {
    fn drop(&mut self) {
        if let Some(l) = self.listener.take() {
            let _ = self
                .signal
                .remove_event_listener_with_callback("abort", l.as_ref().unchecked_ref());
        }
    }
}

/// The error for an aborted signal.
pub fn abort_error(signal: &AbortSignal) -> ArvakError {
    let reason = signal.reason();
    let detail = reason.as_string().or_else(|| {
        js_sys::Reflect::get(&reason, &JsValue::from_str("message"))
            .ok()
            .and_then(|m| m.as_string())
    });
    let mut e = ArvakError::aborted(detail.as_deref());
    if !reason.is_undefined() {
        e.cause = Some(reason);
    }
    e
}

/// Interrupt sources for one operation.
pub struct Guard {
    abort: Option<AbortWatch>,
    closed: Cancelled,
    closed_token: CancelToken,
    deadline: Deadline,
    timer: Option<TimeoutFuture>,
    on_deadline: ArvakError,
}

impl Guard {
    /// A guard for `signal`, the client's `closed` token and `deadline`; `on_deadline` is the error
    /// returned when the deadline passes. Fails at once when already aborted, closed or expired.
    pub fn new(
        signal: Option<&AbortSignal>,
        closed: &CancelToken,
        deadline: Deadline,
        on_deadline: ArvakError,
    ) -> Result<Self, ArvakError> {
        let abort = signal.map(AbortWatch::new);
        if let Some(a) = &abort {
            if a.fired() {
                return Err(a.error());
            }
        }
        if closed.is_cancelled() {
            return Err(ArvakError::client_closed());
        }
        let remaining = deadline.remaining_ms(now_ms());
        if remaining == Some(0.0) {
            return Err(on_deadline);
        }
        Ok(Guard {
            abort,
            closed: closed.cancelled(),
            closed_token: closed.clone(),
            deadline,
            timer: remaining.map(timer),
            on_deadline,
        })
    }

    /// The deadline this guard enforces.
    pub fn deadline(&self) -> Deadline {
        self.deadline
    }

    /// Fails if an interrupt already happened (without waiting).
    pub fn check(&self) -> Result<(), ArvakError> {
        if let Some(a) = &self.abort {
            if a.fired() {
                return Err(a.error());
            }
        }
        if self.closed_token.is_cancelled() {
            return Err(ArvakError::client_closed());
        }
        if self.deadline.expired(now_ms()) {
            return Err(self.on_deadline.clone());
        }
        Ok(())
    }

    /// Runs `work` until it finishes or an interrupt happens; on an interrupt `work` is dropped.
    /// Abort and close win over a result that is ready at the same time; a ready result wins over
    /// an expiring deadline.
    pub async fn run<F: Future>(&mut self, work: F) -> Result<F::Output, ArvakError> {
        self.check()?;
        let mut work = pin!(work);
        std::future::poll_fn(|cx| self.poll_with(cx, work.as_mut())).await
    }

    fn poll_with<F: Future>(
        &mut self,
        cx: &mut Context<'_>,
        work: Pin<&mut F>,
    ) -> Poll<Result<F::Output, ArvakError>> {
        // Only this small shell is generic; the interrupt checks are shared by every call site.
        if let Some(e) = self.poll_interrupted(cx) {
            return Poll::Ready(Err(e));
        }
        if let Poll::Ready(v) = work.poll(cx) {
            return Poll::Ready(Ok(v));
        }
        match self.poll_deadline(cx) {
            Some(e) => Poll::Ready(Err(e)),
            None => Poll::Pending,
        }
    }

    #[inline(never)]
    fn poll_interrupted(&mut self, cx: &mut Context<'_>) -> Option<ArvakError> {
        if let Some(a) = &self.abort {
            if a.poll_fired(cx) {
                return Some(a.error());
            }
        }
        if Pin::new(&mut self.closed).poll(cx).is_ready() {
            return Some(ArvakError::client_closed());
        }
        None
    }

    #[inline(never)]
    fn poll_deadline(&mut self, cx: &mut Context<'_>) -> Option<ArvakError> {
        let t = self.timer.as_mut()?;
        if Pin::new(t).poll(cx).is_ready() {
            self.timer = None;
            return Some(self.on_deadline.clone());
        }
        None
    }
}
