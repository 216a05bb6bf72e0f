//! The error classes of `js/errors.js` and `js/errors.d.ts` are generated from the one table of
//! error kinds (`ErrorKind` in `src/logic/error.rs`). This test fails when the files and the table
//! differ; `ARVAK_BLESS=1 cargo test --test generated_js` rewrites the generated blocks.
#![cfg(not(target_arch = "wasm32"))]

use arvak_grpc_wasm::ErrorKind;

const BEGIN: &str = "// BEGIN generated from the ErrorKind table";
const END: &str = "// END generated";

fn js_block() -> String {
    let mut out = String::new();
    for kind in ErrorKind::ALL.iter().filter(|k| **k != ErrorKind::Other) {
        out += &format!(
            "/** {} */\nexport class {} extends ArvakError {{}}\n",
            kind.doc(),
            kind.class_name()
        );
    }
    out += "\n/** [class name, class, `name` of its instances, title] of every error kind. */\nconst KINDS = [\n";
    for kind in ErrorKind::ALL {
        out += &format!(
            "  ['{c}', {c}, '{}', '{}'],\n",
            kind.shown_name(),
            kind.title().replace('\'', "\\'"),
            c = kind.class_name()
        );
    }
    out += "];\n";
    out
}

fn dts_block() -> String {
    let mut out = String::new();
    for kind in ErrorKind::ALL.iter().filter(|k| **k != ErrorKind::Other) {
        out += &format!(
            "/** {} */\nexport class {} extends ArvakError {{}}\n",
            kind.doc(),
            kind.class_name()
        );
    }
    out
}

/// Replaces the text between the BEGIN line and the END marker of `path` with `block`; returns
/// whether the file already held exactly that.
fn check(path: &str, block: &str) -> bool {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&full).expect("read generated file");
    let begin = text.find(BEGIN).expect("BEGIN marker");
    let body = text[begin..].find('\n').expect("BEGIN line") + begin + 1;
    let end = text[body..].find(END).expect("END marker") + body;
    if &text[body..end] == block {
        return true;
    }
    if std::env::var_os("ARVAK_BLESS").is_some() {
        let new = format!("{}{block}{}", &text[..body], &text[end..]);
        std::fs::write(&full, new).expect("write generated file");
        return true;
    }
    false
}

#[test]
fn js_error_classes_match_the_kind_table() {
    assert!(
        check("js/errors.js", &js_block()),
        "js/errors.js differs from ErrorKind: run ARVAK_BLESS=1 cargo test --test generated_js"
    );
}

#[test]
fn ts_error_classes_match_the_kind_table() {
    assert!(
        check("js/errors.d.ts", &dts_block()),
        "js/errors.d.ts differs from ErrorKind: run ARVAK_BLESS=1 cargo test --test generated_js"
    );
}

#[test]
fn every_kind_has_a_distinct_class_and_a_title() {
    let mut names: Vec<_> = ErrorKind::ALL.iter().map(|k| k.class_name()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), ErrorKind::ALL.len());
    assert!(ErrorKind::ALL
        .iter()
        .all(|k| !k.title().is_empty() && !k.doc().is_empty()));
}
