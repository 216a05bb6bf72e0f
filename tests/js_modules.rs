//! The wasm glue imports three JavaScript modules of ours — `js/errors.js` (the error classes),
//! `js/futures.js` (JobFuture helpers; both for the JS surface) and `js/glue.js` (the web layer's
//! journal storage and protocol detection) — and each browser test binary one inline module, from
//! `tests/common`. Every module is one more request before the package can start, and
//! wasm-bindgen-test-runner's server stalls a page that asks for many at once: with eight, the
//! browser suites froze at "Loading scripts..." in a third of Chromium runs. The vendored crates
//! count too: an `inline_js` added to tonic-web-wasm-client brought the freeze back (two of ~15
//! Chromium test binaries in two runs of the test command).
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;
use std::path::Path;

/// Every `module = "…"` and `inline_js` of the Rust sources under `dir`.
fn snippets(dir: &Path, found: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            snippets(&path, found);
            continue;
        }
        // (this file names what it looks for)
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("tests/js_modules.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read source");
        for (i, _) in text.match_indices("module = \"") {
            let rest = &text[i + "module = \"".len()..];
            found.insert(rest[..rest.find('"').expect("closing quote")].to_owned());
        }
        if text.contains("inline_js =") {
            let root = Path::new(env!("CARGO_MANIFEST_DIR"));
            let name = path.strip_prefix(root).unwrap_or(&path).display();
            found.insert(format!("inline_js in {name}"));
        }
    }
}

fn found_under(dir: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    snippets(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), &mut found);
    found
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_wasm_glue_imports_three_js_modules() {
    assert_eq!(
        found_under("src"),
        set(&["/js/errors.js", "/js/futures.js", "/js/glue.js"]),
        "the JS modules the wasm glue imports changed: add functions to an existing module instead"
    );
}

#[test]
fn the_vendored_crates_add_no_js_module() {
    assert_eq!(
        found_under("vendor"),
        BTreeSet::new(),
        "a vendored crate now brings its own JS module: bind web-sys/js-sys APIs instead"
    );
}

#[test]
fn browser_tests_have_one_inline_module() {
    assert_eq!(
        found_under("tests"),
        set(&["inline_js in tests/common/mod.rs"]),
        "JS helpers of the browser tests belong in tests/common/mod.rs"
    );
}
