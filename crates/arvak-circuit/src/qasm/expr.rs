//! Values of parameter expressions (spec §10.3), evaluated while parsing.
//!
//! Expressions are folded on the fly instead of being built into a tree, so a very long
//! expression (`1+1+…+1`) needs neither deep recursion to evaluate nor to drop. Evaluation
//! errors are *values* ([`Value::Invalid`]): whether they matter is decided later — a gate
//! parameter reports them, the (rejected anyway) condition of an `if` does not.

use super::error::ParseError;
use super::lexer::TokenKind;

/// The value of an expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// A number.
    Num(f64),
    /// Depends on an unbound identifier; the parameter keeps the source text.
    Sym,
    /// Evaluation failed (unsupported operator or function); reported if the value is used.
    Invalid(Box<ParseError>),
}

/// Binary operators the grammar knows. Only `+ - * /` evaluate; the others parse (so an
/// `if` condition is syntactically fine) but make the value [`Value::Invalid`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Or,
    And,
    BitOr,
    BitXor,
    BitAnd,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Shl,
    Shr,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl BinOp {
    /// The operator a token stands for (excluding `**`, handled as a tighter level).
    pub fn from_token(kind: TokenKind) -> Option<BinOp> {
        Some(match kind {
            TokenKind::PipePipe => BinOp::Or,
            TokenKind::AmpAmp => BinOp::And,
            TokenKind::Pipe => BinOp::BitOr,
            TokenKind::Caret => BinOp::BitXor,
            TokenKind::Amp => BinOp::BitAnd,
            TokenKind::EqEq => BinOp::Eq,
            TokenKind::NotEq => BinOp::Ne,
            TokenKind::Lt => BinOp::Lt,
            TokenKind::Le => BinOp::Le,
            TokenKind::Gt => BinOp::Gt,
            TokenKind::Ge => BinOp::Ge,
            TokenKind::Shl => BinOp::Shl,
            TokenKind::Shr => BinOp::Shr,
            TokenKind::Plus => BinOp::Add,
            TokenKind::Minus => BinOp::Sub,
            TokenKind::Star => BinOp::Mul,
            TokenKind::Slash => BinOp::Div,
            TokenKind::Percent => BinOp::Mod,
            _ => return None,
        })
    }

    /// Binding strength, 1 (loosest) to 10.
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::BitOr => 3,
            BinOp::BitXor => 4,
            BinOp::BitAnd => 5,
            BinOp::Eq | BinOp::Ne => 6,
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 7,
            BinOp::Shl | BinOp::Shr => 8,
            BinOp::Add | BinOp::Sub => 9,
            BinOp::Mul | BinOp::Div | BinOp::Mod => 10,
        }
    }

    /// Operator name used in `Unsupported operator in parameter: <name>`.
    fn name(self) -> &'static str {
        match self {
            BinOp::Or => "Or",
            BinOp::And => "And",
            BinOp::BitOr => "BitOr",
            BinOp::BitXor => "BitXor",
            BinOp::BitAnd => "BitAnd",
            BinOp::Eq => "Eq",
            BinOp::Ne => "Ne",
            BinOp::Lt => "Lt",
            BinOp::Le => "Le",
            BinOp::Gt => "Gt",
            BinOp::Ge => "Ge",
            BinOp::Shl => "Shl",
            BinOp::Shr => "Shr",
            BinOp::Add => "Add",
            BinOp::Sub => "Sub",
            BinOp::Mul => "Mul",
            BinOp::Div => "Div",
            BinOp::Mod => "Mod",
        }
    }
}

/// `Parse error: Unsupported operator in parameter: <name>` as a value.
pub(crate) fn unsupported_operator(name: &str) -> Value {
    Value::Invalid(Box::new(ParseError::unsupported(format!(
        "Unsupported operator in parameter: {name}"
    ))))
}

/// Combines two operand values; the first invalid operand wins, then the operator's own
/// support, then symbols.
pub(crate) fn binary(op: BinOp, lhs: Value, rhs: Value) -> Value {
    match (lhs, rhs) {
        (Value::Invalid(e), _) | (_, Value::Invalid(e)) => Value::Invalid(e),
        (l, r) => match op {
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => match (l, r) {
                (Value::Num(a), Value::Num(b)) => Value::Num(match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mul => a * b,
                    _ => a / b,
                }),
                _ => Value::Sym,
            },
            _ => unsupported_operator(op.name()),
        },
    }
}

/// `lhs ** rhs`: always rejected (`Unsupported operator in parameter: Pow`).
pub(crate) fn power(lhs: Value, rhs: Value) -> Value {
    match (lhs, rhs) {
        (Value::Invalid(e), _) | (_, Value::Invalid(e)) => Value::Invalid(e),
        _ => unsupported_operator("Pow"),
    }
}

/// Unary minus.
pub(crate) fn negate(v: Value) -> Value {
    match v {
        Value::Num(x) => Value::Num(-x),
        other => other,
    }
}

/// Unary `!` / `~`: rejected unless the operand already failed.
pub(crate) fn unary_unsupported(name: &str, v: Value) -> Value {
    match v {
        Value::Invalid(e) => Value::Invalid(e),
        _ => unsupported_operator(name),
    }
}

/// A numeric literal.
pub(crate) fn literal(text: &str) -> Value {
    match text.parse::<f64>() {
        Ok(v) => Value::Num(v),
        Err(_) => Value::Invalid(Box::new(ParseError::unsupported(format!(
            "Invalid number: {text}"
        )))),
    }
}

/// A bare identifier: a built-in constant or a symbol.
pub(crate) fn identifier(name: &str) -> Value {
    match name {
        "pi" | "π" => Value::Num(std::f64::consts::PI),
        "tau" | "τ" => Value::Num(std::f64::consts::TAU),
        "euler" | "ℇ" => Value::Num(std::f64::consts::E),
        _ => Value::Sym,
    }
}

const KNOWN_FUNCTIONS: &[&str] = &[
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "asin", "acos", "atan", "exp", "ln", "log",
    "sqrt", "pow", "mod", "ceiling", "floor", "abs", "popcount", "rotl", "rotr", "real", "imag",
    "sizeof",
];

/// A function call `name(args)`: never evaluated (spec §10.3). Argument errors come first.
pub(crate) fn call(name: &str, args: Vec<Value>) -> Value {
    if let Some(Value::Invalid(e)) = args.into_iter().find(|a| matches!(a, Value::Invalid(_))) {
        return Value::Invalid(e);
    }
    let message = if KNOWN_FUNCTIONS.contains(&name) {
        format!("Cannot evaluate function {name} with symbolic arguments")
    } else {
        format!("Unknown function: {name}")
    };
    Value::Invalid(Box::new(ParseError::unsupported(message)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_and_symbols() {
        assert_eq!(
            binary(BinOp::Add, Value::Num(1.0), Value::Num(2.0)),
            Value::Num(3.0)
        );
        assert_eq!(
            binary(BinOp::Div, Value::Num(1.0), Value::Num(4.0)),
            Value::Num(0.25)
        );
        assert_eq!(binary(BinOp::Mul, Value::Sym, Value::Num(2.0)), Value::Sym);
        assert_eq!(negate(Value::Num(2.0)), Value::Num(-2.0));
        assert_eq!(negate(Value::Sym), Value::Sym);
        assert_eq!(identifier("tau"), Value::Num(std::f64::consts::TAU));
        assert_eq!(identifier("theta"), Value::Sym);
        assert_eq!(literal("1e-3"), Value::Num(0.001));
        assert_eq!(literal("3."), Value::Num(3.0));
        assert_eq!(literal(".5"), Value::Num(0.5));
    }

    #[test]
    fn unsupported() {
        let msg = |v: Value| match v {
            Value::Invalid(e) => e.to_string(),
            other => panic!("expected invalid, got {other:?}"),
        };
        assert_eq!(
            msg(power(Value::Num(2.0), Value::Num(2.0))),
            "Parse error: Unsupported operator in parameter: Pow"
        );
        assert_eq!(
            msg(binary(BinOp::Mod, Value::Num(2.0), Value::Sym)),
            "Parse error: Unsupported operator in parameter: Mod"
        );
        assert_eq!(
            msg(call("sin", vec![Value::Num(0.5)])),
            "Parse error: Cannot evaluate function sin with symbolic arguments"
        );
        assert_eq!(
            msg(call("foo", vec![])),
            "Parse error: Unknown function: foo"
        );
        // The first failure wins.
        let first = call("foo", vec![]);
        assert_eq!(
            msg(binary(
                BinOp::Add,
                first,
                power(Value::Num(1.0), Value::Num(1.0))
            )),
            "Parse error: Unknown function: foo"
        );
    }
}
