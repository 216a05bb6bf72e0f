//! [`ParseError`]: every way an OpenQASM 3 program can be rejected, with the exact message
//! patterns of spec §10.4.

use crate::circuit::CircuitError;

/// Why a program was rejected. `Display` gives the parser message the service wraps as
/// `[permanent] QASM parse error: {err}` (spec §6.1 step 3d).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseError {
    /// Bytes that form no token (`Lexer error at position 15: unexpected character '$'`).
    /// `position` is the 0-based byte offset.
    #[error("Lexer error at position {position}: {message}")]
    Lexer {
        /// 0-based byte offset of the offending character.
        position: usize,
        /// What went wrong.
        message: String,
    },
    /// A token that does not fit the grammar (`Unexpected token at line 1: expected
    /// OPENQASM, found invalid`). Lines are 1-based lines of the offending token.
    #[error("Unexpected token at line {line}: expected {expected}, found {found}")]
    UnexpectedToken {
        /// 1-based line of the token.
        line: usize,
        /// What the grammar wanted.
        expected: String,
        /// The token's source text.
        found: String,
    },
    /// The input ended early (`Unexpected end of input: expected OPENQASM`).
    #[error("Unexpected end of input: expected {expected}")]
    UnexpectedEof {
        /// What the grammar wanted.
        expected: String,
    },
    /// `OPENQASM` followed by something other than a number.
    #[error("Invalid OPENQASM version: {0}")]
    InvalidVersion(String),
    /// An operand names a register that was not declared (also how `qreg`/`creg` fail).
    #[error("Undefined identifier: {0}")]
    UndefinedIdentifier(String),
    /// A gate call names no built-in gate (the name is lower-cased).
    #[error("Unknown gate: {0}")]
    UnknownGate(String),
    /// A gate call resolved to the wrong number of qubits (`cx q;` on 3 qubits).
    #[error("Gate '{gate}' expects {expected} qubits, got {got}")]
    QubitCount {
        /// Canonical gate name.
        gate: String,
        /// The gate's arity.
        expected: usize,
        /// Qubits supplied.
        got: usize,
    },
    /// A gate call has the wrong number of parameters (`rx q[0];`).
    #[error("Gate '{gate}' expects {expected} parameters, got {got}")]
    ParamCount {
        /// Canonical gate name.
        gate: String,
        /// Parameters the gate takes.
        expected: usize,
        /// Parameters supplied.
        got: usize,
    },
    /// `q[i]` with `i >= size`.
    #[error("Index {index} out of bounds for register '{register}' of size {size}")]
    IndexOutOfBounds {
        /// The index written.
        index: u64,
        /// The register name.
        register: String,
        /// The register size.
        size: usize,
    },
    /// More than [`super::MAX_EXPRESSION_DEPTH`] nested parentheses / unary operators.
    #[error("Expression nesting too deep (max {max} levels)")]
    NestingTooDeep {
        /// The limit.
        max: usize,
    },
    /// The IR rejected an operation (`Circuit error: Duplicate qubit QubitId(0) in
    /// operation (gate: cx)`).
    #[error("Circuit error: {0}")]
    Circuit(#[from] CircuitError),
    /// Unsupported constructs and limits (`Parse error: If statements not yet supported`).
    #[error("Parse error: {0}")]
    Unsupported(String),
}

impl ParseError {
    /// The full status message SubmitJob / SubmitBatch answer with (spec §6.1 step 3d).
    pub fn service_message(&self) -> String {
        format!("[permanent] QASM parse error: {self}")
    }

    /// Shorthand for [`ParseError::Unsupported`].
    pub(crate) fn unsupported(message: impl Into<String>) -> Self {
        ParseError::Unsupported(message.into())
    }
}
