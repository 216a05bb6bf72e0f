//! A small JSON syntax check (RFC 8259) that builds no value.
//!
//! The client only needs to know whether the server's `metadata_json` / `topology_json` text is
//! valid, `null`, an empty object or something else; the browser parses it with `JSON.parse`. A
//! checker this size keeps `serde_json`'s deserializer out of the wasm. Nesting deeper than
//! [`MAX_DEPTH`] counts as invalid, so hostile input cannot exhaust the stack.

/// The deepest nesting accepted (the same limit `serde_json` uses).
pub const MAX_DEPTH: usize = 128;

/// What a valid JSON text is, as far as the conversions care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    /// `null`
    Null,
    /// `{}` (with any whitespace inside)
    EmptyObject,
    /// A non-empty object.
    Object,
    /// An array.
    Array,
    /// A string, number or boolean.
    Scalar,
}

/// The kind of `text` if it is exactly one valid JSON value (surrounding whitespace allowed).
pub fn classify(text: &str) -> Option<JsonKind> {
    let mut p = Parser {
        b: text.as_bytes(),
        i: 0,
    };
    p.ws();
    let kind = p.value(0)?;
    p.ws();
    (p.i == p.b.len()).then_some(kind)
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i.checked_add(word.len())?;
        (self.b.get(self.i..end)? == word).then(|| self.i = end)
    }

    fn value(&mut self, depth: usize) -> Option<JsonKind> {
        match self.peek()? {
            b'{' => self.object(depth + 1),
            b'[' => self.array(depth + 1),
            b'"' => self.string().map(|_| JsonKind::Scalar),
            b't' => self.literal(b"true").map(|_| JsonKind::Scalar),
            b'f' => self.literal(b"false").map(|_| JsonKind::Scalar),
            b'n' => self.literal(b"null").map(|_| JsonKind::Null),
            b'-' | b'0'..=b'9' => self.number().map(|_| JsonKind::Scalar),
            _ => None,
        }
    }

    fn object(&mut self, depth: usize) -> Option<JsonKind> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.eat(b'{');
        self.ws();
        if self.eat(b'}') {
            return Some(JsonKind::EmptyObject);
        }
        loop {
            self.ws();
            self.string()?;
            self.ws();
            if !self.eat(b':') {
                return None;
            }
            self.ws();
            self.value(depth)?;
            self.ws();
            match self.bump()? {
                b',' => continue,
                b'}' => return Some(JsonKind::Object),
                _ => return None,
            }
        }
    }

    fn array(&mut self, depth: usize) -> Option<JsonKind> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.eat(b'[');
        self.ws();
        if self.eat(b']') {
            return Some(JsonKind::Array);
        }
        loop {
            self.ws();
            self.value(depth)?;
            self.ws();
            match self.bump()? {
                b',' => continue,
                b']' => return Some(JsonKind::Array),
                _ => return None,
            }
        }
    }

    fn string(&mut self) -> Option<()> {
        if !self.eat(b'"') {
            return None;
        }
        loop {
            match self.bump()? {
                b'"' => return Some(()),
                b'\\' => match self.bump()? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                    b'u' => {
                        for _ in 0..4 {
                            if !self.bump()?.is_ascii_hexdigit() {
                                return None;
                            }
                        }
                    }
                    _ => return None,
                },
                c if c < 0x20 => return None,
                _ => {}
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Option<()> {
        self.eat(b'-');
        if !self.eat(b'0') && self.digits() == 0 {
            return None;
        }
        if self.eat(b'.') && self.digits() == 0 {
            return None;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(classify("null"), Some(JsonKind::Null));
        assert_eq!(classify(" {} "), Some(JsonKind::EmptyObject));
        assert_eq!(classify("{ \n }"), Some(JsonKind::EmptyObject));
        assert_eq!(classify(r#"{"a":1}"#), Some(JsonKind::Object));
        assert_eq!(classify("[]"), Some(JsonKind::Array));
        assert_eq!(classify("[1, \"x\", {}]"), Some(JsonKind::Array));
        assert_eq!(classify("\"s\""), Some(JsonKind::Scalar));
        assert_eq!(classify("-0.5e+10"), Some(JsonKind::Scalar));
        assert_eq!(classify("true"), Some(JsonKind::Scalar));
        for bad in [
            "",
            " ",
            "{",
            "}",
            "{\"a\"}",
            "{\"a\":}",
            "{a:1}",
            "[1,]",
            "[,1]",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "1e+",
            "\"\\x\"",
            "\"\\u12\"",
            "\"a\nb\"",
            "nul",
            "truex",
            "{} {}",
            "[1] x",
            "{\"a\":1,}",
            "'a'",
            "NaN",
            "Infinity",
            "+1",
        ] {
            assert_eq!(classify(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn depth_is_limited() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert_eq!(classify(&ok), Some(JsonKind::Array));
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(classify(&deep), None);
        // Far deeper input is rejected without recursing into it.
        assert_eq!(classify(&"[".repeat(1_000_000)), None);
        assert_eq!(classify(&"{\"a\":".repeat(100_000)), None);
    }

    /// Differential test against serde_json on a deterministic corpus of mutated documents.
    #[test]
    fn agrees_with_serde_json() {
        let seeds = [
            r#"{"kind":"FullyConnected","edges":[[0,1],[0,2],[1,2]]}"#,
            r#"{"backend":"iqm","iqm_job_id":"abc","runtime_ms":12.5e-3}"#,
            r#"[true,false,null,-1,0.25,"\u00e9\n",{"x":[]}]"#,
            r#"{"Grid":{"rows":2,"cols":3}}"#,
            "null",
            "{}",
        ];
        let alphabet = b"{}[]:,\"\\ -+.eE0123456789abcnrtufl\n";
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut checked = 0;
        for seed in seeds {
            for _ in 0..3000 {
                let mut bytes = seed.as_bytes().to_vec();
                for _ in 0..(next() % 3 + 1) {
                    let pos = (next() as usize) % (bytes.len() + 1);
                    let c = alphabet[(next() as usize) % alphabet.len()];
                    match next() % 3 {
                        0 if pos < bytes.len() => {
                            bytes.remove(pos);
                        }
                        1 if pos < bytes.len() => bytes[pos] = c,
                        _ => bytes.insert(pos, c),
                    }
                }
                let Ok(text) = String::from_utf8(bytes) else {
                    continue;
                };
                let ours = classify(&text).is_some();
                let theirs = match serde_json::from_str::<serde_json::Value>(&text) {
                    Ok(_) => true,
                    // Syntactically valid, but beyond what serde_json's Value holds (JSON.parse
                    // gives Infinity / keeps the lone surrogate): valid for this checker.
                    Err(e) if e.to_string().contains("out of range") => true,
                    Err(e) if e.to_string().contains("surrogate") => true,
                    Err(_) => false,
                };
                assert_eq!(ours, theirs, "{text:?}");
                checked += 1;
            }
        }
        assert!(checked > 10_000);
    }
}
