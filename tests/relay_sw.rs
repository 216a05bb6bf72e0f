//! The journal relay's protocol is declared in `src/logic/relay.rs`; the service worker
//! `js/relay-sw.js` cannot import it, so this checks that it names the same header, messages and
//! version.
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
    ] {
        let line = format!("const {name} = \"{value}\";");
        assert!(sw.contains(&line), "js/relay-sw.js should say {line}");
    }
    let version = format!("const VERSION = {};", relay::VERSION);
    assert!(sw.contains(&version), "js/relay-sw.js should say {version}");
}
