//! Small single-threaded synchronisation primitives (the wasm client runs on one thread).
//!
//! * [`Limiter`]: an async FIFO semaphore for `maxConcurrency` (also serialises an iterator's
//!   `next()` calls);
//! * [`StreamSlots`]: the open-stream accounting behind the stream cap;
//! * [`CancelToken`]: a one-shot "stop" signal (client `close()`, iterator `return()`);
//! * [`Notify`]: a re-armable "something changed" signal (batch workers waiting for work).
//!
//! All of them release on `Drop`, so an aborted call cannot leak a permit or a slot.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

#[derive(Default)]
struct Waiter {
    granted: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

struct LimiterState {
    max: Option<usize>,
    in_use: usize,
    queue: VecDeque<Rc<Waiter>>,
}

/// An async semaphore; `max = None` never waits. Waiters are served first come, first served.
#[derive(Clone)]
pub struct Limiter {
    state: Rc<RefCell<LimiterState>>,
}

impl Limiter {
    /// A limiter allowing `max` concurrent permits (`None`: unlimited; `Some(0)` is treated as 1).
    pub fn new(max: Option<usize>) -> Self {
        Limiter {
            state: Rc::new(RefCell::new(LimiterState {
                max: max.map(|m| m.max(1)),
                in_use: 0,
                queue: VecDeque::new(),
            })),
        }
    }

    /// Waits for a permit; dropping the future gives up its place in the queue.
    pub fn acquire(&self) -> Acquire {
        Acquire {
            limiter: self.clone(),
            waiter: None,
        }
    }

    /// Permits currently held.
    pub fn in_use(&self) -> usize {
        self.state.borrow().in_use
    }

    /// Callers waiting for a permit.
    pub fn waiting(&self) -> usize {
        self.state.borrow().queue.len()
    }

    fn release(&self) {
        let next = {
            let mut st = self.state.borrow_mut();
            match st.queue.pop_front() {
                Some(w) => {
                    // Hand the permit over directly: `in_use` stays the same.
                    w.granted.set(true);
                    let waker = w.waker.borrow_mut().take();
                    waker
                }
                None => {
                    st.in_use = st.in_use.saturating_sub(1);
                    None
                }
            }
        };
        if let Some(w) = next {
            w.wake();
        }
    }
}

/// The future returned by [`Limiter::acquire`].
pub struct Acquire {
    limiter: Limiter,
    waiter: Option<Rc<Waiter>>,
}

impl Future for Acquire {
    type Output = Permit;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit> {
        let this = &mut *self;
        if let Some(w) = &this.waiter {
            if w.granted.get() {
                this.waiter = None;
                return Poll::Ready(Permit {
                    limiter: Some(this.limiter.clone()),
                });
            }
            *w.waker.borrow_mut() = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let mut st = this.limiter.state.borrow_mut();
        let free = match st.max {
            None => true,
            Some(max) => st.in_use < max && st.queue.is_empty(),
        };
        if free {
            st.in_use += 1;
            drop(st);
            return Poll::Ready(Permit {
                limiter: Some(this.limiter.clone()),
            });
        }
        let w = Rc::new(Waiter::default());
        *w.waker.borrow_mut() = Some(cx.waker().clone());
        st.queue.push_back(w.clone());
        drop(st);
        this.waiter = Some(w);
        Poll::Pending
    }
}

impl Drop for Acquire {
    fn drop(&mut self) {
        if let Some(w) = self.waiter.take() {
            if w.granted.get() {
                // Granted but never collected: pass the permit on.
                self.limiter.release();
            } else {
                self.limiter
                    .state
                    .borrow_mut()
                    .queue
                    .retain(|q| !Rc::ptr_eq(q, &w));
            }
        }
    }
}

/// A held permit; released on drop.
pub struct Permit {
    limiter: Option<Limiter>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some(l) = self.limiter.take() {
            l.release();
        }
    }
}

/// Counts open streams against a cap.
#[derive(Clone)]
pub struct StreamSlots {
    open: Rc<Cell<usize>>,
    max: Rc<Cell<usize>>,
}

impl StreamSlots {
    /// A cap of `max` open streams.
    pub fn new(max: usize) -> Self {
        StreamSlots {
            open: Rc::new(Cell::new(0)),
            max: Rc::new(Cell::new(max)),
        }
    }

    /// A slot if fewer than the cap are open.
    pub fn try_acquire(&self) -> Option<SlotGuard> {
        (self.open.get() < self.max.get()).then(|| self.force_acquire())
    }

    /// Changes the cap (for every clone); open streams stay open.
    pub fn set_max(&self, max: usize) {
        self.max.set(max);
    }

    /// A slot even above the cap (explicit `watch` strategy, `watchJob()`): still counted, so
    /// `auto` waits see the streams and poll instead.
    pub fn force_acquire(&self) -> SlotGuard {
        self.open.set(self.open.get().saturating_add(1));
        SlotGuard {
            open: self.open.clone(),
        }
    }

    /// Streams open now.
    pub fn open(&self) -> usize {
        self.open.get()
    }

    /// The cap.
    pub fn max(&self) -> usize {
        self.max.get()
    }
}

/// One open stream; the slot is released on drop.
pub struct SlotGuard {
    open: Rc<Cell<usize>>,
}

impl Drop for SlotGuard {
    fn drop(&mut self) {
        self.open.set(self.open.get().saturating_sub(1));
    }
}

impl TokenState {
    fn deregister(&mut self, id: u64) {
        if let Ok(at) = self.wakers.binary_search_by_key(&id, |(i, _)| *i) {
            self.wakers.remove(at);
        }
    }
}

#[derive(Default)]
struct TokenState {
    cancelled: bool,
    next_id: u64,
    /// By id, ascending (ids are handed out in order; a Vec keeps a B-tree out of the wasm).
    wakers: Vec<(u64, Waker)>,
}

/// A one-shot cancellation signal shared by clones.
#[derive(Clone, Default)]
pub struct CancelToken {
    state: Rc<RefCell<TokenState>>,
}

impl CancelToken {
    /// A token that has not fired.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fires the token, waking every pending [`Cancelled`] future.
    pub fn cancel(&self) {
        let wakers = {
            let mut st = self.state.borrow_mut();
            st.cancelled = true;
            std::mem::take(&mut st.wakers)
        };
        for (_, w) in wakers {
            w.wake();
        }
    }

    /// Whether it fired.
    pub fn is_cancelled(&self) -> bool {
        self.state.borrow().cancelled
    }

    /// A future that resolves once the token fires.
    pub fn cancelled(&self) -> Cancelled {
        Cancelled {
            token: self.clone(),
            id: None,
        }
    }

    /// Futures currently registered (for leak tests).
    pub fn registered(&self) -> usize {
        self.state.borrow().wakers.len()
    }
}

/// Resolves when its [`CancelToken`] fires; deregisters on drop.
pub struct Cancelled {
    token: CancelToken,
    id: Option<u64>,
}

impl Future for Cancelled {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut st = this.token.state.borrow_mut();
        if st.cancelled {
            if let Some(id) = this.id.take() {
                st.deregister(id);
            }
            return Poll::Ready(());
        }
        let id = match this.id {
            Some(id) => id,
            None => {
                let id = st.next_id;
                st.next_id = st.next_id.wrapping_add(1);
                this.id = Some(id);
                id
            }
        };
        match st.wakers.binary_search_by_key(&id, |(i, _)| *i) {
            Ok(at) => st.wakers[at].1 = cx.waker().clone(),
            Err(at) => st.wakers.insert(at, (id, cx.waker().clone())),
        }
        Poll::Pending
    }
}

impl Drop for Cancelled {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.token.state.borrow_mut().deregister(id);
        }
    }
}

#[derive(Default)]
struct NotifyState {
    epoch: u64,
    wakers: Vec<Waker>,
}

/// A re-armable wake-up: [`Notify::notified`] resolves at the first [`Notify::notify`] after it
/// was created (a notification with nobody waiting is not stored beyond that).
#[derive(Clone, Default)]
pub struct Notify {
    state: Rc<RefCell<NotifyState>>,
}

impl Notify {
    /// A notifier nobody waits on yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Wakes every pending [`Notified`].
    pub fn notify(&self) {
        let wakers = {
            let mut st = self.state.borrow_mut();
            st.epoch = st.epoch.wrapping_add(1);
            std::mem::take(&mut st.wakers)
        };
        for w in wakers {
            w.wake();
        }
    }

    /// A future that resolves at the next [`Notify::notify`].
    pub fn notified(&self) -> Notified {
        Notified {
            notify: self.clone(),
            epoch: self.state.borrow().epoch,
        }
    }

    /// Wakers registered now (for leak tests).
    pub fn registered(&self) -> usize {
        self.state.borrow().wakers.len()
    }
}

/// Resolves at the first notification after its creation.
pub struct Notified {
    notify: Notify,
    epoch: u64,
}

impl Future for Notified {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut st = self.notify.state.borrow_mut();
        if st.epoch != self.epoch {
            return Poll::Ready(());
        }
        if !st.wakers.iter().any(|w| w.will_wake(cx.waker())) {
            st.wakers.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    struct CountingWaker(AtomicUsize);
    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn poll<F: Future + Unpin>(f: &mut F, waker: &Waker) -> Poll<F::Output> {
        Pin::new(f).poll(&mut Context::from_waker(waker))
    }

    #[test]
    fn limiter_fifo_and_release_on_drop() {
        let l = Limiter::new(Some(2));
        let w = Waker::noop();
        let p1 = match poll(&mut l.acquire(), w) {
            Poll::Ready(p) => p,
            Poll::Pending => panic!("first permit"),
        };
        let p2 = match poll(&mut l.acquire(), w) {
            Poll::Ready(p) => p,
            Poll::Pending => panic!("second permit"),
        };
        assert_eq!(l.in_use(), 2);
        let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let cw = Waker::from(counter.clone());
        let mut a3 = l.acquire();
        let mut a4 = l.acquire();
        assert!(poll(&mut a3, &cw).is_pending());
        assert!(poll(&mut a4, &cw).is_pending());
        assert_eq!(l.waiting(), 2);
        drop(p1);
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert_eq!(l.in_use(), 2, "permit handed over, not freed");
        // FIFO: a3 gets it, a4 keeps waiting.
        assert!(poll(&mut a4, &cw).is_pending());
        let p3 = match poll(&mut a3, &cw) {
            Poll::Ready(p) => p,
            Poll::Pending => panic!("a3 should have the permit"),
        };
        // A newcomer cannot jump the queue.
        let mut a5 = l.acquire();
        drop(p2);
        assert!(poll(&mut a5, &cw).is_pending());
        // a4 was granted; dropping it un-collected passes the permit to a5.
        drop(a4);
        assert!(matches!(poll(&mut a5, &cw), Poll::Ready(_)));
        drop(p3);
        assert_eq!(l.waiting(), 0);
        assert_eq!(l.in_use(), 0);
    }

    #[test]
    fn limiter_dropped_waiter_leaves_queue() {
        let l = Limiter::new(Some(1));
        let w = Waker::noop();
        let p = match poll(&mut l.acquire(), w) {
            Poll::Ready(p) => p,
            Poll::Pending => panic!(),
        };
        let mut a = l.acquire();
        assert!(poll(&mut a, w).is_pending());
        drop(a);
        assert_eq!(l.waiting(), 0);
        drop(p);
        assert_eq!(l.in_use(), 0);
    }

    #[test]
    fn unlimited_limiter_never_waits() {
        let l = Limiter::new(None);
        let permits: Vec<_> = (0..100)
            .map(|_| poll(&mut l.acquire(), Waker::noop()))
            .collect();
        assert!(permits.iter().all(|p| p.is_ready()));
        assert_eq!(l.in_use(), 100);
        drop(permits);
        assert_eq!(l.in_use(), 0);
        assert_eq!(Limiter::new(Some(0)).state.borrow().max, Some(1));
    }

    #[test]
    fn stream_slots_cap_and_release() {
        let s = StreamSlots::new(2);
        let a = s.try_acquire();
        let b = s.try_acquire();
        assert!(a.is_some() && b.is_some());
        assert!(s.try_acquire().is_none());
        let forced = s.force_acquire();
        assert_eq!(s.open(), 3);
        drop(a);
        assert!(s.try_acquire().is_none(), "forced stream still counts");
        drop(forced);
        let c = s.try_acquire();
        assert!(c.is_some());
        drop((b, c));
        assert_eq!(s.open(), 0);
        assert_eq!(s.max(), 2);
    }

    #[test]
    fn cancel_token_wakes_and_deregisters() {
        let t = CancelToken::new();
        let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let cw = Waker::from(counter.clone());
        let mut f1 = t.cancelled();
        let mut f2 = t.cancelled();
        assert!(poll(&mut f1, &cw).is_pending());
        assert!(poll(&mut f1, &cw).is_pending());
        assert!(poll(&mut f2, &cw).is_pending());
        assert_eq!(t.registered(), 2);
        drop(f2);
        assert_eq!(t.registered(), 1);
        t.cancel();
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert!(poll(&mut f1, &cw).is_ready());
        assert!(t.is_cancelled());
        assert!(poll(&mut t.cancelled(), &cw).is_ready());
        assert_eq!(t.registered(), 0);
    }

    #[test]
    fn notify_wakes_waiters_once_per_notification() {
        let n = Notify::new();
        let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let cw = Waker::from(counter.clone());
        let mut a = n.notified();
        let mut b = n.notified();
        assert!(poll(&mut a, &cw).is_pending());
        assert!(poll(&mut a, &cw).is_pending());
        assert!(poll(&mut b, &Waker::noop().clone()).is_pending());
        assert_eq!(n.registered(), 2, "the same waker is registered once");
        n.notify();
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert_eq!(n.registered(), 0);
        assert!(poll(&mut a, &cw).is_ready());
        assert!(poll(&mut b, &cw).is_ready());
        // A new future waits for the next notification, not the past one.
        let mut c = n.notified();
        assert!(poll(&mut c, &cw).is_pending());
        n.notify();
        assert!(poll(&mut c, &cw).is_ready());
    }
}
