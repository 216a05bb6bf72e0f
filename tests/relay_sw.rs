//! The journal relay's protocol is declared in `src/logic/relay.rs`; the service worker
//! `js/relay-sw.js` cannot import it, so this checks that it names the same header, messages,
//! version and keeping time.
#![cfg(not(target_arch = "wasm32"))]

use arvak_grpc_wasm::logic::relay;

#[test]
fn the_service_worker_speaks_the_declared_protocol() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/js/relay-sw.js");
    let sw = std::fs::read_to_string(path).expect("js/relay-sw.js");
    for (name, value) in [
        ("HEADER", relay::HEADER),
        ("RESUME", relay::RESUME),
        ("HELLO", relay::HELLO),
        ("ANSWER", relay::ANSWER),
        ("FORGET", relay::FORGET),
        ("ANSWER_HEADER", relay::ANSWER_HEADER),
        ("UNREADABLE", relay::UNREADABLE),
    ] {
        let line = format!("const {name} = \"{value}\";");
        assert!(sw.contains(&line), "js/relay-sw.js should say {line}");
    }
    let version = format!("const VERSION = {};", relay::VERSION);
    assert!(sw.contains(&version), "js/relay-sw.js should say {version}");
    // How long it keeps an answer: pages stop asking a margin before that.
    assert_eq!(relay::KEEP_MS, 24.0 * 60.0 * 60.0 * 1000.0);
    let keep = "const KEEP_MS = 24 * 60 * 60 * 1000;";
    assert!(sw.contains(keep), "js/relay-sw.js should say {keep}");
}
