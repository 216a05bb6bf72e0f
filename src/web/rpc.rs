//! One untyped gRPC call path for every RPC.
//!
//! Requests are encoded with prost before the call and responses decoded after it, so tonic's
//! generic machinery (`Grpc::unary`, `Grpc::server_streaming`, `Streaming<T>`, the codec) is
//! instantiated once for `Bytes` instead of once per message type. This keeps the wasm small; the
//! typed API on top is unchanged.

use bytes::{Buf, BufMut, Bytes};
use prost::Message;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::Status;

use crate::logic::error::{ArvakError, Code, ErrorKind, Rpc};

/// A codec that passes message bytes through unchanged.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawCodec;

impl Codec for RawCodec {
    type Encode = Bytes;
    type Decode = Bytes;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> RawCodec {
        RawCodec
    }

    fn decoder(&mut self) -> RawCodec {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put(item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}

/// Decodes a response message of `rpc`; a malformed message becomes an `INTERNAL` error.
pub fn decode<M: Message + Default>(rpc: Rpc, bytes: Bytes) -> Result<M, ArvakError> {
    M::decode(bytes).map_err(|e| {
        ArvakError::new(
            ErrorKind::Other,
            Code::Internal,
            format!("The server's {rpc} response could not be decoded ({e})"),
        )
        .with_rpc(rpc)
    })
}
