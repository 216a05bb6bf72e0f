//! `grpc-message` percent-coding and the response-header sanitiser.
//!
//! tonic decodes `grpc-message` itself, but it turns a message that decodes to invalid UTF-8 into a
//! status with code `UNKNOWN` (losing the server's real code), and it `expect()`s that
//! `grpc-status-details-bin` is valid base64 — a panic on server-controlled data, which would poison
//! the wasm module for the whole page. [`sanitize_status_headers`] runs on every response header map and
//! trailer map before tonic sees it and removes both hazards.

use base64::Engine as _;
use http::{HeaderMap, HeaderValue};

use super::error::ArvakError;

/// Decodes a percent-encoded `grpc-message` (gRPC spec: `%XX` escapes of UTF-8 bytes).
///
/// Lenient: a `%` not followed by two hex digits is kept literally, and bytes that are not valid
/// UTF-8 become U+FFFD instead of failing.
pub fn percent_decode_lossy(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw.get(i).copied().unwrap_or_default();
        if b == b'%' {
            let hi = raw.get(i + 1).copied().and_then(hex_value);
            let lo = raw.get(i + 2).copied().and_then(hex_value);
            if let (Some(hi), Some(lo)) = (hi, lo) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-encodes a message the way the gRPC spec asks for `grpc-message`: every byte outside
/// printable ASCII (0x20–0x7E), and `%` itself, becomes `%XX`.
pub fn percent_encode(message: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(message.len());
    for &b in message.as_bytes() {
        if (0x20..=0x7e).contains(&b) && b != b'%' {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

/// Whether `grpc-status-details-bin` is something tonic can decode without panicking.
fn details_decodable(value: &[u8]) -> bool {
    // tonic decodes with the standard alphabet, padding optional.
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_encode_padding(false)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    engine.decode(value).is_ok()
}

/// Makes a header/trailer map safe for tonic's `Status::from_header_map`.
///
/// * an undecodable `grpc-status-details-bin` is removed (tonic would panic);
/// * a `grpc-message` that does not decode to UTF-8 is re-encoded from its lossy decoding, so the
///   status keeps its real code instead of becoming `UNKNOWN`.
///
/// Returns whether anything was changed.
pub fn sanitize_status_headers(headers: &mut HeaderMap) -> bool {
    let mut changed = false;
    let details_bad = headers
        .get_all("grpc-status-details-bin")
        .iter()
        .any(|v| !details_decodable(v.as_bytes()));
    if details_bad {
        headers.remove("grpc-status-details-bin");
        changed = true;
    }
    let message_fix = headers.get("grpc-message").and_then(|v| {
        let bytes = v.as_bytes();
        let strict_ok = strict_percent_decode_is_utf8(bytes);
        if strict_ok {
            None
        } else {
            HeaderValue::from_str(&percent_encode(&percent_decode_lossy(bytes))).ok()
        }
    });
    if let Some(fixed) = message_fix {
        headers.insert("grpc-message", fixed);
        changed = true;
    }
    changed
}

/// Mirrors tonic's check: percent-decode (invalid escapes kept literally) and require UTF-8.
fn strict_percent_decode_is_utf8(raw: &[u8]) -> bool {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw.get(i).copied().unwrap_or_default();
        if b == b'%' {
            if let (Some(hi), Some(lo)) = (
                raw.get(i + 1).copied().and_then(hex_value),
                raw.get(i + 2).copied().and_then(hex_value),
            ) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    std::str::from_utf8(&out).is_ok()
}

/// Checks a request header value before anything is sent: printable ASCII only (0x20–0x7E).
///
/// `http` accepts any byte ≥ 0x20 except DEL (so `"ψ"` passes it), but the browser's `fetch`
/// transport refuses non-ASCII values later, which surfaced as a "malformed grpc-web" response and
/// blamed the server. Tabs and CR/LF are refused too (CR/LF would split the header). The error is
/// `INVALID_ARGUMENT`, names the header and the first offending character.
pub fn check_header_value(name: &str, value: &str) -> Result<(), ArvakError> {
    match value
        .char_indices()
        .find(|&(_, c)| !(' '..='~').contains(&c))
    {
        None => Ok(()),
        Some((at, c)) => {
            let shown = if c.is_control() {
                format!("U+{:04X}", u32::from(c))
            } else {
                format!("'{c}' (U+{:04X})", u32::from(c))
            };
            Err(ArvakError::invalid_argument(format!(
                "invalid value for header \"{name}\": only printable ASCII (0x20–0x7E) can be \
                 sent, but character {shown} at byte {at} is not; encode the value (e.g. base64 or \
                 percent-encoding) first. Nothing was sent"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(percent_decode_lossy(b"a%20b"), "a b");
        assert_eq!(percent_decode_lossy(b"caf%C3%A9"), "café");
        assert_eq!(percent_decode_lossy(b"100%"), "100%");
        assert_eq!(percent_decode_lossy(b"%zz%4"), "%zz%4");
        assert_eq!(percent_decode_lossy(b"%ff"), "\u{fffd}");
        assert_eq!(percent_decode_lossy(b""), "");
    }

    #[test]
    fn encode_then_decode_round_trips() {
        for s in [
            "plain",
            "50% done",
            "line\nbreak",
            "Ünïcödé ✓",
            "[permanent] x",
            "",
        ] {
            let enc = percent_encode(s);
            assert!(enc.bytes().all(|b| (0x20..=0x7e).contains(&b)));
            assert_eq!(percent_decode_lossy(enc.as_bytes()), s);
        }
    }

    #[test]
    fn removes_details_tonic_would_panic_on() {
        let mut h = HeaderMap::new();
        h.insert("grpc-status", HeaderValue::from_static("5"));
        h.insert(
            "grpc-status-details-bin",
            HeaderValue::from_static("!!not base64!!"),
        );
        assert!(sanitize_status_headers(&mut h));
        assert!(h.get("grpc-status-details-bin").is_none());
        assert_eq!(h.get("grpc-status").map(|v| v.as_bytes()), Some(&b"5"[..]));
        // Valid base64 (with or without padding) stays.
        let mut h = HeaderMap::new();
        h.insert("grpc-status-details-bin", HeaderValue::from_static("AAEC"));
        assert!(!sanitize_status_headers(&mut h));
        h.insert("grpc-status-details-bin", HeaderValue::from_static("AAE"));
        assert!(!sanitize_status_headers(&mut h));
    }

    #[test]
    fn repairs_messages_that_are_not_utf8() {
        let mut h = HeaderMap::new();
        h.insert("grpc-message", HeaderValue::from_static("bad%FFbyte"));
        assert!(sanitize_status_headers(&mut h));
        let v = h.get("grpc-message").map(|v| v.as_bytes().to_vec());
        assert_eq!(
            v.map(|b| percent_decode_lossy(&b)),
            Some("bad\u{fffd}byte".to_owned())
        );
        // A valid message is left alone.
        let mut h = HeaderMap::new();
        h.insert("grpc-message", HeaderValue::from_static("caf%C3%A9"));
        assert!(!sanitize_status_headers(&mut h));
    }

    #[test]
    fn header_values_must_be_printable_ascii() {
        for ok in [
            "",
            "abc",
            "key with spaces",
            "~!@#$%^&*()_+{}|:<>?",
            "0123456789",
        ] {
            assert!(check_header_value("x-a", ok).is_ok(), "{ok:?}");
        }
        for (bad, shown) in [
            ("ψ", "'ψ' (U+03C8) at byte 0"),
            ("abcψ", "'ψ' (U+03C8) at byte 3"),
            ("café", "'é' (U+00E9) at byte 3"),
            ("a\r\nb", "U+000D at byte 1"),
            ("tab\there", "U+0009 at byte 3"),
            ("del\u{7f}", "U+007F at byte 3"),
            ("nul\0", "U+0000 at byte 3"),
        ] {
            let e = check_header_value("x-api-key", bad).unwrap_err();
            assert_eq!(e.code, tonic::Code::InvalidArgument, "{bad:?}");
            assert!(e.message.contains("\"x-api-key\""), "{}", e.message);
            assert!(e.message.contains(shown), "{bad:?}: {}", e.message);
            assert!(e.message.contains("Nothing was sent"));
        }
    }
}
