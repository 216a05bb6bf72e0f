use core::pin::Pin;
use core::task::{Context, Poll};

use futures_util::FutureExt;
use futures_util::ready;
use futures_util::stream::{FusedStream, Stream};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::ReadableStreamDefaultReader;
use super::sys::ReadableStreamReadResult;

/// A [`Stream`] for the [`into_stream`](super::ReadableStream::into_stream) method.
///
/// This `Stream` holds a reader, and therefore locks the [`ReadableStream`](super::ReadableStream).
/// When this `Stream` is dropped, it also drops its reader which in turn
/// [releases its lock](https://streams.spec.whatwg.org/#release-a-lock).
///
/// [`Stream`]: https://docs.rs/futures/0.3.30/futures/stream/trait.Stream.html
#[must_use = "streams do nothing unless polled"]
#[derive(Debug)]
pub struct IntoStream<'reader> {
    reader: Option<ReadableStreamDefaultReader<'reader>>,
    fut: Option<JsFuture>,
    cancel_on_drop: bool,
}

impl<'reader> IntoStream<'reader> {
    #[inline]
    pub(super) fn new(reader: ReadableStreamDefaultReader, cancel_on_drop: bool) -> IntoStream {
        IntoStream {
            reader: Some(reader),
            fut: None,
            cancel_on_drop,
        }
    }

    /// [Cancels](https://streams.spec.whatwg.org/#cancel-a-readable-stream) the stream,
    /// signaling a loss of interest in the stream by a consumer.
    pub async fn cancel(mut self) -> Result<(), JsValue> {
        match self.reader.take() {
            Some(mut reader) => reader.cancel().await,
            None => Ok(()),
        }
    }

    /// [Cancels](https://streams.spec.whatwg.org/#cancel-a-readable-stream) the stream,
    /// signaling a loss of interest in the stream by a consumer.
    pub async fn cancel_with_reason(mut self, reason: &JsValue) -> Result<(), JsValue> {
        match self.reader.take() {
            Some(mut reader) => reader.cancel_with_reason(reason).await,
            None => Ok(()),
        }
    }
}

impl IntoStream<'_> {
    /// Drops the reader of a stream that ended or failed. PATCHED (arvak-grpc-wasm, see
    /// PATCHED.md): a stream this `IntoStream` owns (`cancel_on_drop`) can never be read again,
    /// so its lock is not released (a release costs a `TypeError` and its stack trace); a
    /// borrowed stream's lock is released as before, so its owner can read it again.
    fn finish_reader(&mut self) {
        if let Some(reader) = self.reader.take() {
            if self.cancel_on_drop {
                reader.drop_without_release();
            }
        }
    }
}

impl FusedStream for IntoStream<'_> {
    fn is_terminated(&self) -> bool {
        self.reader.is_none() && self.fut.is_none()
    }
}

impl<'reader> Stream for IntoStream<'reader> {
    type Item = Result<JsValue, JsValue>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let read_fut = match self.fut.as_mut() {
            Some(fut) => fut,
            None => match &self.reader {
                Some(reader) => {
                    // No pending read
                    // Start reading the next chunk and create future from read promise
                    let fut = JsFuture::from(reader.as_raw().read());
                    self.fut.insert(fut)
                }
                None => {
                    // Reader was already dropped
                    return Poll::Ready(None);
                }
            },
        };

        // Poll the future for the pending read
        let js_result = ready!(read_fut.poll_unpin(cx));
        self.fut = None;

        // Read completed
        Poll::Ready(match js_result {
            Ok(js_value) => {
                let result = ReadableStreamReadResult::from(js_value);
                if result.get_done().unwrap_or_default() {
                    // End of stream, drop reader
                    self.finish_reader();
                    None
                } else {
                    Some(Ok(result.get_value()))
                }
            }
            Err(js_value) => {
                // Error, drop reader
                self.finish_reader();
                Some(Err(js_value))
            }
        })
    }
}

impl<'reader> Drop for IntoStream<'reader> {
    fn drop(&mut self) {
        if self.cancel_on_drop
            && let Some(reader) = self.reader.take()
        {
            // PATCHED (arvak-grpc-wasm, see PATCHED.md): the upstream code attached a
            // `Closure::once` as `.catch` handler and `forget()`-ed it; the closure was only
            // freed when the cancel promise *rejected*, so every successful cancel leaked it
            // (one externref slot plus its wasm allocation). Awaiting the promise instead
            // frees everything whichever way the promise settles, and still swallows the
            // rejection (no unhandled-rejection report).
            let cancel = reader.as_raw().cancel();
            wasm_bindgen_futures::spawn_local(async move {
                let _ = JsFuture::from(cancel).await;
            });
        }
    }
}
