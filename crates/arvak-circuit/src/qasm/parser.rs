//! The OpenQASM 3 parser: tokens → one [`Stmt`] at a time (syntax only).
//!
//! Names are not resolved here; [`super::lower`] does that. Unsupported-but-recognised
//! constructs (`if`, `for`) are parsed far enough to report the spec's syntax errors and
//! then become [`Stmt::Unsupported`]. Recursion happens only inside expressions and is
//! bounded by [`MAX_EXPRESSION_DEPTH`]; blocks are skipped by counting braces.

use super::error::ParseError;
use super::expr::{self, BinOp, Value};
use super::lexer::{Keyword, Lexer, Token, TokenKind};
use super::MAX_EXPRESSION_DEPTH;

/// A byte range of the source, `(start, end)`.
pub(crate) type Span = (usize, usize);

/// A register operand: `name` or `name[index]`, and where it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Operand<'a> {
    pub name: &'a str,
    pub index: Option<u64>,
    pub span: Span,
}

/// A gate parameter: its value and its source text (kept for symbolic parameters).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParamExpr<'a> {
    pub value: Value,
    pub text: &'a str,
    pub span: Span,
}

/// One statement after the header.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Stmt<'a> {
    /// Parsed and ignored: `include`, `gate` definitions, classical assignments.
    Ignored,
    /// `qubit[n] name;` (`size` is `None` without brackets).
    QubitDecl { name: &'a str, size: Option<u64> },
    /// `bit[n] name;`.
    BitDecl { name: &'a str, size: Option<u64> },
    /// `name(params) operands;`.
    GateCall {
        name: &'a str,
        name_span: Span,
        params: Vec<ParamExpr<'a>>,
        operands: Vec<Operand<'a>>,
    },
    /// Every `measure` form; `target` is `None` for `measure q;`.
    Measure {
        source: Operand<'a>,
        target: Option<Operand<'a>>,
    },
    /// `reset q;`.
    Reset(Operand<'a>),
    /// `barrier …;` (empty: all qubits).
    Barrier(Vec<Operand<'a>>),
    /// `delay[d] …;` (empty: all qubits).
    Delay(Vec<Operand<'a>>),
    /// Recognised but not supported; the text follows `Parse error: `.
    Unsupported(&'static str),
}

/// The parser state: a lexer with one token of lookahead.
pub(crate) struct Parser<'a> {
    lexer: Lexer<'a>,
    src: &'a str,
    peeked: Option<Option<Token<'a>>>,
    last_start: usize,
    last_end: usize,
    statement_start: usize,
}

fn unexpected(tok: Option<Token<'_>>, expected: &str) -> ParseError {
    match tok {
        Some(t) => ParseError::UnexpectedToken {
            line: t.line,
            expected: expected.to_string(),
            found: t.text.to_string(),
        },
        None => ParseError::UnexpectedEof {
            expected: expected.to_string(),
        },
    }
}

impl<'a> Parser<'a> {
    /// A parser at the start of `src`.
    pub fn new(src: &'a str) -> Self {
        Parser {
            lexer: Lexer::new(src),
            src,
            peeked: None,
            last_start: 0,
            last_end: 0,
            statement_start: 0,
        }
    }

    fn peek(&mut self) -> Result<Option<Token<'a>>, ParseError> {
        if let Some(t) = self.peeked {
            return Ok(t);
        }
        let t = self.lexer.next_token()?;
        self.peeked = Some(t);
        Ok(t)
    }

    fn bump(&mut self) -> Result<Option<Token<'a>>, ParseError> {
        let t = match self.peeked.take() {
            Some(t) => t,
            None => self.lexer.next_token()?,
        };
        if let Some(tok) = t {
            self.last_start = tok.start;
            self.last_end = tok.end;
        }
        Ok(t)
    }

    fn peek_kind(&mut self) -> Result<Option<TokenKind>, ParseError> {
        Ok(self.peek()?.map(|t| t.kind))
    }

    fn at(&mut self, kind: TokenKind) -> Result<bool, ParseError> {
        Ok(self.peek_kind()? == Some(kind))
    }

    fn eat(&mut self, kind: TokenKind) -> Result<bool, ParseError> {
        if self.at(kind)? {
            self.bump()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn expect(&mut self, kind: TokenKind, expected: &str) -> Result<Token<'a>, ParseError> {
        match self.peek()? {
            Some(t) if t.kind == kind => {
                self.bump()?;
                Ok(t)
            }
            other => Err(unexpected(other, expected)),
        }
    }

    fn expect_ident(&mut self) -> Result<&'a str, ParseError> {
        Ok(self.expect(TokenKind::Ident, "identifier")?.text)
    }

    /// A non-negative decimal integer literal (sizes, indices, durations).
    fn expect_int(&mut self) -> Result<u64, ParseError> {
        let tok = self.expect(TokenKind::Int, "integer")?;
        tok.text.parse::<u64>().map_err(|_| {
            ParseError::unsupported(format!("Integer literal out of range: {}", tok.text))
        })
    }

    /// `OPENQASM <number>;` — required first.
    pub fn header(&mut self) -> Result<(), ParseError> {
        match self.peek()? {
            Some(t) if t.kind == TokenKind::Keyword(Keyword::OpenQasm) => {
                self.bump()?;
            }
            other => return Err(unexpected(other, "OPENQASM")),
        }
        match self.bump()? {
            Some(t) if matches!(t.kind, TokenKind::Int | TokenKind::Float) => {}
            Some(t) => return Err(ParseError::InvalidVersion(t.text.to_string())),
            None => return Err(unexpected(None, "version number")),
        }
        self.expect(TokenKind::Semicolon, ";")?;
        Ok(())
    }

    /// Where the parser stopped on `err`: the offending character for a lexer error, else the
    /// token it was looking at (the end of input if there was none), else the last token taken.
    pub fn error_span(&self, err: &ParseError) -> Span {
        if let ParseError::Lexer { position, .. } = err {
            let len = self
                .src
                .get(*position..)
                .and_then(|rest| rest.chars().next())
                .map_or(0, char::len_utf8);
            return (*position, position + len);
        }
        match self.peeked {
            Some(Some(tok)) => (tok.start, tok.end),
            Some(None) => (self.src.len(), self.src.len()),
            None => (self.last_start, self.last_end),
        }
    }

    /// The span of the statement [`Parser::next_statement`] returned last.
    pub fn statement_span(&self) -> Span {
        (self.statement_start, self.last_end)
    }

    /// The next statement, `Ok(None)` at end of input.
    pub fn next_statement(&mut self) -> Result<Option<Stmt<'a>>, ParseError> {
        let Some(tok) = self.peek()? else {
            return Ok(None);
        };
        self.statement_start = tok.start;
        let stmt = match tok.kind {
            TokenKind::Keyword(Keyword::Include) => {
                self.bump()?;
                self.expect(TokenKind::Str, "string")?;
                self.expect(TokenKind::Semicolon, ";")?;
                Stmt::Ignored
            }
            TokenKind::Keyword(kw @ (Keyword::Qubit | Keyword::Bit)) => {
                self.bump()?;
                let size = if self.eat(TokenKind::LBracket)? {
                    let n = self.expect_int()?;
                    self.expect(TokenKind::RBracket, "]")?;
                    Some(n)
                } else {
                    None
                };
                let name = self.expect_ident()?;
                self.expect(TokenKind::Semicolon, ";")?;
                if kw == Keyword::Qubit {
                    Stmt::QubitDecl { name, size }
                } else {
                    Stmt::BitDecl { name, size }
                }
            }
            TokenKind::Keyword(Keyword::Measure) => {
                self.bump()?;
                let source = self.operand()?;
                let target = if self.eat(TokenKind::Arrow)? {
                    Some(self.operand()?)
                } else {
                    None
                };
                self.expect(TokenKind::Semicolon, ";")?;
                Stmt::Measure { source, target }
            }
            TokenKind::Keyword(Keyword::Reset) => {
                self.bump()?;
                let operand = self.operand()?;
                self.expect(TokenKind::Semicolon, ";")?;
                Stmt::Reset(operand)
            }
            TokenKind::Keyword(Keyword::Barrier) => {
                self.bump()?;
                let operands = self.operand_list()?;
                self.expect(TokenKind::Semicolon, ";")?;
                Stmt::Barrier(operands)
            }
            TokenKind::Keyword(Keyword::Delay) => {
                self.bump()?;
                self.expect(TokenKind::LBracket, "[")?;
                self.expect_int()?;
                // Optional unit (`ns`, `us`, `dt`, …), discarded.
                self.eat(TokenKind::Ident)?;
                self.expect(TokenKind::RBracket, "]")?;
                let operands = self.operand_list()?;
                self.expect(TokenKind::Semicolon, ";")?;
                Stmt::Delay(operands)
            }
            TokenKind::Keyword(Keyword::Gate) => {
                self.bump()?;
                self.expect_ident()?;
                // Parameter and qubit lists up to the body, then the body: all ignored.
                loop {
                    match self.peek()? {
                        Some(t) if t.kind == TokenKind::LBrace => break,
                        Some(t) if matches!(t.kind, TokenKind::Semicolon | TokenKind::RBrace) => {
                            return Err(unexpected(Some(t), "{"))
                        }
                        None => return Err(unexpected(None, "{")),
                        Some(_) => {
                            self.bump()?;
                        }
                    }
                }
                self.skip_balanced()?;
                Stmt::Ignored
            }
            TokenKind::Keyword(Keyword::If) => {
                self.bump()?;
                self.expect(TokenKind::LParen, "(")?;
                self.expr(0)?;
                self.expect(TokenKind::RParen, ")")?;
                self.skip_body()?;
                while self.eat(TokenKind::Keyword(Keyword::Else))? {
                    self.skip_body()?;
                }
                Stmt::Unsupported("If statements not yet supported")
            }
            TokenKind::Keyword(Keyword::For) => {
                self.bump()?;
                // `for [type] name in <range | set | name> body`
                loop {
                    match self.peek()? {
                        Some(t) if t.kind == TokenKind::Keyword(Keyword::In) => break,
                        Some(t)
                            if matches!(
                                t.kind,
                                TokenKind::Semicolon | TokenKind::LBrace | TokenKind::RBrace
                            ) =>
                        {
                            return Err(unexpected(Some(t), "in"))
                        }
                        None => return Err(unexpected(None, "in")),
                        Some(_) => {
                            self.bump()?;
                        }
                    }
                }
                self.bump()?;
                match self.peek_kind()? {
                    Some(TokenKind::LBracket | TokenKind::LBrace) => self.skip_balanced()?,
                    Some(_) => {
                        self.bump()?;
                    }
                    None => return Err(unexpected(None, "range")),
                }
                self.skip_body()?;
                Stmt::Unsupported("For loops not yet supported")
            }
            TokenKind::Ident => {
                self.bump()?;
                self.ident_statement(tok)?
            }
            _ => return Err(unexpected(Some(tok), "statement")),
        };
        Ok(Some(stmt))
    }

    /// A statement starting with an identifier: assignment or gate call.
    fn ident_statement(&mut self, name_tok: Token<'a>) -> Result<Stmt<'a>, ParseError> {
        let name = name_tok.text;
        let name_span = (name_tok.start, name_tok.end);
        let target = if self.eat(TokenKind::Assign)? {
            Some(Operand {
                name,
                index: None,
                span: name_span,
            })
        } else if self.eat(TokenKind::LBracket)? {
            let index = self.expect_int()?;
            self.expect(TokenKind::RBracket, "]")?;
            let span = (name_tok.start, self.last_end);
            self.expect(TokenKind::Assign, "=")?;
            Some(Operand {
                name,
                index: Some(index),
                span,
            })
        } else {
            None
        };
        if let Some(target) = target {
            if self.eat(TokenKind::Keyword(Keyword::Measure))? {
                let source = self.operand()?;
                self.expect(TokenKind::Semicolon, ";")?;
                return Ok(Stmt::Measure {
                    source,
                    target: Some(target),
                });
            }
            // Classical assignment: parsed, ignored.
            self.expr(0)?;
            self.expect(TokenKind::Semicolon, ";")?;
            return Ok(Stmt::Ignored);
        }
        let mut params = Vec::new();
        if self.eat(TokenKind::LParen)? {
            if !self.at(TokenKind::RParen)? {
                loop {
                    params.push(self.param()?);
                    if !self.eat(TokenKind::Comma)? {
                        break;
                    }
                }
            }
            self.expect(TokenKind::RParen, ")")?;
        }
        let operands = self.operand_list()?;
        self.expect(TokenKind::Semicolon, ";")?;
        Ok(Stmt::GateCall {
            name,
            name_span,
            params,
            operands,
        })
    }

    fn param(&mut self) -> Result<ParamExpr<'a>, ParseError> {
        let start = self.peek()?.map_or(self.last_end, |t| t.start);
        let value = self.expr(0)?;
        let text = self.src.get(start..self.last_end).unwrap_or("").trim();
        Ok(ParamExpr {
            value,
            text,
            span: (start, self.last_end),
        })
    }

    fn operand(&mut self) -> Result<Operand<'a>, ParseError> {
        let name = self.expect_ident()?;
        let start = self.last_start;
        let index = if self.eat(TokenKind::LBracket)? {
            let i = self.expect_int()?;
            self.expect(TokenKind::RBracket, "]")?;
            Some(i)
        } else {
            None
        };
        Ok(Operand {
            name,
            index,
            span: (start, self.last_end),
        })
    }

    /// Comma-separated operands, possibly none (before `;`).
    fn operand_list(&mut self) -> Result<Vec<Operand<'a>>, ParseError> {
        let mut operands = Vec::new();
        if self.at(TokenKind::Semicolon)? {
            return Ok(operands);
        }
        loop {
            operands.push(self.operand()?);
            if !self.eat(TokenKind::Comma)? {
                return Ok(operands);
            }
        }
    }

    /// Skips a bracketed group starting at the current opener, nesting of all kinds counted.
    fn skip_balanced(&mut self) -> Result<(), ParseError> {
        let mut depth = 0usize;
        loop {
            let Some(tok) = self.bump()? else {
                return Err(unexpected(None, "}"));
            };
            match tok.kind {
                TokenKind::LParen | TokenKind::LBracket | TokenKind::LBrace => depth += 1,
                TokenKind::RParen | TokenKind::RBracket | TokenKind::RBrace => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
    }

    /// Skips the body of an `if`/`else`/`for`: a `{ … }` block, or one statement ending
    /// at `;` (or at a top-level block's closing `}`, as in `else if (…) { … }`).
    fn skip_body(&mut self) -> Result<(), ParseError> {
        if self.at(TokenKind::LBrace)? {
            return self.skip_balanced();
        }
        let mut depth = 0usize;
        loop {
            let Some(tok) = self.bump()? else {
                return Err(unexpected(None, ";"));
            };
            match tok.kind {
                TokenKind::LParen | TokenKind::LBracket | TokenKind::LBrace => depth += 1,
                TokenKind::RParen | TokenKind::RBracket => depth = depth.saturating_sub(1),
                TokenKind::RBrace => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Ok(());
                    }
                }
                TokenKind::Semicolon if depth == 0 => return Ok(()),
                _ => {}
            }
        }
    }

    // ---- expressions -------------------------------------------------------------------

    fn expr(&mut self, depth: usize) -> Result<Value, ParseError> {
        self.binary(1, depth)
    }

    /// Precedence climbing over the left-associative binary operators.
    fn binary(&mut self, min_prec: u8, depth: usize) -> Result<Value, ParseError> {
        let mut lhs = self.unary(depth)?;
        loop {
            let Some(op) = self.peek_kind()?.and_then(BinOp::from_token) else {
                return Ok(lhs);
            };
            if op.precedence() < min_prec {
                return Ok(lhs);
            }
            self.bump()?;
            let rhs = self.binary(op.precedence() + 1, depth)?;
            lhs = expr::binary(op, lhs, rhs);
        }
    }

    fn unary(&mut self, depth: usize) -> Result<Value, ParseError> {
        if depth > MAX_EXPRESSION_DEPTH {
            return Err(ParseError::NestingTooDeep {
                max: MAX_EXPRESSION_DEPTH,
            });
        }
        match self.peek_kind()? {
            Some(TokenKind::Minus) => {
                self.bump()?;
                Ok(expr::negate(self.unary(depth + 1)?))
            }
            Some(TokenKind::Bang) => {
                self.bump()?;
                Ok(expr::unary_unsupported("Not", self.unary(depth + 1)?))
            }
            Some(TokenKind::Tilde) => {
                self.bump()?;
                Ok(expr::unary_unsupported("BitNot", self.unary(depth + 1)?))
            }
            _ => {
                let base = self.primary(depth)?;
                if self.eat(TokenKind::StarStar)? {
                    // Right-associative; binds tighter than a unary minus on its left.
                    let exponent = self.unary(depth + 1)?;
                    Ok(expr::power(base, exponent))
                } else {
                    Ok(base)
                }
            }
        }
    }

    fn primary(&mut self, depth: usize) -> Result<Value, ParseError> {
        let tok = self.peek()?;
        match tok.map(|t| t.kind) {
            Some(TokenKind::Int | TokenKind::Float) => {
                self.bump()?;
                Ok(expr::literal(tok.map_or("", |t| t.text)))
            }
            Some(TokenKind::Ident) => {
                self.bump()?;
                let name = tok.map_or("", |t| t.text);
                if self.eat(TokenKind::LParen)? {
                    let mut args = Vec::new();
                    if !self.at(TokenKind::RParen)? {
                        loop {
                            args.push(self.expr(depth + 1)?);
                            if !self.eat(TokenKind::Comma)? {
                                break;
                            }
                        }
                    }
                    self.expect(TokenKind::RParen, ")")?;
                    Ok(expr::call(name, args))
                } else {
                    Ok(expr::identifier(name))
                }
            }
            Some(TokenKind::LParen) => {
                self.bump()?;
                let v = self.expr(depth + 1)?;
                self.expect(TokenKind::RParen, ")")?;
                Ok(v)
            }
            _ => Err(unexpected(tok, "expression")),
        }
    }
}
