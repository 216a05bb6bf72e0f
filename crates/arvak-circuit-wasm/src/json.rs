//! The JSON text the exports answer with (a few shapes, no serde).

use arvak_circuit::validate::{Diagnostic, Report};

/// A JSON string literal.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An object from keys and already-encoded values.
pub fn object(fields: &[(&str, String)]) -> String {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{v}", string(k)))
        .collect();
    format!("{{{}}}", body.join(","))
}

/// `{"error": {"kind": …, "message": …}}`.
pub fn error(kind: &str, message: &str) -> String {
    object(&[(
        "error",
        object(&[("kind", string(kind)), ("message", string(message))]),
    )])
}

/// Counts as an object, in the given order.
pub fn counts(counts: &[(String, u64)]) -> String {
    let fields: Vec<(&str, String)> = counts
        .iter()
        .map(|(k, n)| (k.as_str(), n.to_string()))
        .collect();
    object(&fields)
}

fn diagnostic(d: &Diagnostic) -> String {
    object(&[
        ("severity", string(d.severity.as_str())),
        ("message", string(&d.message)),
        ("line", d.line.to_string()),
        ("column", d.column.to_string()),
        ("endLine", d.end_line.to_string()),
        ("endColumn", d.end_column.to_string()),
        ("start", d.utf16_span.start.to_string()),
        ("end", d.utf16_span.end.to_string()),
    ])
}

/// A validation report (the `ValidationReport` of js/circuit/index.d.ts; `start`/`end` are
/// UTF-16 offsets, as JavaScript indexes strings).
pub fn report(r: &Report) -> String {
    let diagnostics: Vec<String> = r.diagnostics.iter().map(diagnostic).collect();
    object(&[
        ("ok", r.ok.to_string()),
        ("qubits", r.qubits.to_string()),
        ("clbits", r.clbits.to_string()),
        ("gates", r.gates.to_string()),
        ("operations", r.operations.to_string()),
        ("depth", r.depth.to_string()),
        ("diagnostics", format!("[{}]", diagnostics.join(","))),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_what_json_requires() {
        assert_eq!(string("a\"b\\c\n\u{1}ψ"), "\"a\\\"b\\\\c\\n\\u0001ψ\"");
        assert_eq!(
            error("invalid", "x"),
            "{\"error\":{\"kind\":\"invalid\",\"message\":\"x\"}}"
        );
    }
}
