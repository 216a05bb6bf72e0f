//! Which HTTP version the client's calls travel on, and the WatchJob stream cap that follows.
//!
//! Over HTTP/1.1 a page has 6 connections per origin and every open stream holds one, so `auto`
//! waits keep at most [`HTTP1_STREAMS`] streams. Over HTTP/2 or HTTP/3 (any TLS proxy) one
//! connection multiplexes ~100 streams, so the cap rises to [`MULTIPLEXED_STREAMS`] and waits use
//! pushes instead of polls. The protocol is read from the browser's resource timing
//! (`nextHopProtocol`) of the client's first calls; until it is known the HTTP/1.1 cap holds.

/// The `auto` cap on HTTP/1.1 (and while the protocol is unknown).
pub const HTTP1_STREAMS: usize = 2;
/// The `auto` cap on HTTP/2 and HTTP/3: well under the usual 100 concurrent streams a server or
/// proxy allows per connection (Envoy's and hyper's defaults are 100 and 200), leaving room for
/// unary calls.
pub const MULTIPLEXED_STREAMS: usize = 64;
/// How many calls' timing entries are looked at before the protocol is taken as unknown (a
/// cross-origin server without `Timing-Allow-Origin`, or a full timing buffer).
pub const MAX_PROBES: u8 = 8;

/// The HTTP version of the client's calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// Not seen (yet): no timing entry, or the browser did not say.
    #[default]
    Unknown,
    /// HTTP/1.1 (or 1.0).
    Http1,
    /// HTTP/2.
    H2,
    /// HTTP/3.
    H3,
}

impl Protocol {
    /// From `PerformanceResourceTiming.nextHopProtocol` (ALPN ids: "http/1.1", "h2", "h3", "h3-29" …).
    pub fn from_alpn(id: &str) -> Protocol {
        match id {
            "h2" | "h2c" => Protocol::H2,
            id if id == "h3" || id.starts_with("h3-") => Protocol::H3,
            "http/1.1" | "http/1.0" => Protocol::Http1,
            _ => Protocol::Unknown,
        }
    }

    /// The name shown to users: "http/1.1", "h2", "h3" or "unknown".
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Unknown => "unknown",
            Protocol::Http1 => "http/1.1",
            Protocol::H2 => "h2",
            Protocol::H3 => "h3",
        }
    }

    /// Whether one connection carries many streams.
    pub fn multiplexed(self) -> bool {
        matches!(self, Protocol::H2 | Protocol::H3)
    }
}

/// The `maxStreams` setting: a fixed number, or `auto` (by protocol).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MaxStreams {
    /// [`HTTP1_STREAMS`], or [`MULTIPLEXED_STREAMS`] once HTTP/2 or HTTP/3 is seen.
    #[default]
    Auto,
    /// Exactly this many, whatever the protocol.
    Fixed(usize),
}

impl MaxStreams {
    /// The cap on `protocol`.
    pub fn cap(self, protocol: Protocol) -> usize {
        match self {
            MaxStreams::Fixed(n) => n,
            MaxStreams::Auto if protocol.multiplexed() => MULTIPLEXED_STREAMS,
            MaxStreams::Auto => HTTP1_STREAMS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpn_ids() {
        assert_eq!(Protocol::from_alpn("h2"), Protocol::H2);
        assert_eq!(Protocol::from_alpn("h3"), Protocol::H3);
        assert_eq!(Protocol::from_alpn("h3-29"), Protocol::H3);
        assert_eq!(Protocol::from_alpn("http/1.1"), Protocol::Http1);
        assert_eq!(Protocol::from_alpn(""), Protocol::Unknown);
        assert_eq!(Protocol::from_alpn("spdy/3"), Protocol::Unknown);
        assert_eq!(Protocol::H2.as_str(), "h2");
    }

    #[test]
    fn the_auto_cap_follows_the_protocol() {
        assert_eq!(MaxStreams::Auto.cap(Protocol::Unknown), HTTP1_STREAMS);
        assert_eq!(MaxStreams::Auto.cap(Protocol::Http1), 2);
        assert_eq!(MaxStreams::Auto.cap(Protocol::H2), MULTIPLEXED_STREAMS);
        assert_eq!(MaxStreams::Auto.cap(Protocol::H3), MULTIPLEXED_STREAMS);
        assert_eq!(MaxStreams::Fixed(5).cap(Protocol::H2), 5);
        assert_eq!(MaxStreams::Fixed(0).cap(Protocol::Http1), 0);
    }
}
