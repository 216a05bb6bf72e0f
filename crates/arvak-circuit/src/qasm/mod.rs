//! The OpenQASM 3 front end: source text → [`Circuit`], accepting and rejecting exactly
//! the subset of spec §10 with its messages (§10.4).
//!
//! Pipeline: [`lexer`] (tokens) → [`parser`] (statements, syntax only) → [`lower`] (names,
//! gates, parameters → circuit). The whole program is checked for syntax first: a syntax
//! error anywhere wins over a semantic error (undefined register, unknown gate, …) in an
//! earlier statement; among semantic errors the first in program order wins.
//!
//! No input makes it panic, recurse without bound or allocate without bound: expression
//! nesting is capped at [`MAX_EXPRESSION_DEPTH`], register sizes at [`MAX_REGISTER_SIZE`],
//! totals at [`MAX_TOTAL_BITS`], and the expanded circuit at [`MAX_OPERATIONS`] operations
//! and [`MAX_QUBIT_OPERANDS`] qubit operands (all reported as `Parse error: …`). These
//! caps are far above the service's complexity limits (200 qubits, 50 000 operations by
//! default), which the caller checks on the result.

mod error;
mod expr;
mod lexer;
mod lower;
mod parser;

#[cfg(test)]
mod tests;

pub use error::ParseError;

use crate::circuit::Circuit;

/// Deepest accepted nesting of parentheses / unary operators in an expression.
pub const MAX_EXPRESSION_DEPTH: usize = 256;

/// Largest accepted size of one `qubit[n]` / `bit[n]` register.
pub const MAX_REGISTER_SIZE: usize = 100_000;

/// Largest accepted total number of qubits, and separately of classical bits.
pub const MAX_TOTAL_BITS: usize = 100_000;

/// Largest accepted number of operations after broadcast expansion.
pub const MAX_OPERATIONS: usize = 1_000_000;

/// Largest accepted sum over all operations of the qubits each touches.
pub const MAX_QUBIT_OPERANDS: usize = 4_000_000;

/// A rejected program: why, and the byte range of the source to blame (the offending token
/// or character for syntax errors; the operand, gate name, parameter or statement for the
/// rest; an empty range at the end for a program that ends early).
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// The error; `Display` is the parser message of spec §10.4.
    pub error: ParseError,
    /// Byte range of the source (`start..end`, `start == end` at the end of input).
    pub span: std::ops::Range<usize>,
}

/// Parses an OpenQASM 3 program into a [`Circuit`].
///
/// Registers get consecutive global indices in declaration order; broadcasts are
/// expanded; `id` gates, `include`, `gate` definitions and classical assignments are
/// dropped. `Display` of the error is the parser message of spec §10.4.
pub fn parse(source: &str) -> Result<Circuit, ParseError> {
    parse_located(source).map_err(|r| r.error)
}

/// A parsed program with where each part came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    /// The circuit.
    pub circuit: Circuit,
    /// For each operation of [`Circuit::ops`], the byte range of its statement.
    pub op_spans: Vec<std::ops::Range<usize>>,
    /// The byte range of the last `qubit` declaration (`None` without one).
    pub last_qubit_decl: Option<std::ops::Range<usize>>,
}

/// [`parse`], with the source span of the error.
pub fn parse_located(source: &str) -> Result<Circuit, Rejection> {
    parse_with_spans(source).map(|l| l.circuit)
}

/// [`parse_located`], also telling where each operation was written.
pub fn parse_with_spans(source: &str) -> Result<Located, Rejection> {
    let mut parser = parser::Parser::new(source);
    let at_parser = |parser: &parser::Parser<'_>, error: ParseError| {
        let (start, end) = parser.error_span(&error);
        Rejection {
            error,
            span: start..end,
        }
    };
    if let Err(e) = parser.header() {
        return Err(at_parser(&parser, e));
    }
    let mut lowerer = lower::Lowerer::new();
    let mut semantic_error: Option<Rejection> = None;
    let mut op_spans = Vec::new();
    let mut last_qubit_decl = None;
    loop {
        let stmt = match parser.next_statement() {
            Ok(Some(stmt)) => stmt,
            Ok(None) => break,
            Err(e) => return Err(at_parser(&parser, e)),
        };
        if semantic_error.is_none() {
            let is_qubit_decl = matches!(stmt, parser::Stmt::QubitDecl { .. });
            let (start, end) = parser.statement_span();
            let applied = lowerer.apply(stmt);
            op_spans.resize(lowerer.operation_count(), start..end);
            if is_qubit_decl && applied.is_ok() {
                last_qubit_decl = Some(start..end);
            }
            if let Err(error) = applied {
                let (start, end) = lowerer.error_span().unwrap_or(parser.statement_span());
                semantic_error = Some(Rejection {
                    error,
                    span: start..end,
                });
            }
        }
    }
    match semantic_error {
        Some(e) => Err(e),
        None => Ok(Located {
            circuit: lowerer.finish(),
            op_spans,
            last_qubit_decl,
        }),
    }
}
