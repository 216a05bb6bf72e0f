//! The error classes of `js/errors.js` and `js/errors.d.ts` are generated from the one table of
//! error kinds (`ErrorKind` in `src/logic/error.rs`), and the error objects' properties — the
//! constructor, its options, the class declaration and `ArvakErrorInfo` — from the one table of
//! fields (`ErrorField`). This test fails when a file and its table differ;
//! `ARVAK_BLESS=1 cargo test --test generated_js` rewrites the generated blocks.
#![cfg(not(target_arch = "wasm32"))]

use arvak_grpc_wasm::{ErrorField, ErrorKind};

const KINDS: &str = "// BEGIN generated from the ErrorKind table";
const FIELDS: &str = "// BEGIN generated fields from the ErrorField table";
const OPTIONS: &str = "// BEGIN generated options from the ErrorField table";
const END: &str = "// END generated";

/// One `export class … extends ArvakError {}` per kind (the same text in the .js and the .d.ts).
fn subclasses() -> String {
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

fn js_block() -> String {
    let mut out = subclasses();
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
    subclasses()
}

/// `{indent}/** doc */\n{indent}{line}\n` for every field.
fn per_field(indent: &str, line: impl Fn(ErrorField) -> String) -> String {
    ErrorField::ALL
        .iter()
        .map(|&f| format!("{indent}/** {} */\n{indent}{}\n", f.doc(), line(f)))
        .collect()
}

/// Replaces the text between the `begin` line and the next END marker line of `path` with
/// `block`; returns whether the file already held exactly that.
fn check(path: &str, begin: &str, block: &str) -> bool {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&full).expect("read generated file");
    let begin = text.find(begin).expect("BEGIN marker");
    let body = text[begin..].find('\n').expect("BEGIN line") + begin + 1;
    let end_marker = text[body..].find(END).expect("END marker") + body;
    // The END line keeps its indentation.
    let end = text[..end_marker]
        .rfind('\n')
        .map_or(end_marker, |i| i + 1)
        .max(body);
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
        check("js/errors.js", KINDS, &js_block()),
        "js/errors.js differs from ErrorKind: run ARVAK_BLESS=1 cargo test --test generated_js"
    );
}

#[test]
fn ts_error_classes_match_the_kind_table() {
    assert!(
        check("js/errors.d.ts", KINDS, &dts_block()),
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

#[test]
fn error_properties_match_the_field_table() {
    let bless = "run ARVAK_BLESS=1 cargo test --test generated_js";
    let constructor = per_field("    ", |f| {
        format!(
            "this.{0} = options.{0} ?? {1};",
            f.js_name(),
            f.js_default()
        )
    });
    assert!(
        check("js/errors.js", FIELDS, &constructor),
        "js/errors.js constructor: {bless}"
    );
    let options = per_field("  ", |f| format!("{}?: {};", f.js_name(), f.ts_type()));
    assert!(
        check("js/errors.d.ts", OPTIONS, &options),
        "ArvakErrorOptions: {bless}"
    );
    let fields = per_field("  ", |f| {
        format!("readonly {}: {};", f.js_name(), f.ts_type())
    });
    assert!(
        check("js/errors.d.ts", FIELDS, &fields),
        "class ArvakError: {bless}"
    );
    assert!(
        check("src/bindings/types.rs", FIELDS, &fields),
        "ArvakErrorInfo: {bless}"
    );
}
