use std::{
    ops::{Deref, DerefMut},
    pin::Pin,
    task::{Context, Poll, ready},
};

use base64::{Engine, prelude::BASE64_STANDARD};
use bytes::{Buf, BufMut, Bytes, BytesMut};
use http::{HeaderMap, HeaderValue, header::HeaderName};
use http_body::Body;
use httparse::{EMPTY_HEADER, Status};
use pin_project::pin_project;
use wasm_bindgen::JsCast;
use web_sys::ReadableStream;

use crate::{Error, abort_guard::AbortGuard, body_stream::BodyStream, content_type::Encoding};

/// If 8th MSB of a frame is `0` for data and `1` for trailer
const TRAILER_BIT: u8 = 0b10000000;

pub struct EncodedBytes {
    encoding: Encoding,
    raw_buf: BytesMut,
    buf: BytesMut,
}

impl EncodedBytes {
    pub fn new(content_type: &str) -> Result<Self, Error> {
        Ok(Self {
            encoding: Encoding::from_content_type(content_type)?,
            raw_buf: BytesMut::new(),
            buf: BytesMut::new(),
        })
    }

    // This is to avoid passing a slice of bytes with a length that the base64
    // decoder would consider invalid.
    #[inline]
    fn max_decodable(&self) -> usize {
        (self.raw_buf.len() / 4) * 4
    }

    fn decode_base64_chunk(&mut self) -> Result<(), Error> {
        let index = self.max_decodable();

        if self.raw_buf.len() >= index {
            let decoded = BASE64_STANDARD
                .decode(self.buf.split_to(index))
                .map(Bytes::from)?;
            self.buf.put(decoded);
        }

        Ok(())
    }

    fn append(&mut self, bytes: Bytes) -> Result<(), Error> {
        match self.encoding {
            Encoding::None => self.buf.put(bytes),
            Encoding::Base64 => {
                self.raw_buf.put(bytes);
                self.decode_base64_chunk()?;
            }
        }

        Ok(())
    }

    fn take(&mut self, length: usize) -> BytesMut {
        let new_buf = self.buf.split_off(length);
        std::mem::replace(&mut self.buf, new_buf)
    }
}

impl Deref for EncodedBytes {
    type Target = BytesMut;

    fn deref(&self) -> &Self::Target {
        &self.buf
    }
}

impl DerefMut for EncodedBytes {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.buf
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadState {
    CompressionFlag,
    DataLength,
    Data(u32),
    TrailerLength,
    Trailer(u32),
    Done,
}

impl ReadState {
    // PATCHED (arvak-grpc-wasm, see PATCHED.md): only `Done` means the body has been read. In
    // `TrailerLength` / `Trailer(_)` the trailer frame is still arriving; answering "finished"
    // there ended the body without trailers whenever the trailer frame was split across chunks.
    fn finished_data(&self) -> bool {
        matches!(self, ReadState::Done)
    }
}

/// Type to handle HTTP response
#[pin_project]
pub struct ResponseBody {
    #[pin]
    body_stream: BodyStream,
    buf: EncodedBytes,
    incomplete_data: BytesMut,
    data: Option<BytesMut>,
    trailer: Option<HeaderMap>,
    state: ReadState,
    finished_stream: bool,
    /// Chunks read after the trailer frame (see `drain_stream`).
    drained: usize,
    /// PATCHED: the largest frame accepted (`FetchOptions::max_frame_size`).
    max_frame_size: Option<usize>,
}

/// At most this many chunks are read (and discarded) after the trailer frame.
const DRAIN_MAX_CHUNKS: usize = 16;

impl ResponseBody {
    pub(crate) fn new(
        body_stream: ReadableStream,
        content_type: &str,
        abort: AbortGuard,
        max_frame_size: Option<usize>,
    ) -> Result<Self, Error> {
        let body_stream =
            wasm_streams::ReadableStream::from_raw(body_stream.unchecked_into()).into_stream();

        Ok(Self {
            body_stream: BodyStream::new(body_stream, abort),
            buf: EncodedBytes::new(content_type)?,
            incomplete_data: BytesMut::new(),
            data: None,
            trailer: None,
            state: ReadState::CompressionFlag,
            finished_stream: false,
            drained: 0,
            max_frame_size,
        })
    }

    /// After the trailer frame: reads the stream to its end (discarding anything a server sends
    /// after its trailers, at most `DRAIN_MAX_CHUNKS` chunks) before the trailers are handed out.
    /// The fetch then completes instead of being aborted when the body is dropped (no
    /// `net::ERR_ABORTED` for a finished call), and the stream's reader ends normally instead of
    /// being cancelled (wasm-streams 0.7.0 leaks a closure on that cancel path).
    fn drain_stream(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        while !self.finished_stream && self.drained < DRAIN_MAX_CHUNKS {
            let this = self.as_mut().project();
            match ready!(this.body_stream.poll_frame(cx)) {
                Some(Ok(_)) => *this.drained += 1,
                Some(Err(_)) | None => *this.finished_stream = true,
            }
        }
        Poll::Ready(())
    }

    fn read_stream(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if self.finished_stream {
            return Poll::Ready(Ok(()));
        }

        let this = self.project();

        match ready!(this.body_stream.poll_frame(cx)) {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref()
                    && let Err(e) = this.buf.append(data.clone())
                {
                    return Poll::Ready(Err(e));
                };

                Poll::Ready(Ok(()))
            }
            Some(Err(e)) => Poll::Ready(Err(e)),
            None => {
                *this.finished_stream = true;
                Poll::Ready(Ok(()))
            }
        }
    }

    fn step(self: Pin<&mut Self>) -> Result<(), Error> {
        let this = self.project();
        // PATCHED (arvak-grpc-wasm, see PATCHED.md): a frame longer than the limit is refused from
        // its length prefix, before it is buffered; the body then reads as ended.
        let check = |length: u32, state: &mut ReadState| match *this.max_frame_size {
            Some(limit) if length as usize > limit => {
                *state = ReadState::Done;
                Err(Error::FrameTooLarge {
                    length: length as usize,
                    limit,
                })
            }
            _ => Ok(()),
        };

        loop {
            match this.state {
                ReadState::CompressionFlag => {
                    if this.buf.is_empty() {
                        // Can't read compression flag right now
                        return Ok(());
                    } else {
                        let compression_flag = this.buf.take(1);

                        if compression_flag[0] & TRAILER_BIT == 0 {
                            this.incomplete_data.unsplit(compression_flag);
                            *this.state = ReadState::DataLength;
                        } else {
                            *this.state = ReadState::TrailerLength;
                        }
                    }
                }
                ReadState::DataLength => {
                    if this.buf.len() < 4 {
                        // Can't read data length right now
                        return Ok(());
                    } else {
                        let data_length_bytes = this.buf.take(4);
                        // According to [`Buf::get_u32`] docs returns u32 from big-endian bytes
                        let data_length = (&data_length_bytes[..]).get_u32();
                        check(data_length, this.state)?;

                        this.incomplete_data.unsplit(data_length_bytes);
                        *this.state = ReadState::Data(data_length);
                    }
                }
                ReadState::Data(data_length) => {
                    let data_length = *data_length as usize;

                    if this.buf.len() < data_length {
                        // Can't read data right now
                        return Ok(());
                    } else {
                        this.incomplete_data.unsplit(this.buf.take(data_length));

                        let new_data = this.incomplete_data.split();

                        if let Some(data) = this.data {
                            data.unsplit(new_data);
                        } else {
                            *this.data = Some(new_data);
                        }

                        *this.state = ReadState::CompressionFlag;
                    }
                }
                ReadState::TrailerLength => {
                    if this.buf.len() < 4 {
                        // Can't read data length right now
                        return Ok(());
                    } else {
                        let trailer_length_bytes = this.buf.take(4);
                        // According to [`Buf::get_u32`] docs returns u32 from big-endian bytes
                        let trailer_length = (&trailer_length_bytes[..]).get_u32();
                        check(trailer_length, this.state)?;
                        *this.state = ReadState::Trailer(trailer_length);
                    }
                }
                ReadState::Trailer(trailer_length) => {
                    let trailer_length = *trailer_length as usize;

                    if this.buf.len() < trailer_length {
                        // Can't read trailer right now
                        return Ok(());
                    } else {
                        let mut trailer_bytes = this.buf.take(trailer_length);
                        trailer_bytes.put_u8(b'\n');

                        let mut trailers_buf = [EMPTY_HEADER; 64];
                        let parsed_trailers =
                            match httparse::parse_headers(&trailer_bytes, &mut trailers_buf)
                                .map_err(|_| Error::HeaderParsingError)?
                            {
                                Status::Complete((_, headers)) => Ok(headers),
                                Status::Partial => Err(Error::HeaderParsingError),
                            }?;

                        let mut trailers = HeaderMap::with_capacity(parsed_trailers.len());

                        for parsed_trailer in parsed_trailers {
                            let header_name =
                                HeaderName::from_bytes(parsed_trailer.name.as_bytes())?;
                            let header_value = HeaderValue::from_bytes(parsed_trailer.value)?;
                            trailers.insert(header_name, header_value);
                        }

                        *this.trailer = Some(trailers);

                        *this.state = ReadState::Done;
                    }
                }
                ReadState::Done => return Ok(()),
            }
        }
    }
}

impl Body for ResponseBody {
    type Data = Bytes;

    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        // Check if there's already some data in buffer and return that
        if self.data.is_some() {
            let data = self.data.take().unwrap();

            return Poll::Ready(Some(Ok(http_body::Frame::data(data.freeze()))));
        }

        // If reading data is finished, return trailers (if available, once the stream has
        // ended) before ending
        if self.state.finished_data() {
            if self.trailer.is_some() {
                ready!(self.as_mut().drain_stream(cx));
            }
            if let Some(trailers) = self.trailer.take() {
                return Poll::Ready(Some(Ok(http_body::Frame::trailers(trailers))));
            }
            return Poll::Ready(None);
        }

        loop {
            // Read bytes from stream
            if let Err(e) = ready!(self.as_mut().read_stream(cx)) {
                return Poll::Ready(Some(Err(e)));
            }

            // Step the state machine
            if let Err(e) = self.as_mut().step() {
                return Poll::Ready(Some(Err(e)));
            }

            if self.data.is_some() {
                // If data is available in buffer, return that
                let data = self.data.take().unwrap();
                return Poll::Ready(Some(Ok(http_body::Frame::data(data.freeze()))));
            } else if self.state.finished_data() {
                // If we finished reading data, return trailers (once the stream has ended)
                // before ending
                if self.trailer.is_some() {
                    ready!(self.as_mut().drain_stream(cx));
                }
                if let Some(trailers) = self.trailer.take() {
                    return Poll::Ready(Some(Ok(http_body::Frame::trailers(trailers))));
                }
                return Poll::Ready(None);
            } else if self.finished_stream {
                // If stream is finished but data is not finished return error
                return Poll::Ready(Some(Err(Error::MalformedResponse)));
            }
        }
    }
}

impl Default for ResponseBody {
    fn default() -> Self {
        Self {
            body_stream: BodyStream::empty(),
            buf: EncodedBytes {
                encoding: Encoding::None,
                raw_buf: BytesMut::new(),
                buf: BytesMut::new(),
            },
            incomplete_data: BytesMut::new(),
            data: None,
            trailer: None,
            state: ReadState::Done,
            finished_stream: true,
            drained: 0,
            max_frame_size: None,
        }
    }
}

// PATCHED (arvak-grpc-wasm): the split-trailer defect, natively (see PATCHED.md for how to run).
#[cfg(test)]
mod tests {
    use super::*;

    fn body(chunks: &[&[u8]]) -> ResponseBody {
        limited(chunks, None)
    }

    fn limited(chunks: &[&[u8]], max_frame_size: Option<usize>) -> ResponseBody {
        ResponseBody {
            body_stream: BodyStream::from_chunks(
                chunks.iter().map(|c| Bytes::copy_from_slice(c)).collect(),
            ),
            buf: EncodedBytes::new("application/grpc-web+proto").unwrap(),
            incomplete_data: BytesMut::new(),
            data: None,
            trailer: None,
            state: ReadState::CompressionFlag,
            finished_stream: false,
            drained: 0,
            max_frame_size,
        }
    }

    /// Polls to the end: (data frames, trailers, error).
    fn read_all(mut b: ResponseBody) -> (usize, Option<HeaderMap>, Option<Error>) {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let (mut data, mut trailers) = (0, None);
        loop {
            match Pin::new(&mut b).poll_frame(&mut cx) {
                Poll::Ready(Some(Ok(frame))) => match frame.into_trailers() {
                    Ok(t) => trailers = Some(t),
                    Err(_) => data += 1,
                },
                Poll::Ready(Some(Err(e))) => return (data, trailers, Some(e)),
                Poll::Ready(None) => return (data, trailers, None),
                Poll::Pending => panic!("a ready stream is never pending"),
            }
        }
    }

    const MESSAGE: &[u8] = &[0, 0, 0, 0, 0];
    const TRAILER: &[u8] = b"\x80\x00\x00\x00\x0fgrpc-status:0\r\n";

    #[test]
    fn trailer_in_one_chunk() {
        let (data, trailers, err) = read_all(body(&[MESSAGE, TRAILER]));
        assert_eq!(data, 1);
        assert_eq!(trailers.unwrap()["grpc-status"], "0");
        assert!(err.is_none());
    }

    #[test]
    fn trailer_split_after_every_byte() {
        let mut chunks: Vec<&[u8]> = vec![MESSAGE];
        chunks.extend(TRAILER.chunks(1));
        let (data, trailers, err) = read_all(body(&chunks));
        assert_eq!(data, 1);
        assert_eq!(trailers.expect("trailers read")["grpc-status"], "0");
        assert!(err.is_none());
    }

    #[test]
    fn the_stream_is_read_to_its_end_before_the_trailers_are_handed_out() {
        let mut b = body(&[MESSAGE, TRAILER, b"junk after the trailers"]);
        let mut cx = Context::from_waker(std::task::Waker::noop());
        loop {
            match Pin::new(&mut b).poll_frame(&mut cx) {
                Poll::Ready(Some(Ok(frame))) if frame.is_trailers() => break,
                Poll::Ready(Some(Ok(_))) => continue,
                other => panic!("expected the trailers, got {other:?}"),
            }
        }
        assert!(b.finished_stream, "the trailers came before the end of the stream");
        assert_eq!(b.drained, 1);
    }

    #[test]
    fn a_frame_over_the_limit_is_refused_from_its_length_prefix() {
        // A 32 MiB message announced, only its first bytes sent: refused without waiting for them.
        let huge: &[u8] = &[0, 0x02, 0, 0, 0, 1, 2, 3];
        let (data, trailers, err) = read_all(limited(&[MESSAGE, huge], Some(4 << 20)));
        assert_eq!(data, 1);
        assert!(trailers.is_none());
        assert!(
            matches!(err, Some(Error::FrameTooLarge { length: 33_554_432, limit: 4_194_304 })),
            "{err:?}"
        );
        // A trailer frame is limited as well; frames at the limit pass.
        let (_, _, err) = read_all(limited(&[MESSAGE, TRAILER], Some(14)));
        assert!(matches!(err, Some(Error::FrameTooLarge { length: 15, .. })), "{err:?}");
        let (data, trailers, err) = read_all(limited(&[MESSAGE, TRAILER], Some(15)));
        assert_eq!((data, trailers.is_some(), err.is_none()), (1, true, true));
    }

    #[test]
    fn body_ending_inside_the_trailer_is_malformed() {
        let (data, trailers, err) = read_all(body(&[MESSAGE, &TRAILER[..7]]));
        assert_eq!(data, 1);
        assert!(trailers.is_none());
        assert!(matches!(err, Some(Error::MalformedResponse)), "{err:?}");
    }
}
