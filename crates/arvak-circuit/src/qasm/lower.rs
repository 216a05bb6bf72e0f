//! Lowering: parsed statements → [`Circuit`]. Resolves register names to global indices,
//! looks gates up, evaluates parameters, expands broadcasts, and guards sizes.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use super::error::ParseError;
use super::expr::Value;
use super::parser::{Operand, ParamExpr, Span, Stmt};
use super::{MAX_OPERATIONS, MAX_QUBIT_OPERANDS, MAX_REGISTER_SIZE, MAX_TOTAL_BITS};
use crate::circuit::{Circuit, GateKind, Param};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RegKind {
    Qubit,
    Bit,
}

#[derive(Debug, Clone, Copy)]
struct Register {
    kind: RegKind,
    offset: usize,
    size: usize,
}

/// Builds the circuit statement by statement, in program order.
pub(crate) struct Lowerer {
    registers: HashMap<String, Register>,
    circuit: Circuit,
    qubit_operands: usize,
    /// The narrowest known source of the last error (an operand, a gate name, a parameter);
    /// `None` when the whole statement is to blame.
    error_span: Option<Span>,
}

impl Lowerer {
    /// An empty program.
    pub fn new() -> Self {
        Lowerer {
            registers: HashMap::new(),
            circuit: Circuit::new(0, 0),
            qubit_operands: 0,
            error_span: None,
        }
    }

    /// Operations so far.
    pub fn operation_count(&self) -> usize {
        self.circuit.ops.len()
    }

    /// The finished circuit.
    pub fn finish(self) -> Circuit {
        self.circuit
    }

    /// The narrowest source span known for the error [`Lowerer::apply`] returned last, if
    /// narrower than its statement.
    pub fn error_span(&self) -> Option<Span> {
        self.error_span
    }

    /// Applies one statement.
    pub fn apply(&mut self, stmt: Stmt<'_>) -> Result<(), ParseError> {
        self.error_span = None;
        match stmt {
            Stmt::Ignored => Ok(()),
            Stmt::Unsupported(message) => Err(ParseError::unsupported(message)),
            Stmt::QubitDecl { name, size } => self.declare(name, size, RegKind::Qubit),
            Stmt::BitDecl { name, size } => self.declare(name, size, RegKind::Bit),
            Stmt::GateCall {
                name,
                name_span,
                params,
                operands,
            } => self.gate_call(name, name_span, params, &operands),
            Stmt::Measure { source, target } => self.measure(source, target),
            Stmt::Reset(operand) => {
                let qubits = self.resolve(operand, RegKind::Qubit)?;
                self.reserve(qubits.len(), qubits.len())?;
                for q in qubits {
                    self.circuit.push_reset(q)?;
                }
                Ok(())
            }
            Stmt::Barrier(operands) => {
                let qubits = self.span(&operands)?;
                self.circuit.push_barrier(qubits)?;
                Ok(())
            }
            Stmt::Delay(operands) => {
                let qubits = self.span(&operands)?;
                self.circuit.push_delay(qubits)?;
                Ok(())
            }
        }
    }

    fn declare(&mut self, name: &str, size: Option<u64>, kind: RegKind) -> Result<(), ParseError> {
        if self.registers.contains_key(name) {
            return Err(ParseError::unsupported(format!(
                "Identifier '{name}' is already declared"
            )));
        }
        let size = size.unwrap_or(1);
        let size = usize::try_from(size)
            .ok()
            .filter(|&s| s <= MAX_REGISTER_SIZE)
            .ok_or_else(|| {
                ParseError::unsupported(format!(
                    "Register size {size} exceeds maximum of {MAX_REGISTER_SIZE}"
                ))
            })?;
        let (count, what) = match kind {
            RegKind::Qubit => (&mut self.circuit.num_qubits, "qubits"),
            RegKind::Bit => (&mut self.circuit.num_clbits, "bits"),
        };
        let offset = *count;
        let total = offset.saturating_add(size);
        if total > MAX_TOTAL_BITS {
            return Err(ParseError::unsupported(format!(
                "Too many {what}: {total} exceeds maximum of {MAX_TOTAL_BITS}"
            )));
        }
        *count = total;
        self.registers
            .insert(name.to_string(), Register { kind, offset, size });
        Ok(())
    }

    /// `name` or `name[i]` → the global indices it denotes.
    fn resolve(&mut self, operand: Operand<'_>, kind: RegKind) -> Result<Range<usize>, ParseError> {
        self.error_span = Some(operand.span);
        let reg = self
            .registers
            .get(operand.name)
            .filter(|r| r.kind == kind)
            .ok_or_else(|| ParseError::UndefinedIdentifier(operand.name.to_string()))?;
        match operand.index {
            None => Ok(reg.offset..reg.offset + reg.size),
            Some(index) => match usize::try_from(index) {
                Ok(i) if i < reg.size => Ok(reg.offset + i..reg.offset + i + 1),
                _ => Err(ParseError::IndexOutOfBounds {
                    index,
                    register: operand.name.to_string(),
                    size: reg.size,
                }),
            },
        }
        .inspect(|_| self.error_span = None)
    }

    /// Checks that `ops` more operations touching `qubit_refs` qubits stay within limits.
    fn reserve(&mut self, ops: usize, qubit_refs: usize) -> Result<(), ParseError> {
        if self.circuit.ops.len().saturating_add(ops) > MAX_OPERATIONS {
            return Err(ParseError::unsupported(format!(
                "Circuit too large (more than {MAX_OPERATIONS} operations)"
            )));
        }
        let refs = self.qubit_operands.saturating_add(qubit_refs);
        if refs > MAX_QUBIT_OPERANDS {
            return Err(ParseError::unsupported(format!(
                "Circuit too large (more than {MAX_QUBIT_OPERANDS} qubit operands)"
            )));
        }
        self.qubit_operands = refs;
        Ok(())
    }

    /// Distinct qubits of a barrier/delay operand list (all qubits when empty).
    fn span(&mut self, operands: &[Operand<'_>]) -> Result<Vec<usize>, ParseError> {
        let mut qubits = Vec::new();
        if operands.is_empty() {
            self.reserve(1, self.circuit.num_qubits)?;
            qubits.extend(0..self.circuit.num_qubits);
            return Ok(qubits);
        }
        let mut ranges = Vec::with_capacity(operands.len());
        let mut total = 0usize;
        for &operand in operands {
            let r = self.resolve(operand, RegKind::Qubit)?;
            total = total.saturating_add(r.len());
            ranges.push(r);
        }
        self.reserve(1, total)?;
        let mut seen = HashSet::new();
        for q in ranges.into_iter().flatten() {
            if seen.insert(q) {
                qubits.push(q);
            }
        }
        Ok(qubits)
    }

    fn gate_call(
        &mut self,
        name: &str,
        name_span: Span,
        params: Vec<ParamExpr<'_>>,
        operands: &[Operand<'_>],
    ) -> Result<(), ParseError> {
        let mut ranges = Vec::with_capacity(operands.len());
        let mut total = 0usize;
        for &operand in operands {
            let r = self.resolve(operand, RegKind::Qubit)?;
            total = total.saturating_add(r.len());
            ranges.push(r);
        }

        self.error_span = Some(name_span);
        let lower = name.to_ascii_lowercase();
        let kind = if lower == "id" || lower == "i" {
            None
        } else {
            Some(GateKind::from_name(&lower).ok_or(ParseError::UnknownGate(lower))?)
        };
        let (gate_name, arity, num_params) =
            kind.map_or(("id", 1, 0), |k| (k.name(), k.arity(), k.num_params()));
        if params.len() != num_params {
            return Err(ParseError::ParamCount {
                gate: gate_name.to_string(),
                expected: num_params,
                got: params.len(),
            });
        }
        let mut values = Vec::with_capacity(params.len());
        for p in params {
            values.push(match p.value {
                Value::Num(v) => Param::Value(v),
                Value::Sym => Param::Symbol(p.text.to_string()),
                Value::Invalid(e) => {
                    self.error_span = Some(p.span);
                    return Err(*e);
                }
            });
        }
        let params = values;
        self.error_span = None;

        if arity == 1 {
            // Broadcast over every qubit of every operand.
            if operands.is_empty() {
                return Err(ParseError::QubitCount {
                    gate: gate_name.to_string(),
                    expected: 1,
                    got: 0,
                });
            }
            let Some(kind) = kind else {
                return Ok(()); // `id`: validated, then dropped
            };
            self.reserve(total, total)?;
            for q in ranges.into_iter().flatten() {
                self.circuit.push_gate(kind, params.clone(), vec![q])?;
            }
            return Ok(());
        }
        if total != arity {
            return Err(ParseError::QubitCount {
                gate: gate_name.to_string(),
                expected: arity,
                got: total,
            });
        }
        let qubits: Vec<usize> = ranges.into_iter().flatten().collect();
        self.reserve(1, arity)?;
        if let Some(kind) = kind {
            self.circuit.push_gate(kind, params, qubits)?;
        }
        Ok(())
    }

    fn measure(
        &mut self,
        source: Operand<'_>,
        target: Option<Operand<'_>>,
    ) -> Result<(), ParseError> {
        let qubits = self.resolve(source, RegKind::Qubit)?;
        match target {
            Some(target) => {
                let bits = self.resolve(target, RegKind::Bit)?;
                if bits.len() != qubits.len() {
                    return Err(ParseError::unsupported(format!(
                        "Measure size mismatch: {} qubits, {} bits",
                        qubits.len(),
                        bits.len()
                    )));
                }
                self.reserve(qubits.len(), qubits.len())?;
                for (q, c) in qubits.zip(bits) {
                    self.circuit.push_measure(q, c)?;
                }
            }
            None => {
                self.reserve(qubits.len(), qubits.len())?;
                for q in qubits {
                    self.circuit.push_measure(q, q)?;
                }
            }
        }
        Ok(())
    }
}
