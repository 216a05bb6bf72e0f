//! The service's complexity limits, checked at submit time after parsing (spec §6.1 step 4,
//! §11): a circuit over them is rejected with `INVALID_ARGUMENT` and no job is created.

use crate::circuit::Circuit;

/// Default of the service's `max_circuit_qubits`.
pub const DEFAULT_MAX_QUBITS: usize = 200;
/// Default of the service's `max_circuit_gates` (operations after broadcast expansion).
pub const DEFAULT_MAX_GATES: usize = 50_000;

/// The limits a server is configured with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComplexityLimits {
    /// Most qubits a circuit may declare.
    pub max_qubits: usize,
    /// Most operations ([`Circuit::operation_count`]) a circuit may have.
    pub max_gates: usize,
}

impl Default for ComplexityLimits {
    fn default() -> Self {
        ComplexityLimits {
            max_qubits: DEFAULT_MAX_QUBITS,
            max_gates: DEFAULT_MAX_GATES,
        }
    }
}

/// A limit a circuit exceeds. `Display` is the text after the service's prefix
/// (`Circuit exceeds complexity limits: ` for SubmitJob/SubmitBatch).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComplexityError {
    /// More qubits than `max_qubits` (checked first).
    #[error("{qubits} qubits exceeds limit of {max}")]
    Qubits {
        /// Qubits declared.
        qubits: usize,
        /// The limit.
        max: usize,
    },
    /// More operations than `max_gates`.
    #[error("{gates} gates exceeds limit of {max}")]
    Gates {
        /// Operations in the circuit.
        gates: usize,
        /// The limit.
        max: usize,
    },
}

impl ComplexityError {
    /// The full status message of SubmitJob / SubmitBatch (no `[permanent]` tag).
    pub fn service_message(&self) -> String {
        format!("Circuit exceeds complexity limits: {self}")
    }
}

impl ComplexityLimits {
    /// The first limit `circuit` exceeds, qubits before gates, as the service checks them.
    pub fn check(&self, circuit: &Circuit) -> Result<(), ComplexityError> {
        if circuit.num_qubits > self.max_qubits {
            return Err(ComplexityError::Qubits {
                qubits: circuit.num_qubits,
                max: self.max_qubits,
            });
        }
        let gates = circuit.operation_count();
        if gates > self.max_gates {
            return Err(ComplexityError::Gates {
                gates,
                max: self.max_gates,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qasm;

    #[test]
    fn qubits_are_checked_before_gates_with_the_services_words() {
        let limits = ComplexityLimits {
            max_qubits: 2,
            max_gates: 1,
        };
        let c = qasm::parse("OPENQASM 3.0; qubit[3] q; h q;").unwrap();
        assert_eq!(
            limits.check(&c).unwrap_err().service_message(),
            "Circuit exceeds complexity limits: 3 qubits exceeds limit of 2"
        );
        let c = qasm::parse("OPENQASM 3.0; qubit[2] q; h q;").unwrap();
        assert_eq!(
            limits.check(&c).unwrap_err().to_string(),
            "2 gates exceeds limit of 1"
        );
        assert!(ComplexityLimits::default().check(&c).is_ok());
    }
}
