//! The journal relay's protocol: how a journaled batch asks a service worker (`js/relay-sw.js`)
//! to carry its submissions, so that a reload cannot lose the answer of a request on the wire.
//!
//! The service cannot list jobs, and a page that is left cancels its own fetches: a SubmitJob or
//! SubmitBatch cut off that way may have created jobs whose ids never arrive. A service worker
//! outlives the page's fetches. A journaled batch marks each submission with [`HEADER`]; the
//! worker strips it, sends the request itself, and keeps the answer under the key (in
//! IndexedDB) before handing it to the page. The batch's journal stores the key in the slots of
//! the request's inputs ([`super::journal::SlotState::InFlight`]). On resume, each such request is
//! sent again, as the same request with the same key and [`RESUME`]: the worker waits for the
//! original if it is still out, and answers with the kept answer instead of sending it — or sends
//! it for the first time when it never got it. Later attempts of that call (retries after an
//! error answer) are plain relayed requests, sent to the server as retries are.
//!
//! The worker keeps an answer until the page has stored what it said (the page then sends
//! [`FORGET`] for the key), until the batch ends ([`FORGET`] for the batch's prefix), or for
//! [`KEEP_MS`]; a page does not ask for a request sent longer ago than that ([`still_kept`]): the
//! worker could not tell "dropped" from "never got it", and would send it again.
//!
//! `js/relay-sw.js` holds the same names; `tests/js_modules.rs` checks that they agree.

/// The request header that marks a relayed submission: `<key>` or `<key> resume`.
pub const HEADER: &str = "x-arvak-relay";
/// The suffix of a resumed request's header value.
pub const RESUME: &str = "resume";
/// The message a page posts to its service worker to learn whether it relays (answered with
/// `{ type: ANSWER, version: VERSION }` on the message's port).
pub const HELLO: &str = "arvak-relay-hello";
/// The relay's answer to [`HELLO`].
pub const ANSWER: &str = "arvak-relay";
/// The message that drops every kept answer whose key starts with a prefix (a finished batch).
pub const FORGET: &str = "arvak-relay-forget";
/// The relay protocol's version.
pub const VERSION: u32 = 1;
/// The response header the relay puts on every answer it gives (what it is: `answered`, `lost`,
/// `cut`, `not-sent`, [`UNREADABLE`]); an answer without it did not come from the relay.
pub const ANSWER_HEADER: &str = "x-arvak-relay-answer";
/// The relay's answer when it could not read what it kept: ask again later.
pub const UNREADABLE: &str = "unreadable";

/// What a failed relayed call tells about the relay's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The relay answered (with the server's answer, or its own account of the request): what
    /// the failure says about the jobs is final.
    Answered,
    /// No answer from the relay reached the page (a broken connection to the worker, the page's
    /// own deadline, an abort), or it could not read what it kept: its answer may still be had.
    NoAnswer,
}

impl Verdict {
    /// The verdict of a failure whose answer carried `marker` in [`ANSWER_HEADER`].
    pub fn of(marker: Option<&str>) -> Verdict {
        match marker {
            Some(m) if m != UNREADABLE => Verdict::Answered,
            _ => Verdict::NoAnswer,
        }
    }
}
/// The longest key.
pub const MAX_KEY_LEN: usize = 64;
/// How long the worker keeps an answer nobody dropped (`KEEP_MS` in `js/relay-sw.js`).
pub const KEEP_MS: f64 = 24.0 * 60.0 * 60.0 * 1000.0;
/// How much sooner than [`KEEP_MS`] a page stops asking (clocks of page and worker may differ).
pub const KEEP_MARGIN_MS: f64 = 60.0 * 60.0 * 1000.0;

/// Whether the worker still keeps the answer of a request sent at `sent_at_ms` (wall clock), as
/// far as a page asking at `now_ms` may rely on it.
pub fn still_kept(sent_at_ms: f64, now_ms: f64) -> bool {
    sent_at_ms.is_finite() && now_ms - sent_at_ms < KEEP_MS - KEEP_MARGIN_MS
}

/// Whether `key` can be a relay key: 1 to [`MAX_KEY_LEN`] ASCII letters, digits, `.` or `-`.
pub fn is_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_KEY_LEN
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

/// The key of the `seq`-th relayed request of one run of a batch (`run` tells a resumed run's
/// requests from the first run's).
pub fn key(batch_id: &str, run: &str, seq: u32) -> String {
    format!("{batch_id}.{run}.{seq}")
}

/// The prefix shared by every key of a batch (what [`FORGET`] drops when it ends).
pub fn batch_prefix(batch_id: &str) -> String {
    format!("{batch_id}.")
}

/// The [`HEADER`] value of one attempt. `ask_kept`: a resumed request none of whose attempts was
/// handed to `fetch` yet may be answered from what the relay kept; a retry after an answer (one
/// that proved nothing was created) is sent like any retry.
pub fn header_value(key: &str, ask_kept: bool) -> String {
    if ask_kept {
        format!("{key} {RESUME}")
    } else {
        key.to_owned()
    }
}

/// A request sent through the relay, as a journal slot keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Relayed {
    /// Its key.
    pub key: String,
    /// When it was sent (ms since the Unix epoch).
    pub sent_at_ms: f64,
}

impl Relayed {
    /// `<key>@<ms>`.
    pub fn encode(&self) -> String {
        format!("{}@{}", self.key, self.sent_at_ms.max(0.0).round() as u64)
    }

    /// What [`Relayed::encode`] wrote (`None` for anything else).
    pub fn decode(value: &str) -> Option<Relayed> {
        let (key, at) = value.split_once('@')?;
        if !is_key(key) || at.is_empty() || !at.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(Relayed {
            key: key.to_owned(),
            sent_at_ms: at.parse::<u64>().ok()? as f64,
        })
    }
}

/// A relayed submission: its key, and whether this call resumes a request of a page that was left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayTag {
    /// The request's key ([`key`]).
    pub key: String,
    /// Whether the relay may answer it from what it kept.
    pub resume: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_header_values() {
        let k = key("0f3a9c", "r1", 7);
        assert_eq!(k, "0f3a9c.r1.7");
        assert!(is_key(&k) && k.starts_with(&batch_prefix("0f3a9c")));
        assert!(!is_key("") && !is_key("a b") && !is_key("a\tb") && !is_key(&"a".repeat(65)));
        assert_eq!(header_value(&k, true), "0f3a9c.r1.7 resume");
        assert_eq!(header_value(&k, false), "0f3a9c.r1.7");
        let answer = |v: Option<&str>| Verdict::of(v);
        assert_eq!(answer(None), Verdict::NoAnswer);
        assert_eq!(answer(Some(UNREADABLE)), Verdict::NoAnswer);
        for v in ["answered", "lost", "cut", "not-sent"] {
            assert_eq!(answer(Some(v)), Verdict::Answered, "{v}");
        }
    }

    #[test]
    fn a_relayed_request_is_asked_for_only_while_the_worker_keeps_it() {
        let r = Relayed {
            key: "b.r.3".into(),
            sent_at_ms: 1_700_000_000_123.0,
        };
        assert_eq!(r.encode(), "b.r.3@1700000000123");
        assert_eq!(Relayed::decode(&r.encode()), Some(r));
        for bad in ["b.r.3", "b.r.3@", "b r@1", "b.r.3@1.5", "@5"] {
            assert_eq!(Relayed::decode(bad), None, "{bad}");
        }
        let sent = 1_000_000.0;
        assert!(still_kept(sent, sent + 1000.0));
        assert!(still_kept(sent, sent + KEEP_MS - KEEP_MARGIN_MS - 1.0));
        assert!(!still_kept(sent, sent + KEEP_MS - KEEP_MARGIN_MS));
        assert!(!still_kept(f64::NAN, sent));
    }
}
