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

/// Parses an OpenQASM 3 program into a [`Circuit`].
///
/// Registers get consecutive global indices in declaration order; broadcasts are
/// expanded; `id` gates, `include`, `gate` definitions and classical assignments are
/// dropped. `Display` of the error is the parser message of spec §10.4.
pub fn parse(source: &str) -> Result<Circuit, ParseError> {
    let mut parser = parser::Parser::new(source);
    parser.header()?;
    let mut lowerer = lower::Lowerer::new();
    let mut semantic_error: Option<ParseError> = None;
    while let Some(stmt) = parser.next_statement()? {
        if semantic_error.is_none() {
            if let Err(e) = lowerer.apply(stmt) {
                semantic_error = Some(e);
            }
        }
    }
    match semantic_error {
        Some(e) => Err(e),
        None => Ok(lowerer.finish()),
    }
}
