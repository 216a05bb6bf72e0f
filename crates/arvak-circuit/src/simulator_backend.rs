//! The service's `simulator` backend as a client meets it (spec §8.2, §6.1): what it
//! advertises, and the checks it runs only inside an accepted job, whose failures end the job
//! FAILED with the messages below — more shots or qubits than it supports, gates it advertises
//! but cannot execute (`crx cry rxx ryy rzz`, and `ecr`), symbolic angles.
//!
//! The dev server fails jobs with exactly these messages, and the browser's circuit tools warn
//! with them before anything is sent.

use std::fmt;

use crate::circuit::{Circuit, GateKind, Op, Param};

/// Registry id of the backend.
pub const ID: &str = "simulator";
/// Qubits of the simulated device.
pub const MAX_QUBITS: usize = 20;
/// Shots per job it accepts (exactly this many is fine).
pub const MAX_SHOTS: u32 = 100_000;

/// Gate names advertised in `supported_gates`, in the service's order (1-, 2-, 3-qubit).
pub const SUPPORTED_GATES: [&str; 32] = [
    "id", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "sxdg", "rx", "ry", "rz", "p", "u",
    "prx", "cx", "cy", "cz", "ch", "swap", "iswap", "crx", "cry", "crz", "cp", "rxx", "ryy", "rzz",
    "ccx", "cswap",
];

/// Whether the backend's simulation executes `kind`: every gate but `crx cry rxx ryy rzz ecr`,
/// which parse (the first five are even advertised) but fail the job.
pub const fn executes(kind: GateKind) -> bool {
    use GateKind::*;
    !matches!(kind, Crx | Cry | Rxx | Ryy | Rzz | Ecr)
}

/// Why an accepted job would end FAILED. `Display` is the job's error message.
#[derive(Debug, Clone, PartialEq)]
pub enum RunFailure {
    /// More shots than [`MAX_SHOTS`] (checked first).
    TooManyShots {
        /// Shots requested.
        shots: u32,
    },
    /// More qubits than [`MAX_QUBITS`].
    TooManyQubits {
        /// Qubits in the circuit.
        qubits: usize,
    },
    /// A gate the simulation does not execute (see [`executes`]); `op` indexes
    /// [`Circuit::ops`].
    UnhandledGate {
        /// Index of the operation.
        op: usize,
        /// The gate.
        kind: GateKind,
        /// Its parameters.
        params: Vec<Param>,
    },
    /// A gate with a symbolic parameter; `op` indexes [`Circuit::ops`].
    SymbolicParameter {
        /// Index of the operation.
        op: usize,
        /// The gate.
        kind: GateKind,
    },
}

impl RunFailure {
    /// The operation to blame, if the failure is about one.
    pub fn op(&self) -> Option<usize> {
        match self {
            RunFailure::UnhandledGate { op, .. } | RunFailure::SymbolicParameter { op, .. } => {
                Some(*op)
            }
            _ => None,
        }
    }
}

/// A parameter as the service's gate debug text shows it (`Constant(0.5)`, `Symbol(theta)`).
struct DebugParam<'a>(&'a Param);

impl fmt::Display for DebugParam<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Param::Value(v) => write!(f, "Constant({v})"),
            Param::Symbol(s) => write!(f, "Symbol({s})"),
        }
    }
}

impl fmt::Display for RunFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunFailure::TooManyShots { shots } => write!(
                f,
                "Backend submit failed: Invalid circuit: Requested {shots} shots but {ID} supports max {MAX_SHOTS}"
            ),
            RunFailure::TooManyQubits { qubits } => write!(
                f,
                "Backend submit failed: Invalid circuit: Circuit has {qubits} qubits but {ID} only supports {MAX_QUBITS}"
            ),
            RunFailure::UnhandledGate { kind, params, .. } => {
                write!(
                    f,
                    "Backend submit failed: Backend error: simulation failed: Unhandled gate type in simulation: {}",
                    kind.display_name()
                )?;
                if !params.is_empty() {
                    f.write_str("(")?;
                    for (i, p) in params.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{}", DebugParam(p))?;
                    }
                    f.write_str(")")?;
                }
                Ok(())
            }
            RunFailure::SymbolicParameter { kind, .. } => write!(
                f,
                "Backend submit failed: Backend error: simulation failed: {} gate has unresolved symbolic parameter",
                kind.display_name()
            ),
        }
    }
}

/// Every reason a job of `circuit` with `shots` would fail, in the order the backend meets
/// them (its message is the first one's): shots, qubits, then operations in program order.
pub fn run_failures(circuit: &Circuit, shots: u32) -> Vec<RunFailure> {
    let mut failures = Vec::new();
    if shots > MAX_SHOTS {
        failures.push(RunFailure::TooManyShots { shots });
    }
    if circuit.num_qubits > MAX_QUBITS {
        failures.push(RunFailure::TooManyQubits {
            qubits: circuit.num_qubits,
        });
    }
    for (op, operation) in circuit.ops.iter().enumerate() {
        let Op::Gate { kind, params, .. } = operation else {
            continue;
        };
        if !executes(*kind) {
            failures.push(RunFailure::UnhandledGate {
                op,
                kind: *kind,
                params: params.clone(),
            });
        } else if params.iter().any(|p| matches!(p, Param::Symbol(_))) {
            failures.push(RunFailure::SymbolicParameter { op, kind: *kind });
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qasm;

    fn first(src: &str, shots: u32) -> Option<String> {
        let c = qasm::parse(src).unwrap();
        run_failures(&c, shots).first().map(ToString::to_string)
    }

    #[test]
    fn failures_carry_the_services_messages_in_its_order() {
        assert_eq!(
            first("OPENQASM 3.0; qubit[21] q;", 100_001).unwrap(),
            "Backend submit failed: Invalid circuit: Requested 100001 shots but simulator supports max 100000"
        );
        assert_eq!(
            first("OPENQASM 3.0; qubit[21] q;", 100_000).unwrap(),
            "Backend submit failed: Invalid circuit: Circuit has 21 qubits but simulator only supports 20"
        );
        assert_eq!(
            first("OPENQASM 3.0; qubit[2] q; crx(0.5) q[0], q[1];", 10).unwrap(),
            "Backend submit failed: Backend error: simulation failed: Unhandled gate type in simulation: CRx(Constant(0.5))"
        );
        assert_eq!(
            first("OPENQASM 3.0; qubit[2] q; ecr q[0], q[1];", 10).unwrap(),
            "Backend submit failed: Backend error: simulation failed: Unhandled gate type in simulation: ECR"
        );
        assert_eq!(
            first("OPENQASM 3.0; qubit q; rx(theta) q;", 10).unwrap(),
            "Backend submit failed: Backend error: simulation failed: Rx gate has unresolved symbolic parameter"
        );
        assert_eq!(
            first(
                "OPENQASM 3.0; qubit[20] q; h q; crz(1) q[0], q[1];",
                100_000
            ),
            None
        );
        let c = qasm::parse("OPENQASM 3.0; qubit[2] q; rx(a) q[0]; rzz(1) q[0], q[1];").unwrap();
        let all = run_failures(&c, 1);
        assert_eq!(
            all.iter().map(RunFailure::op).collect::<Vec<_>>(),
            [Some(0), Some(1)]
        );
    }
}
