//! Figures of a circuit an editor shows: gate counts and depth.

use crate::circuit::{Circuit, Op};

/// Depth: the most operations on any path through the circuit, where an operation waits for
/// every earlier one on its qubits (a measurement also for its classical bit). Gates,
/// measurements and resets count; barriers and delays do not (as Qiskit's `depth()`).
/// Operations naming qubits or bits out of range (a hand-built circuit) are skipped.
pub fn depth(circuit: &Circuit) -> usize {
    let mut qubit_level = vec![0usize; circuit.num_qubits];
    let mut clbit_level = vec![0usize; circuit.num_clbits];
    let mut deepest = 0;
    for op in &circuit.ops {
        if matches!(op, Op::Barrier { .. } | Op::Delay { .. }) {
            continue;
        }
        let qubits = op.qubits();
        let clbit = match op {
            Op::Measure { clbit, .. } => Some(*clbit),
            _ => None,
        };
        if qubits.iter().any(|&q| q >= qubit_level.len())
            || clbit.is_some_and(|c| c >= clbit_level.len())
        {
            continue;
        }
        let start = qubits
            .iter()
            .map(|&q| qubit_level[q])
            .chain(clbit.map(|c| clbit_level[c]))
            .max()
            .unwrap_or(0);
        let level = start + 1;
        for &q in qubits {
            qubit_level[q] = level;
        }
        if let Some(c) = clbit {
            clbit_level[c] = level;
        }
        deepest = deepest.max(level);
    }
    deepest
}

/// Number of gate operations (measurements, resets, barriers and delays excluded).
pub fn gate_count(circuit: &Circuit) -> usize {
    circuit
        .ops
        .iter()
        .filter(|op| matches!(op, Op::Gate { .. }))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qasm;

    #[test]
    fn depth_follows_qubits_and_bits() {
        let c = |s: &str| qasm::parse(s).unwrap();
        assert_eq!(depth(&c("OPENQASM 3.0;")), 0);
        let bell = c("OPENQASM 3.0; qubit[2] q; bit[2] b; h q[0]; cx q[0], q[1]; b = measure q;");
        assert_eq!(depth(&bell), 3);
        assert_eq!(gate_count(&bell), 2);
        assert_eq!(
            depth(&c("OPENQASM 3.0; qubit[3] q; h q; barrier q; x q[0];")),
            2
        );
        // Two measurements into one bit are ordered by the bit.
        assert_eq!(
            depth(&c(
                "OPENQASM 3.0; qubit[2] q; bit b; b = measure q[0]; b = measure q[1];"
            )),
            2
        );
    }
}
