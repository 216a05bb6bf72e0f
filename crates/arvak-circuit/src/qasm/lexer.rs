//! The OpenQASM 3 lexer: source text → tokens with 1-based line numbers.
//!
//! Streaming (one token at a time) so that huge inputs need no token buffer. Comments
//! (`// …`, `/* … */`) and whitespace are skipped. Never panics: all slicing goes through
//! `str::get` and positions only move by whole characters.

use super::error::ParseError;

/// Reserved words. Anything else that looks like a name is an identifier — including
/// `qreg`, `creg`, `U`, `CX`, `ctrl`, `inv`, `pi` (spec §10.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keyword {
    OpenQasm,
    Include,
    Qubit,
    Bit,
    Measure,
    Reset,
    Barrier,
    Delay,
    Gate,
    If,
    Else,
    For,
    In,
    /// A reserved word no supported statement starts with (`while`, `def`, `int`, …): the
    /// parser answers `expected statement, found <kw>`.
    Other,
}

const KEYWORDS: &[(&str, Keyword)] = &[
    ("OPENQASM", Keyword::OpenQasm),
    ("include", Keyword::Include),
    ("qubit", Keyword::Qubit),
    ("bit", Keyword::Bit),
    ("measure", Keyword::Measure),
    ("reset", Keyword::Reset),
    ("barrier", Keyword::Barrier),
    ("delay", Keyword::Delay),
    ("gate", Keyword::Gate),
    ("if", Keyword::If),
    ("else", Keyword::Else),
    ("for", Keyword::For),
    ("in", Keyword::In),
    ("while", Keyword::Other),
    ("def", Keyword::Other),
    ("return", Keyword::Other),
    ("break", Keyword::Other),
    ("continue", Keyword::Other),
    ("end", Keyword::Other),
    ("input", Keyword::Other),
    ("output", Keyword::Other),
    ("const", Keyword::Other),
    ("mutable", Keyword::Other),
    ("readonly", Keyword::Other),
    ("let", Keyword::Other),
    ("extern", Keyword::Other),
    ("box", Keyword::Other),
    ("switch", Keyword::Other),
    ("case", Keyword::Other),
    ("default", Keyword::Other),
    ("int", Keyword::Other),
    ("uint", Keyword::Other),
    ("float", Keyword::Other),
    ("bool", Keyword::Other),
    ("angle", Keyword::Other),
    ("complex", Keyword::Other),
    ("duration", Keyword::Other),
    ("stretch", Keyword::Other),
    ("array", Keyword::Other),
    ("void", Keyword::Other),
    ("defcal", Keyword::Other),
    ("defcalgrammar", Keyword::Other),
    ("cal", Keyword::Other),
    ("opaque", Keyword::Other),
];

/// Token categories. The source text of every token is kept in [`Token::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Ident,
    Keyword(Keyword),
    /// Decimal integer literal (digits only; the value is parsed where it is used).
    Int,
    /// Float literal (`3.0`, `.5`, `1e-3`).
    Float,
    /// String literal, quotes included in the text.
    Str,
    /// Physical qubit `$0` (not supported; only reported as "found $0").
    HardwareQubit,
    Semicolon,
    Comma,
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Colon,
    Assign,
    Arrow,
    At,
    Plus,
    Minus,
    Star,
    StarStar,
    Slash,
    Percent,
    EqEq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    Shl,
    Shr,
    Amp,
    AmpAmp,
    Pipe,
    PipePipe,
    Caret,
    Tilde,
    Bang,
}

/// One token: its kind, source text, 1-based line and byte span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub kind: TokenKind,
    pub text: &'a str,
    pub line: usize,
    pub start: usize,
    pub end: usize,
}

/// The streaming lexer.
pub(crate) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    line: usize,
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `src`.
    pub fn new(src: &'a str) -> Self {
        // A leading byte-order mark (as some editors write) is not part of the program.
        let pos = if src.starts_with('\u{FEFF}') {
            '\u{FEFF}'.len_utf8()
        } else {
            0
        };
        Lexer { src, pos, line: 1 }
    }

    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek_char(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_char2(&self) -> Option<char> {
        let mut it = self.rest().chars();
        it.next();
        it.next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek_char()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn error(&self, position: usize, message: impl Into<String>) -> ParseError {
        ParseError::Lexer {
            position,
            message: message.into(),
        }
    }

    /// Skips whitespace and comments.
    fn skip_trivia(&mut self) -> Result<(), ParseError> {
        loop {
            match (self.peek_char(), self.peek_char2()) {
                (Some(c), _) if c.is_whitespace() => {
                    self.bump();
                }
                (Some('/'), Some('/')) => {
                    while let Some(c) = self.peek_char() {
                        if c == '\n' {
                            break;
                        }
                        self.bump();
                    }
                }
                (Some('/'), Some('*')) => {
                    let start = self.pos;
                    self.bump();
                    self.bump();
                    loop {
                        match self.bump() {
                            None => return Err(self.error(start, "unterminated block comment")),
                            Some('*') if self.peek_char() == Some('/') => {
                                self.bump();
                                break;
                            }
                            Some(_) => {}
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    /// The next token, `Ok(None)` at end of input.
    pub fn next_token(&mut self) -> Result<Option<Token<'a>>, ParseError> {
        self.skip_trivia()?;
        let start = self.pos;
        let line = self.line;
        let Some(c) = self.bump() else {
            return Ok(None);
        };
        let kind = match c {
            ';' => TokenKind::Semicolon,
            ',' => TokenKind::Comma,
            '(' => TokenKind::LParen,
            ')' => TokenKind::RParen,
            '[' => TokenKind::LBracket,
            ']' => TokenKind::RBracket,
            '{' => TokenKind::LBrace,
            '}' => TokenKind::RBrace,
            ':' => TokenKind::Colon,
            '@' => TokenKind::At,
            '+' => TokenKind::Plus,
            '/' => TokenKind::Slash,
            '%' => TokenKind::Percent,
            '^' => TokenKind::Caret,
            '~' => TokenKind::Tilde,
            '-' => self.two('>', TokenKind::Arrow, TokenKind::Minus),
            '*' => self.two('*', TokenKind::StarStar, TokenKind::Star),
            '=' => self.two('=', TokenKind::EqEq, TokenKind::Assign),
            '!' => self.two('=', TokenKind::NotEq, TokenKind::Bang),
            '&' => self.two('&', TokenKind::AmpAmp, TokenKind::Amp),
            '|' => self.two('|', TokenKind::PipePipe, TokenKind::Pipe),
            '<' => match self.peek_char() {
                Some('=') => {
                    self.bump();
                    TokenKind::Le
                }
                Some('<') => {
                    self.bump();
                    TokenKind::Shl
                }
                _ => TokenKind::Lt,
            },
            '>' => match self.peek_char() {
                Some('=') => {
                    self.bump();
                    TokenKind::Ge
                }
                Some('>') => {
                    self.bump();
                    TokenKind::Shr
                }
                _ => TokenKind::Gt,
            },
            '"' | '\'' => {
                loop {
                    match self.bump() {
                        None | Some('\n') => {
                            return Err(self.error(start, "unterminated string literal"))
                        }
                        Some(q) if q == c => break,
                        Some(_) => {}
                    }
                }
                TokenKind::Str
            }
            '$' if self.peek_char().is_some_and(|d| d.is_ascii_digit()) => {
                while self.peek_char().is_some_and(|d| d.is_ascii_digit()) {
                    self.bump();
                }
                TokenKind::HardwareQubit
            }
            c if c.is_ascii_digit() => self.number(false),
            '.' if self.peek_char().is_some_and(|d| d.is_ascii_digit()) => self.number(true),
            c if is_ident_start(c) => {
                while self.peek_char().is_some_and(is_ident_continue) {
                    self.bump();
                }
                let text = self.src.get(start..self.pos).unwrap_or("");
                KEYWORDS
                    .iter()
                    .find(|(kw, _)| *kw == text)
                    .map_or(TokenKind::Ident, |&(_, k)| TokenKind::Keyword(k))
            }
            other => {
                return Err(self.error(start, format!("unexpected character {other:?}")));
            }
        };
        Ok(Some(Token {
            kind,
            text: self.src.get(start..self.pos).unwrap_or(""),
            line,
            start,
            end: self.pos,
        }))
    }

    /// A one- or two-character operator: `second` after the first char selects `long`.
    fn two(&mut self, second: char, long: TokenKind, short: TokenKind) -> TokenKind {
        if self.peek_char() == Some(second) {
            self.bump();
            long
        } else {
            short
        }
    }

    /// Rest of a number whose first character (a digit, or `.` when `after_dot`) is consumed.
    fn number(&mut self, after_dot: bool) -> TokenKind {
        let mut is_float = after_dot;
        while self.peek_char().is_some_and(|d| d.is_ascii_digit()) {
            self.bump();
        }
        if !after_dot && self.peek_char() == Some('.') {
            is_float = true;
            self.bump();
            while self.peek_char().is_some_and(|d| d.is_ascii_digit()) {
                self.bump();
            }
        }
        if matches!(self.peek_char(), Some('e' | 'E')) {
            let digit_follows = match self.peek_char2() {
                Some(d) if d.is_ascii_digit() => true,
                Some('+' | '-') => {
                    let mut it = self.rest().chars().skip(2);
                    it.next().is_some_and(|d| d.is_ascii_digit())
                }
                _ => false,
            };
            if digit_follows {
                is_float = true;
                self.bump();
                if matches!(self.peek_char(), Some('+' | '-')) {
                    self.bump();
                }
                while self.peek_char().is_some_and(|d| d.is_ascii_digit()) {
                    self.bump();
                }
            }
        }
        if is_float {
            TokenKind::Float
        } else {
            TokenKind::Int
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(src: &str) -> Result<Vec<(TokenKind, String, usize)>, ParseError> {
        let mut lexer = Lexer::new(src);
        let mut out = Vec::new();
        while let Some(t) = lexer.next_token()? {
            out.push((t.kind, t.text.to_string(), t.line));
        }
        Ok(out)
    }

    fn kinds(src: &str) -> Vec<TokenKind> {
        lex(src).unwrap().into_iter().map(|t| t.0).collect()
    }

    #[test]
    fn numbers() {
        use TokenKind::*;
        assert_eq!(
            kinds("3 3.0 .5 3. 1e-3 1E+2 2e5"),
            [Int, Float, Float, Float, Float, Float, Float]
        );
        // `2e` is an int followed by an identifier; `100ns` is a duration's int + unit.
        assert_eq!(kinds("2e 100ns"), [Int, Ident, Int, Ident]);
        assert_eq!(lex("1e-3").unwrap()[0].1, "1e-3");
        assert_eq!(kinds("1e-x"), [Int, Ident, Minus, Ident]);
    }

    #[test]
    fn operators_and_keywords() {
        use TokenKind::*;
        assert_eq!(
            kinds("-> - ** * == = != ! <= << < >= >> > && & || | ^ ~ @ % : $3"),
            [
                Arrow,
                Minus,
                StarStar,
                Star,
                EqEq,
                Assign,
                NotEq,
                Bang,
                Le,
                Shl,
                Lt,
                Ge,
                Shr,
                Gt,
                AmpAmp,
                Amp,
                PipePipe,
                Pipe,
                Caret,
                Tilde,
                At,
                Percent,
                Colon,
                HardwareQubit
            ]
        );
        assert_eq!(
            kinds("OPENQASM openqasm qreg while π"),
            [
                Keyword(super::Keyword::OpenQasm),
                Ident,
                Ident,
                Keyword(super::Keyword::Other),
                Ident
            ]
        );
    }

    #[test]
    fn comments_and_lines() {
        let toks = lex("// c\nqubit /* a\nb */ q; // x\n\"s.inc\"").unwrap();
        assert_eq!(toks.len(), 4);
        assert_eq!(toks[0].2, 2);
        assert_eq!(toks[1].2, 3);
        assert_eq!(toks[3], (TokenKind::Str, "\"s.inc\"".to_string(), 4));
    }

    #[test]
    fn errors() {
        assert_eq!(
            lex("qubit q; #").unwrap_err().to_string(),
            "Lexer error at position 9: unexpected character '#'"
        );
        assert_eq!(
            lex("ab /* open").unwrap_err().to_string(),
            "Lexer error at position 3: unterminated block comment"
        );
        assert_eq!(
            lex("include \"x").unwrap_err().to_string(),
            "Lexer error at position 8: unterminated string literal"
        );
        assert!(lex("$").is_err());
        assert_eq!(lex("\u{FEFF}qubit").unwrap().len(), 1);
        assert!(lex("qubit \u{FEFF}").is_err());
        assert!(lex(".").is_err());
        assert!(lex("\u{1F600}").is_err());
    }
}
