//! The circuit IR: what the OpenQASM 3 front end ([`crate::qasm`]) produces and the
//! state-vector simulator ([`crate::simulator`]) executes.
//!
//! Qubits and classical bits are plain global indices. Registers exist only in the source
//! program: the parser gives the qubits of each register consecutive global indices in
//! declaration order (first declared register lowest), spec §9.
//!
//! The `push_*` methods of [`Circuit`] enforce the IR invariants (indices in range, right
//! arity and parameter count, no duplicate qubit in a gate) and report violations as
//! [`CircuitError`], whose messages follow the upstream IR (`Duplicate qubit QubitId(0) in
//! operation (gate: cx)`, spec §10.4). The fields are public, so a circuit built by hand can
//! break the invariants; the simulator re-validates and never panics on such a circuit.

use std::fmt;

/// A gate parameter (an angle in radians).
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// A numeric value, already evaluated from the source expression.
    Value(f64),
    /// A symbolic parameter: the source text of an expression that refers to an unbound
    /// identifier (e.g. `theta` or `theta/2`). Parsing accepts it; simulation fails
    /// (`Rx gate has unresolved symbolic parameter`, spec §6.1).
    Symbol(String),
}

impl Param {
    /// The numeric value, or `None` for a symbolic parameter.
    pub fn value(&self) -> Option<f64> {
        match self {
            Param::Value(v) => Some(*v),
            Param::Symbol(_) => None,
        }
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Param::Value(v) => write!(f, "{v}"),
            Param::Symbol(s) => f.write_str(s),
        }
    }
}

/// The built-in gates of the accepted OpenQASM 3 subset (spec §10.2). The identity (`id`,
/// `i`) is not a kind: the parser drops it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GateKind {
    /// Pauli X.
    X,
    /// Pauli Y.
    Y,
    /// Pauli Z.
    Z,
    /// Hadamard.
    H,
    /// S = √Z = diag(1, i).
    S,
    /// S† = diag(1, −i).
    Sdg,
    /// T = diag(1, e^{iπ/4}).
    T,
    /// T† = diag(1, e^{−iπ/4}).
    Tdg,
    /// √X = ½[[1+i, 1−i], [1−i, 1+i]].
    Sx,
    /// (√X)†.
    Sxdg,
    /// Rx(θ) = exp(−iθX/2).
    Rx,
    /// Ry(θ) = exp(−iθY/2).
    Ry,
    /// Rz(θ) = exp(−iθZ/2).
    Rz,
    /// Phase P(λ) = diag(1, e^{iλ}) (alias `phase`).
    P,
    /// OpenQASM 3 `U(θ, φ, λ)` (aliases `u3`, `U`).
    U,
    /// PRX(θ, φ) = exp(−iθ/2 (cos φ X + sin φ Y)) (alias `r`).
    Prx,
    /// Controlled X (aliases `cnot`, `CX`); control first.
    Cx,
    /// Controlled Y.
    Cy,
    /// Controlled Z.
    Cz,
    /// Controlled Hadamard.
    Ch,
    /// SWAP.
    Swap,
    /// iSWAP: |01⟩ → i|10⟩, |10⟩ → i|01⟩.
    ISwap,
    /// Echoed cross-resonance gate as defined by Qiskit: (IX − XY)/√2 with the first
    /// operand as Qiskit's qubit 0.
    Ecr,
    /// Controlled Rx(θ).
    Crx,
    /// Controlled Ry(θ).
    Cry,
    /// Controlled Rz(θ).
    Crz,
    /// Controlled phase CP(λ) = diag(1, 1, 1, e^{iλ}) (alias `cphase`).
    Cp,
    /// Rxx(θ) = exp(−iθ/2 X⊗X).
    Rxx,
    /// Ryy(θ) = exp(−iθ/2 Y⊗Y).
    Ryy,
    /// Rzz(θ) = exp(−iθ/2 Z⊗Z).
    Rzz,
    /// Toffoli (alias `toffoli`); controls first, target last.
    Ccx,
    /// Fredkin (alias `fredkin`); control first, then the swapped pair.
    Cswap,
}

impl GateKind {
    /// Every gate kind, in the order of the simulator's `supported_gates` list (spec §8.2,
    /// without `id`; `ecr` after `iswap`).
    pub const ALL: [GateKind; 32] = [
        GateKind::X,
        GateKind::Y,
        GateKind::Z,
        GateKind::H,
        GateKind::S,
        GateKind::Sdg,
        GateKind::T,
        GateKind::Tdg,
        GateKind::Sx,
        GateKind::Sxdg,
        GateKind::Rx,
        GateKind::Ry,
        GateKind::Rz,
        GateKind::P,
        GateKind::U,
        GateKind::Prx,
        GateKind::Cx,
        GateKind::Cy,
        GateKind::Cz,
        GateKind::Ch,
        GateKind::Swap,
        GateKind::ISwap,
        GateKind::Ecr,
        GateKind::Crx,
        GateKind::Cry,
        GateKind::Crz,
        GateKind::Cp,
        GateKind::Rxx,
        GateKind::Ryy,
        GateKind::Rzz,
        GateKind::Ccx,
        GateKind::Cswap,
    ];

    /// Number of qubits the gate acts on (1, 2 or 3).
    pub const fn arity(self) -> usize {
        use GateKind::*;
        match self {
            X | Y | Z | H | S | Sdg | T | Tdg | Sx | Sxdg | Rx | Ry | Rz | P | U | Prx => 1,
            Cx | Cy | Cz | Ch | Swap | ISwap | Ecr | Crx | Cry | Crz | Cp | Rxx | Ryy | Rzz => 2,
            Ccx | Cswap => 3,
        }
    }

    /// Number of (angle) parameters the gate takes.
    pub const fn num_params(self) -> usize {
        use GateKind::*;
        match self {
            Rx | Ry | Rz | P | Crx | Cry | Crz | Cp | Rxx | Ryy | Rzz => 1,
            Prx => 2,
            U => 3,
            _ => 0,
        }
    }

    /// The canonical lower-case OpenQASM name (`cx`, `prx`, `u`, …).
    pub const fn name(self) -> &'static str {
        use GateKind::*;
        match self {
            X => "x",
            Y => "y",
            Z => "z",
            H => "h",
            S => "s",
            Sdg => "sdg",
            T => "t",
            Tdg => "tdg",
            Sx => "sx",
            Sxdg => "sxdg",
            Rx => "rx",
            Ry => "ry",
            Rz => "rz",
            P => "p",
            U => "u",
            Prx => "prx",
            Cx => "cx",
            Cy => "cy",
            Cz => "cz",
            Ch => "ch",
            Swap => "swap",
            ISwap => "iswap",
            Ecr => "ecr",
            Crx => "crx",
            Cry => "cry",
            Crz => "crz",
            Cp => "cp",
            Rxx => "rxx",
            Ryy => "ryy",
            Rzz => "rzz",
            Ccx => "ccx",
            Cswap => "cswap",
        }
    }

    /// The name used in simulator messages (`Rx gate has unresolved symbolic parameter`).
    pub const fn display_name(self) -> &'static str {
        use GateKind::*;
        match self {
            X => "X",
            Y => "Y",
            Z => "Z",
            H => "H",
            S => "S",
            Sdg => "Sdg",
            T => "T",
            Tdg => "Tdg",
            Sx => "SX",
            Sxdg => "SXdg",
            Rx => "Rx",
            Ry => "Ry",
            Rz => "Rz",
            P => "Phase",
            U => "U",
            Prx => "PRX",
            Cx => "CX",
            Cy => "CY",
            Cz => "CZ",
            Ch => "CH",
            Swap => "Swap",
            ISwap => "ISwap",
            Ecr => "ECR",
            Crx => "CRx",
            Cry => "CRy",
            Crz => "CRz",
            Cp => "CP",
            Rxx => "RXX",
            Ryy => "RYY",
            Rzz => "RZZ",
            Ccx => "CCX",
            Cswap => "CSwap",
        }
    }

    /// Looks a gate up by its OpenQASM name, case-insensitively, including the aliases of
    /// spec §10.2 (`phase`, `u3`, `r`, `cnot`, `cphase`, `toffoli`, `fredkin`). The identity
    /// (`id`, `i`) is not a kind and yields `None`; the parser handles it separately.
    pub fn from_name(name: &str) -> Option<GateKind> {
        use GateKind::*;
        let lower = name.to_ascii_lowercase();
        Some(match lower.as_str() {
            "x" => X,
            "y" => Y,
            "z" => Z,
            "h" => H,
            "s" => S,
            "sdg" => Sdg,
            "t" => T,
            "tdg" => Tdg,
            "sx" => Sx,
            "sxdg" => Sxdg,
            "rx" => Rx,
            "ry" => Ry,
            "rz" => Rz,
            "p" | "phase" => P,
            "u" | "u3" => U,
            "prx" | "r" => Prx,
            "cx" | "cnot" => Cx,
            "cy" => Cy,
            "cz" => Cz,
            "ch" => Ch,
            "swap" => Swap,
            "iswap" => ISwap,
            "ecr" => Ecr,
            "crx" => Crx,
            "cry" => Cry,
            "crz" => Crz,
            "cp" | "cphase" => Cp,
            "rxx" => Rxx,
            "ryy" => Ryy,
            "rzz" => Rzz,
            "ccx" | "toffoli" => Ccx,
            "cswap" | "fredkin" => Cswap,
            _ => return None,
        })
    }
}

impl fmt::Display for GateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One operation of a circuit. Qubit and clbit fields are global indices.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// A unitary gate; `qubits.len() == kind.arity()` and `params.len() == kind.num_params()`.
    Gate {
        /// Which gate.
        kind: GateKind,
        /// Its angles, in declaration order (`u(θ, φ, λ)`, `prx(θ, φ)`).
        params: Vec<Param>,
        /// Its operands, in call order (controls first).
        qubits: Vec<usize>,
    },
    /// `measure`: recorded, but it has no effect on the simulator's counts (spec §9).
    Measure {
        /// The measured qubit.
        qubit: usize,
        /// The classical bit written.
        clbit: usize,
    },
    /// `reset`: projective reset of one qubit to |0⟩.
    Reset {
        /// The qubit reset.
        qubit: usize,
    },
    /// `barrier` (no-op in simulation).
    Barrier {
        /// The qubits spanned (all qubits for a bare `barrier;`).
        qubits: Vec<usize>,
    },
    /// `delay[…]` (no-op in simulation; the duration is discarded, spec §10.1).
    Delay {
        /// The qubits delayed.
        qubits: Vec<usize>,
    },
}

impl Op {
    /// The qubits the operation touches.
    pub fn qubits(&self) -> &[usize] {
        match self {
            Op::Gate { qubits, .. } | Op::Barrier { qubits } | Op::Delay { qubits } => qubits,
            Op::Measure { qubit, .. } | Op::Reset { qubit } => std::slice::from_ref(qubit),
        }
    }
}

/// A violation of the IR invariants. `Display` follows the upstream IR messages; the QASM
/// front end prefixes them with `Circuit error: ` (spec §10.4).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CircuitError {
    /// A gate names the same qubit twice (`cx q[0], q[0];`).
    #[error("Duplicate qubit QubitId({qubit}) in operation (gate: {gate})")]
    DuplicateQubit {
        /// The repeated global qubit index.
        qubit: usize,
        /// The gate.
        gate: GateKind,
    },
    /// A qubit index is not below `num_qubits`.
    #[error("Qubit QubitId({0}) not found in circuit")]
    QubitNotFound(usize),
    /// A classical bit index is not below `num_clbits` (`measure q[0];` without bits).
    #[error("Classical bit ClbitId({0}) not found in circuit")]
    ClbitNotFound(usize),
    /// A gate got the wrong number of qubits.
    #[error("Gate '{gate}' expects {expected} qubits, got {got}")]
    QubitCount {
        /// The gate.
        gate: GateKind,
        /// Its arity.
        expected: usize,
        /// Qubits supplied.
        got: usize,
    },
    /// A gate got the wrong number of parameters.
    #[error("Gate '{gate}' expects {expected} parameters, got {got}")]
    ParamCount {
        /// The gate.
        gate: GateKind,
        /// Parameters it takes.
        expected: usize,
        /// Parameters supplied.
        got: usize,
    },
}

/// A quantum circuit: a register-free list of operations on `num_qubits` qubits and
/// `num_clbits` classical bits.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Circuit {
    /// Number of qubits (key width of the simulator's counts).
    pub num_qubits: usize,
    /// Number of classical bits.
    pub num_clbits: usize,
    /// The operations, in program order.
    pub ops: Vec<Op>,
}

impl Circuit {
    /// An empty circuit with the given numbers of qubits and classical bits.
    pub fn new(num_qubits: usize, num_clbits: usize) -> Self {
        Circuit {
            num_qubits,
            num_clbits,
            ops: Vec::new(),
        }
    }

    /// The operation count used by the `max_circuit_gates` complexity limit (spec §11):
    /// every operation (gates, measures, resets, barriers, delays) counts once; a broadcast
    /// such as `h q;` was expanded by the parser and so counts once per qubit.
    pub fn operation_count(&self) -> usize {
        self.ops.len()
    }

    /// Whether the circuit contains a `reset` (the simulator then re-simulates per shot).
    pub fn has_reset(&self) -> bool {
        self.ops.iter().any(|op| matches!(op, Op::Reset { .. }))
    }

    /// Checks one gate against the invariants without adding it.
    pub fn check_gate(
        &self,
        kind: GateKind,
        params: &[Param],
        qubits: &[usize],
    ) -> Result<(), CircuitError> {
        if params.len() != kind.num_params() {
            return Err(CircuitError::ParamCount {
                gate: kind,
                expected: kind.num_params(),
                got: params.len(),
            });
        }
        if qubits.len() != kind.arity() {
            return Err(CircuitError::QubitCount {
                gate: kind,
                expected: kind.arity(),
                got: qubits.len(),
            });
        }
        for (i, &q) in qubits.iter().enumerate() {
            if qubits.iter().take(i).any(|&earlier| earlier == q) {
                return Err(CircuitError::DuplicateQubit {
                    qubit: q,
                    gate: kind,
                });
            }
        }
        // Duplicates are reported before range errors, as upstream does.
        for &q in qubits {
            self.check_qubit(q)?;
        }
        Ok(())
    }

    /// Appends a gate after checking arity, parameter count, duplicate and range of qubits.
    pub fn push_gate(
        &mut self,
        kind: GateKind,
        params: Vec<Param>,
        qubits: Vec<usize>,
    ) -> Result<(), CircuitError> {
        self.check_gate(kind, &params, &qubits)?;
        self.ops.push(Op::Gate {
            kind,
            params,
            qubits,
        });
        Ok(())
    }

    /// Appends a measurement of `qubit` into `clbit`.
    pub fn push_measure(&mut self, qubit: usize, clbit: usize) -> Result<(), CircuitError> {
        self.check_qubit(qubit)?;
        if clbit >= self.num_clbits {
            return Err(CircuitError::ClbitNotFound(clbit));
        }
        self.ops.push(Op::Measure { qubit, clbit });
        Ok(())
    }

    /// Appends a reset of `qubit`.
    pub fn push_reset(&mut self, qubit: usize) -> Result<(), CircuitError> {
        self.check_qubit(qubit)?;
        self.ops.push(Op::Reset { qubit });
        Ok(())
    }

    /// Appends a barrier over `qubits`.
    pub fn push_barrier(&mut self, qubits: Vec<usize>) -> Result<(), CircuitError> {
        for &q in &qubits {
            self.check_qubit(q)?;
        }
        self.ops.push(Op::Barrier { qubits });
        Ok(())
    }

    /// Appends a delay over `qubits`.
    pub fn push_delay(&mut self, qubits: Vec<usize>) -> Result<(), CircuitError> {
        for &q in &qubits {
            self.check_qubit(q)?;
        }
        self.ops.push(Op::Delay { qubits });
        Ok(())
    }

    fn check_qubit(&self, qubit: usize) -> Result<(), CircuitError> {
        if qubit < self.num_qubits {
            Ok(())
        } else {
            Err(CircuitError::QubitNotFound(qubit))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_all_is_complete() {
        assert_eq!(GateKind::ALL.len(), 32);
        for kind in GateKind::ALL {
            assert_eq!(GateKind::from_name(kind.name()), Some(kind));
            assert_eq!(
                GateKind::from_name(&kind.name().to_ascii_uppercase()),
                Some(kind)
            );
            assert_eq!(kind.to_string(), kind.name());
            assert!((1..=3).contains(&kind.arity()));
            assert!(kind.num_params() <= 3);
        }
        let mut sorted = GateKind::ALL.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 32);
    }

    #[test]
    fn aliases() {
        let cases = [
            ("phase", GateKind::P),
            ("u3", GateKind::U),
            ("U", GateKind::U),
            ("r", GateKind::Prx),
            ("cnot", GateKind::Cx),
            ("CX", GateKind::Cx),
            ("cphase", GateKind::Cp),
            ("toffoli", GateKind::Ccx),
            ("Fredkin", GateKind::Cswap),
        ];
        for (name, kind) in cases {
            assert_eq!(GateKind::from_name(name), Some(kind), "{name}");
        }
        assert_eq!(GateKind::from_name("id"), None);
        assert_eq!(GateKind::from_name("i"), None);
        assert_eq!(GateKind::from_name("foo"), None);
        assert_eq!(GateKind::from_name(""), None);
    }

    #[test]
    fn arity_and_params() {
        assert_eq!(GateKind::U.num_params(), 3);
        assert_eq!(GateKind::Prx.num_params(), 2);
        assert_eq!(GateKind::Rzz.num_params(), 1);
        assert_eq!(GateKind::Rzz.arity(), 2);
        assert_eq!(GateKind::Ecr.num_params(), 0);
        assert_eq!(GateKind::Cswap.arity(), 3);
        assert_eq!(GateKind::Sxdg.arity(), 1);
    }

    #[test]
    fn push_checks_invariants() {
        let mut c = Circuit::new(2, 1);
        assert_eq!(
            c.push_gate(GateKind::Cx, vec![], vec![0, 0]),
            Err(CircuitError::DuplicateQubit {
                qubit: 0,
                gate: GateKind::Cx
            })
        );
        assert_eq!(
            CircuitError::DuplicateQubit {
                qubit: 0,
                gate: GateKind::Cx
            }
            .to_string(),
            "Duplicate qubit QubitId(0) in operation (gate: cx)"
        );
        assert_eq!(
            c.push_gate(GateKind::H, vec![], vec![2]),
            Err(CircuitError::QubitNotFound(2))
        );
        assert!(matches!(
            c.push_gate(GateKind::Rx, vec![], vec![0]),
            Err(CircuitError::ParamCount { .. })
        ));
        assert!(matches!(
            c.push_gate(GateKind::Cx, vec![], vec![0]),
            Err(CircuitError::QubitCount { .. })
        ));
        assert_eq!(
            c.push_measure(0, 1).map_err(|e| e.to_string()),
            Err("Classical bit ClbitId(1) not found in circuit".to_string())
        );
        c.push_gate(GateKind::Cx, vec![], vec![1, 0]).unwrap();
        c.push_measure(1, 0).unwrap();
        c.push_barrier(vec![0, 1]).unwrap();
        c.push_delay(vec![1]).unwrap();
        assert!(!c.has_reset());
        c.push_reset(0).unwrap();
        assert!(c.has_reset());
        assert_eq!(c.operation_count(), 5);
        assert_eq!(c.ops[0].qubits(), &[1, 0]);
        assert_eq!(c.ops[1].qubits(), &[1]);
    }

    #[test]
    fn param_accessors() {
        assert_eq!(Param::Value(0.5).value(), Some(0.5));
        assert_eq!(Param::Symbol("theta".into()).value(), None);
        assert_eq!(Param::Symbol("theta/2".into()).to_string(), "theta/2");
    }
}
