//! The wasm glue imports exactly two JavaScript modules of ours: `js/errors.js` (the error classes)
//! and `js/glue.js` (everything else). Each further module is one more request before the package
//! can start, and wasm-bindgen-test-runner's server stalls a page that asks for more than a handful
//! of modules at once (the browser suites then froze at "Loading scripts..." in a third of runs).
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeSet;
use std::path::Path;

/// Every `module = "…"` and `inline_js` of the Rust sources under `dir`.
fn snippets(dir: &Path, found: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            snippets(&path, found);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read source");
        for (i, _) in text.match_indices("module = \"") {
            let rest = &text[i + "module = \"".len()..];
            found.insert(rest[..rest.find('"').expect("closing quote")].to_owned());
        }
        if text.contains("inline_js") {
            found.insert(format!("inline_js in {}", path.display()));
        }
    }
}

#[test]
fn the_wasm_glue_imports_two_js_modules() {
    let mut found = BTreeSet::new();
    snippets(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut found,
    );
    let expected: BTreeSet<String> = ["/js/errors.js", "/js/glue.js"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(
        found, expected,
        "the JS modules the wasm glue imports changed: add functions to js/glue.js instead"
    );
}
