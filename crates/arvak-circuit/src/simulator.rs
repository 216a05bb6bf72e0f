//! The dense state-vector simulator behind the dev server's `simulator` backend (spec §8.2, §9)
//! and the browser's local runs.
//!
//! * Every gate of [`GateKind`] executes — including `crx cry rxx ryy rzz ecr`, which the
//!   service's simulator fails on; the dev server fails them first, as the service does
//!   ([`crate::simulator_backend`]), the local runs execute them.
//! * `measure`, `barrier` and `delay` are no-ops: counts are over the final state of
//!   **all** qubits, and a mid-circuit measurement does not collapse anything.
//! * `reset` is a random projective reset.
//! * Without a reset the state is evolved once and all shots are sampled from the final
//!   distribution (cumulative distribution + binary search). With resets the result is
//!   distributed exactly as re-simulating the circuit once per shot (upstream's method),
//!   but shots are grouped: at each reset the shots of a branch are split binomially
//!   between the two outcomes, and each distinct branch is simulated once. A circuit with
//!   one reset therefore costs at most two simulations, not one per shot.
//!
//! Counts keys are `num_qubits` characters wide with qubit 0 rightmost; a 0-qubit circuit
//! yields key `"0"`; only outcomes that occurred are present.
//!
//! Gates are applied in place by iterating over index pairs/quads (`O(2^n)` per gate, no
//! `2^n × 2^n` matrices). The circuit is re-validated first, so a hand-built [`Circuit`]
//! that breaks the IR invariants yields a [`SimError`], never a panic.

use std::f64::consts::{FRAC_1_SQRT_2, FRAC_PI_4};

use num_complex::Complex64;
use rand::Rng;

use crate::circuit::{Circuit, CircuitError, GateKind, Op, Param};

/// Most qubits the simulator accepts (a 2^20-amplitude state is 16 MiB).
pub const MAX_QUBITS: usize = 20;

/// Why a simulation failed. `Display` follows the upstream messages where one exists
/// (spec §6.1: `Rx gate has unresolved symbolic parameter`, `Circuit has 21 qubits but
/// simulator only supports 20`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    /// More than [`MAX_QUBITS`] qubits.
    #[error("Circuit has {qubits} qubits but simulator only supports {max}")]
    TooManyQubits {
        /// Qubits in the circuit.
        qubits: usize,
        /// The limit.
        max: usize,
    },
    /// A gate parameter is a [`Param::Symbol`].
    #[error("{} gate has unresolved symbolic parameter", gate.display_name())]
    SymbolicParameter {
        /// The gate.
        gate: GateKind,
    },
    /// A gate parameter is infinite or NaN (e.g. `rx(1/0)`).
    #[error("{} gate has non-finite parameter", gate.display_name())]
    NonFiniteParameter {
        /// The gate.
        gate: GateKind,
    },
    /// The circuit breaks an IR invariant (only possible for hand-built circuits).
    #[error("Invalid circuit: {0}")]
    InvalidCircuit(#[from] CircuitError),
    /// The state lost its norm (should not happen for valid circuits).
    #[error("Numerical error: {0}")]
    Numerical(&'static str),
}

type Mat2 = [[Complex64; 2]; 2];
type Mat4 = [[Complex64; 4]; 4];

/// One executable step of a compiled circuit. Qubit fields are validated (`< num_qubits`,
/// pairwise distinct) at compile time, so every index the kernels compute is in range.
#[derive(Debug, Clone)]
enum Instr {
    /// A single-qubit unitary.
    One { q: usize, m: Mat2 },
    /// A single-qubit unitary on `t` controlled by `c`.
    Controlled { c: usize, t: usize, m: Mat2 },
    /// A two-qubit unitary; local basis index `2·bit(a) + bit(b)`.
    Two { a: usize, b: usize, m: Mat4 },
    /// SWAP.
    Swap { a: usize, b: usize },
    /// Toffoli.
    Ccx { c1: usize, c2: usize, t: usize },
    /// Fredkin.
    Cswap { c: usize, a: usize, b: usize },
    /// Projective reset.
    Reset { q: usize },
}

fn c(re: f64, im: f64) -> Complex64 {
    Complex64::new(re, im)
}

/// e^{iθ}.
fn phase(theta: f64) -> Complex64 {
    Complex64::from_polar(1.0, theta)
}

/// The single-qubit matrix of a one-qubit gate, or of the target part of a controlled
/// gate (`Cx` → X, `Crz` → Rz, …). `p` holds the (already validated) parameters.
fn one_qubit_matrix(kind: GateKind, p: &[f64]) -> Option<Mat2> {
    use GateKind::*;
    let zero = c(0.0, 0.0);
    let one = c(1.0, 0.0);
    let arg = |i: usize| p.get(i).copied().unwrap_or(0.0);
    let (ch, sh) = ((arg(0) / 2.0).cos(), (arg(0) / 2.0).sin());
    Some(match kind {
        X | Cx => [[zero, one], [one, zero]],
        Y | Cy => [[zero, c(0.0, -1.0)], [c(0.0, 1.0), zero]],
        Z | Cz => [[one, zero], [zero, c(-1.0, 0.0)]],
        H | Ch => {
            let s = c(FRAC_1_SQRT_2, 0.0);
            [[s, s], [s, -s]]
        }
        S => [[one, zero], [zero, c(0.0, 1.0)]],
        Sdg => [[one, zero], [zero, c(0.0, -1.0)]],
        T => [[one, zero], [zero, phase(FRAC_PI_4)]],
        Tdg => [[one, zero], [zero, phase(-FRAC_PI_4)]],
        Sx => [[c(0.5, 0.5), c(0.5, -0.5)], [c(0.5, -0.5), c(0.5, 0.5)]],
        Sxdg => [[c(0.5, -0.5), c(0.5, 0.5)], [c(0.5, 0.5), c(0.5, -0.5)]],
        Rx | Crx => [[c(ch, 0.0), c(0.0, -sh)], [c(0.0, -sh), c(ch, 0.0)]],
        Ry | Cry => [[c(ch, 0.0), c(-sh, 0.0)], [c(sh, 0.0), c(ch, 0.0)]],
        Rz | Crz => [[phase(-arg(0) / 2.0), zero], [zero, phase(arg(0) / 2.0)]],
        P | Cp => [[one, zero], [zero, phase(arg(0))]],
        U => {
            let (phi, lambda) = (arg(1), arg(2));
            [
                [c(ch, 0.0), -phase(lambda) * sh],
                [phase(phi) * sh, phase(phi + lambda) * ch],
            ]
        }
        Prx => {
            let phi = arg(1);
            let minus_i = c(0.0, -1.0);
            [
                [c(ch, 0.0), minus_i * phase(-phi) * sh],
                [minus_i * phase(phi) * sh, c(ch, 0.0)],
            ]
        }
        Swap | ISwap | Ecr | Rxx | Ryy | Rzz | Ccx | Cswap => return None,
    })
}

/// The 4×4 matrix of a non-controlled two-qubit gate (basis `2·bit(first) + bit(second)`).
fn two_qubit_matrix(kind: GateKind, p: &[f64]) -> Option<Mat4> {
    let z = c(0.0, 0.0);
    let one = c(1.0, 0.0);
    let theta = p.first().copied().unwrap_or(0.0);
    let ch = c((theta / 2.0).cos(), 0.0);
    let is = c(0.0, (theta / 2.0).sin());
    Some(match kind {
        GateKind::ISwap => {
            let i = c(0.0, 1.0);
            [[one, z, z, z], [z, z, i, z], [z, i, z, z], [z, z, z, one]]
        }
        GateKind::Rxx => [
            [ch, z, z, -is],
            [z, ch, -is, z],
            [z, -is, ch, z],
            [-is, z, z, ch],
        ],
        GateKind::Ryy => [
            [ch, z, z, is],
            [z, ch, -is, z],
            [z, -is, ch, z],
            [is, z, z, ch],
        ],
        GateKind::Rzz => {
            let (m, p) = (phase(-theta / 2.0), phase(theta / 2.0));
            [[m, z, z, z], [z, p, z, z], [z, z, p, z], [z, z, z, m]]
        }
        GateKind::Ecr => {
            // Qiskit's matrix, basis 2·bit(q1) + bit(q0) with q0 = first operand.
            let s = FRAC_1_SQRT_2;
            let (o, i, mi) = (c(s, 0.0), c(0.0, s), c(0.0, -s));
            let qiskit = [[z, o, z, i], [o, z, mi, z], [z, i, z, o], [mi, z, o, z]];
            // Our basis 2·bit(first) + bit(second) swaps the middle two indices.
            const PERM: [usize; 4] = [0, 2, 1, 3];
            let mut m = [[z; 4]; 4];
            for (r, row) in m.iter_mut().enumerate() {
                for (col, entry) in row.iter_mut().enumerate() {
                    *entry = qiskit[PERM[r]][PERM[col]];
                }
            }
            m
        }
        _ => return None,
    })
}

/// `x` with a zero bit inserted at position `pos` (higher bits shifted up).
#[inline]
fn insert_zero(x: usize, pos: usize) -> usize {
    let low = x & ((1usize << pos) - 1);
    ((x >> pos) << (pos + 1)) | low
}

fn apply_one(state: &mut [Complex64], q: usize, m: &Mat2) {
    let stride = 1usize << q;
    for chunk in state.chunks_exact_mut(2 * stride) {
        let (lo, hi) = chunk.split_at_mut(stride);
        for (a, b) in lo.iter_mut().zip(hi.iter_mut()) {
            let (x, y) = (*a, *b);
            *a = m[0][0] * x + m[0][1] * y;
            *b = m[1][0] * x + m[1][1] * y;
        }
    }
}

fn apply_controlled(state: &mut [Complex64], ctrl: usize, t: usize, m: &Mat2) {
    let (lo, hi) = (ctrl.min(t), ctrl.max(t));
    let (cmask, tmask) = (1usize << ctrl, 1usize << t);
    for k in 0..state.len() >> 2 {
        let i = insert_zero(insert_zero(k, lo), hi) | cmask;
        let j = i | tmask;
        let (x, y) = (state[i], state[j]);
        state[i] = m[0][0] * x + m[0][1] * y;
        state[j] = m[1][0] * x + m[1][1] * y;
    }
}

fn apply_two(state: &mut [Complex64], a: usize, b: usize, m: &Mat4) {
    let (lo, hi) = (a.min(b), a.max(b));
    let (ma, mb) = (1usize << a, 1usize << b);
    for k in 0..state.len() >> 2 {
        let base = insert_zero(insert_zero(k, lo), hi);
        let idx = [base, base | mb, base | ma, base | ma | mb];
        let v = idx.map(|i| state[i]);
        for (row, &i) in m.iter().zip(idx.iter()) {
            state[i] = row[0] * v[0] + row[1] * v[1] + row[2] * v[2] + row[3] * v[3];
        }
    }
}

fn apply_swap(state: &mut [Complex64], a: usize, b: usize) {
    let (lo, hi) = (a.min(b), a.max(b));
    for k in 0..state.len() >> 2 {
        let base = insert_zero(insert_zero(k, lo), hi);
        state.swap(base | (1 << a), base | (1 << b));
    }
}

/// Indices with zero bits at three distinct positions, in ascending position order.
fn insert_three(k: usize, mut pos: [usize; 3]) -> usize {
    pos.sort_unstable();
    insert_zero(insert_zero(insert_zero(k, pos[0]), pos[1]), pos[2])
}

fn apply_ccx(state: &mut [Complex64], c1: usize, c2: usize, t: usize) {
    let controls = (1usize << c1) | (1usize << c2);
    for k in 0..state.len() >> 3 {
        let base = insert_three(k, [c1, c2, t]) | controls;
        state.swap(base, base | (1 << t));
    }
}

fn apply_cswap(state: &mut [Complex64], ctrl: usize, a: usize, b: usize) {
    for k in 0..state.len() >> 3 {
        let base = insert_three(k, [ctrl, a, b]) | (1 << ctrl);
        state.swap(base | (1 << a), base | (1 << b));
    }
}

/// Probabilities (unnormalised) of reading qubit `q` as 0 and as 1.
fn reset_probabilities(state: &[Complex64], q: usize) -> (f64, f64) {
    let stride = 1usize << q;
    let (mut p0, mut p1) = (0.0, 0.0);
    for chunk in state.chunks_exact(2 * stride) {
        let (lo, hi) = chunk.split_at(stride);
        p0 += lo.iter().map(|a| a.norm_sqr()).sum::<f64>();
        p1 += hi.iter().map(|a| a.norm_sqr()).sum::<f64>();
    }
    (p0, p1)
}

/// Projects qubit `q` onto `outcome` (whose probability is `p`), renormalises, and moves
/// the qubit to |0⟩.
fn project_and_reset(state: &mut [Complex64], q: usize, outcome: bool, p: f64) {
    let stride = 1usize << q;
    let scale = if p > 0.0 { 1.0 / p.sqrt() } else { 0.0 };
    let zero = c(0.0, 0.0);
    for chunk in state.chunks_exact_mut(2 * stride) {
        let (lo, hi) = chunk.split_at_mut(stride);
        for (a, b) in lo.iter_mut().zip(hi.iter_mut()) {
            *a = if outcome { *b * scale } else { *a * scale };
            *b = zero;
        }
    }
}

/// Number of successes in `n` Bernoulli(`p`) trials.
fn binomial(n: u64, p: f64, rng: &mut impl Rng) -> u64 {
    if p <= 0.0 {
        0
    } else if p >= 1.0 {
        n
    } else {
        (0..n).filter(|_| rng.random::<f64>() < p).count() as u64
    }
}

/// Draws `shots` basis indices from `|state|²`, adding one to `counts[index]` for each
/// (`counts` has one entry per basis state).
fn sample_into(
    state: &[Complex64],
    shots: u64,
    rng: &mut impl Rng,
    counts: &mut [u64],
) -> Result<(), SimError> {
    if shots == 0 {
        return Ok(());
    }
    let mut cdf = Vec::with_capacity(state.len());
    let mut total = 0.0;
    for a in state {
        total += a.norm_sqr();
        cdf.push(total);
    }
    if !(total.is_finite() && total > 0.0) {
        return Err(SimError::Numerical("state vector has no norm"));
    }
    let last_nonzero = state.iter().rposition(|a| a.norm_sqr() > 0.0).unwrap_or(0);
    for _ in 0..shots {
        let u = rng.random::<f64>() * total;
        // First index whose cumulative probability exceeds u: never a zero-probability one.
        let index = cdf.partition_point(|&p| p <= u).min(last_nonzero);
        counts[index] += 1;
    }
    Ok(())
}

/// A validated, compiled circuit.
struct Program {
    num_qubits: usize,
    instrs: Vec<Instr>,
}

impl Program {
    fn compile(circuit: &Circuit) -> Result<Program, SimError> {
        let n = circuit.num_qubits;
        if n > MAX_QUBITS {
            return Err(SimError::TooManyQubits {
                qubits: n,
                max: MAX_QUBITS,
            });
        }
        let check = |q: usize| {
            if q < n {
                Ok(())
            } else {
                Err(SimError::InvalidCircuit(CircuitError::QubitNotFound(q)))
            }
        };
        let mut instrs = Vec::new();
        for op in &circuit.ops {
            match op {
                Op::Gate {
                    kind,
                    params,
                    qubits,
                } => {
                    circuit.check_gate(*kind, params, qubits)?;
                    let mut values = Vec::with_capacity(params.len());
                    for p in params {
                        match p {
                            Param::Symbol(_) => {
                                return Err(SimError::SymbolicParameter { gate: *kind })
                            }
                            Param::Value(v) if !v.is_finite() => {
                                return Err(SimError::NonFiniteParameter { gate: *kind })
                            }
                            Param::Value(v) => values.push(*v),
                        }
                    }
                    instrs.push(Self::gate(*kind, &values, qubits)?);
                }
                Op::Measure { qubit, clbit } => {
                    check(*qubit)?;
                    if *clbit >= circuit.num_clbits {
                        return Err(CircuitError::ClbitNotFound(*clbit).into());
                    }
                }
                Op::Reset { qubit } => {
                    check(*qubit)?;
                    instrs.push(Instr::Reset { q: *qubit });
                }
                Op::Barrier { qubits } | Op::Delay { qubits } => {
                    for &q in qubits {
                        check(q)?;
                    }
                }
            }
        }
        Ok(Program {
            num_qubits: n,
            instrs,
        })
    }

    /// The instruction for a validated gate (`qubits.len() == kind.arity()`).
    fn gate(kind: GateKind, p: &[f64], qubits: &[usize]) -> Result<Instr, SimError> {
        use GateKind::*;
        let invalid = || {
            SimError::InvalidCircuit(CircuitError::QubitCount {
                gate: kind,
                expected: kind.arity(),
                got: qubits.len(),
            })
        };
        let instr = match (kind, qubits) {
            (Swap, &[a, b]) => Instr::Swap { a, b },
            (Ccx, &[c1, c2, t]) => Instr::Ccx { c1, c2, t },
            (Cswap, &[c, a, b]) => Instr::Cswap { c, a, b },
            (ISwap | Ecr | Rxx | Ryy | Rzz, &[a, b]) => Instr::Two {
                a,
                b,
                m: two_qubit_matrix(kind, p).ok_or_else(invalid)?,
            },
            (Cx | Cy | Cz | Ch | Crx | Cry | Crz | Cp, &[c, t]) => Instr::Controlled {
                c,
                t,
                m: one_qubit_matrix(kind, p).ok_or_else(invalid)?,
            },
            (_, &[q]) => Instr::One {
                q,
                m: one_qubit_matrix(kind, p).ok_or_else(invalid)?,
            },
            _ => return Err(invalid()),
        };
        Ok(instr)
    }

    fn initial_state(&self) -> Vec<Complex64> {
        let mut state = vec![c(0.0, 0.0); 1usize << self.num_qubits];
        if let Some(first) = state.first_mut() {
            *first = c(1.0, 0.0);
        }
        state
    }

    /// Applies a unitary instruction; resets are handled by the callers.
    fn apply(state: &mut [Complex64], instr: &Instr) {
        match *instr {
            Instr::One { q, ref m } => apply_one(state, q, m),
            Instr::Controlled { c, t, ref m } => apply_controlled(state, c, t, m),
            Instr::Two { a, b, ref m } => apply_two(state, a, b, m),
            Instr::Swap { a, b } => apply_swap(state, a, b),
            Instr::Ccx { c1, c2, t } => apply_ccx(state, c1, c2, t),
            Instr::Cswap { c, a, b } => apply_cswap(state, c, a, b),
            Instr::Reset { .. } => {}
        }
    }

    /// One trajectory: every reset outcome drawn at random.
    fn evolve(&self, state: &mut [Complex64], rng: &mut impl Rng) -> Result<(), SimError> {
        for instr in &self.instrs {
            if let Instr::Reset { q } = *instr {
                let (p0, p1) = reset_probabilities(state, q);
                let total = p0 + p1;
                if !(total.is_finite() && total > 0.0) {
                    return Err(SimError::Numerical("state vector has no norm"));
                }
                let outcome = rng.random::<f64>() * total < p1;
                project_and_reset(state, q, outcome, if outcome { p1 } else { p0 });
            } else {
                Self::apply(state, instr);
            }
        }
        Ok(())
    }

    /// Samples `shots` outcomes into `counts` (see the module docs for the method).
    fn sample(&self, shots: u64, rng: &mut impl Rng, counts: &mut [u64]) -> Result<(), SimError> {
        let mut prefix = self.initial_state();
        let first_reset = self
            .instrs
            .iter()
            .position(|i| matches!(i, Instr::Reset { .. }));
        let Some(first_reset) = first_reset else {
            for instr in &self.instrs {
                Self::apply(&mut prefix, instr);
            }
            return sample_into(&prefix, shots, rng, counts);
        };
        let (head, tail) = self.instrs.split_at(first_reset);
        for instr in head {
            Self::apply(&mut prefix, instr);
        }
        // Depth-first over reset branches. A pending branch is its forced outcomes so far
        // and its share of the shots; it is rebuilt by replaying from `prefix`.
        let mut pending: Vec<(Vec<bool>, u64)> = vec![(Vec::new(), shots)];
        let mut state = prefix.clone();
        while let Some((mut path, mut branch_shots)) = pending.pop() {
            state.copy_from_slice(&prefix);
            let mut reset_no = 0usize;
            for instr in tail {
                let Instr::Reset { q } = *instr else {
                    Self::apply(&mut state, instr);
                    continue;
                };
                let (p0, p1) = reset_probabilities(&state, q);
                let outcome = match path.get(reset_no) {
                    Some(&forced) => forced,
                    None => {
                        let total = p0 + p1;
                        if !(total.is_finite() && total > 0.0) {
                            return Err(SimError::Numerical("state vector has no norm"));
                        }
                        let ones = binomial(branch_shots, p1 / total, rng);
                        let outcome = if ones == 0 {
                            false
                        } else if ones == branch_shots {
                            true
                        } else {
                            let mut other = path.clone();
                            other.push(true);
                            pending.push((other, ones));
                            branch_shots -= ones;
                            false
                        };
                        path.push(outcome);
                        outcome
                    }
                };
                project_and_reset(&mut state, q, outcome, if outcome { p1 } else { p0 });
                reset_no += 1;
            }
            sample_into(&state, branch_shots, rng, counts)?;
        }
        Ok(())
    }
}

/// Runs `circuit` for `shots` shots and returns the counts (spec §9), sorted by key: keys
/// are `num_qubits` characters of `0`/`1` with qubit 0 rightmost (`"0"` for 0 qubits), only
/// outcomes that occurred are present, values sum to `shots`; `shots = 0` gives no counts.
/// Fails on symbolic or non-finite parameters, more than [`MAX_QUBITS`] qubits, or a
/// circuit that breaks the IR invariants — checked before anything runs.
pub fn run(
    circuit: &Circuit,
    shots: u32,
    rng: &mut impl Rng,
) -> Result<Vec<(String, u64)>, SimError> {
    let program = Program::compile(circuit)?;
    if shots == 0 {
        return Ok(Vec::new());
    }
    // One counter per basis state (no larger than the state vector itself): O(1) per shot,
    // and the outcomes come out in key order.
    let mut counts = vec![0u64; 1usize << program.num_qubits];
    program.sample(u64::from(shots), rng, &mut counts)?;
    let width = program.num_qubits;
    Ok(counts
        .iter()
        .enumerate()
        .filter(|&(_, &n)| n > 0)
        .map(|(index, &n)| (format!("{index:0width$b}"), n))
        .collect())
}

/// The final state vector of one run of `circuit` (amplitude `i` belongs to the basis state
/// whose bit `k` is qubit `k`). `rng` draws the outcomes of resets, if any. Meant for tests
/// and debugging.
pub fn statevector(circuit: &Circuit, rng: &mut impl Rng) -> Result<Vec<Complex64>, SimError> {
    let program = Program::compile(circuit)?;
    let mut state = program.initial_state();
    program.evolve(&mut state, rng)?;
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qasm;
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use std::collections::HashMap;
    use std::f64::consts::PI;

    type Matrix = Vec<Vec<Complex64>>;

    const EPS: f64 = 1e-10;

    fn rng(seed: u64) -> StdRng {
        StdRng::seed_from_u64(seed)
    }

    // ---- an independent dense reference -------------------------------------------------

    fn zeros(n: usize) -> Matrix {
        vec![vec![c(0.0, 0.0); n]; n]
    }

    fn identity(n: usize) -> Matrix {
        let mut m = zeros(n);
        for (i, row) in m.iter_mut().enumerate() {
            row[i] = c(1.0, 0.0);
        }
        m
    }

    fn from_rows(rows: &[&[Complex64]]) -> Matrix {
        rows.iter().map(|r| r.to_vec()).collect()
    }

    fn matmul(a: &Matrix, b: &Matrix) -> Matrix {
        let n = a.len();
        let mut out = zeros(n);
        for i in 0..n {
            for j in 0..n {
                out[i][j] = (0..n).map(|k| a[i][k] * b[k][j]).sum();
            }
        }
        out
    }

    fn kron(a: &Matrix, b: &Matrix) -> Matrix {
        let (n, m) = (a.len(), b.len());
        let mut out = zeros(n * m);
        for i in 0..n {
            for j in 0..n {
                for k in 0..m {
                    for l in 0..m {
                        out[i * m + k][j * m + l] = a[i][j] * b[k][l];
                    }
                }
            }
        }
        out
    }

    fn lin(a: Complex64, x: &Matrix, b: Complex64, y: &Matrix) -> Matrix {
        x.iter()
            .zip(y)
            .map(|(rx, ry)| rx.iter().zip(ry).map(|(p, q)| a * p + b * q).collect())
            .collect()
    }

    fn scale(a: Complex64, x: &Matrix) -> Matrix {
        x.iter()
            .map(|r| r.iter().map(|v| a * v).collect())
            .collect()
    }

    fn pauli_x() -> Matrix {
        from_rows(&[&[c(0.0, 0.0), c(1.0, 0.0)], &[c(1.0, 0.0), c(0.0, 0.0)]])
    }
    fn pauli_y() -> Matrix {
        from_rows(&[&[c(0.0, 0.0), c(0.0, -1.0)], &[c(0.0, 1.0), c(0.0, 0.0)]])
    }
    fn pauli_z() -> Matrix {
        from_rows(&[&[c(1.0, 0.0), c(0.0, 0.0)], &[c(0.0, 0.0), c(-1.0, 0.0)]])
    }
    fn diag(entries: &[Complex64]) -> Matrix {
        let mut m = zeros(entries.len());
        for (i, &e) in entries.iter().enumerate() {
            m[i][i] = e;
        }
        m
    }

    /// exp(−iθ/2 P) for an involution P (P² = I).
    fn exp_pauli(theta: f64, p: &Matrix) -> Matrix {
        let i = identity(p.len());
        lin(
            c((theta / 2.0).cos(), 0.0),
            &i,
            c(0.0, -(theta / 2.0).sin()),
            p,
        )
    }

    /// |0⟩⟨0| ⊗ I + |1⟩⟨1| ⊗ U (control = first operand = most significant).
    fn controlled(u: &Matrix) -> Matrix {
        let n = u.len();
        let mut m = identity(2 * n);
        for i in 0..n {
            for j in 0..n {
                m[n + i][n + j] = u[i][j];
            }
        }
        m
    }

    fn permutation(n: usize, swaps: &[(usize, usize)]) -> Matrix {
        let mut m = identity(n);
        for &(a, b) in swaps {
            m.swap(a, b);
        }
        m
    }

    /// ECR exactly as Qiskit defines it, in Qiskit's basis order 2·bit(q1) + bit(q0).
    fn ecr_qiskit() -> Matrix {
        let r = FRAC_1_SQRT_2;
        let formula = scale(
            c(r, 0.0),
            &lin(
                c(1.0, 0.0),
                &kron(&identity(2), &pauli_x()),
                c(-1.0, 0.0),
                &kron(&pauli_x(), &pauli_y()),
            ),
        );
        // Qiskit's documented matrix.
        let (z, o, i) = (c(0.0, 0.0), c(r, 0.0), c(0.0, r));
        let documented = from_rows(&[&[z, o, z, i], &[o, z, -i, z], &[z, i, z, o], &[-i, z, o, z]]);
        assert_close_m(&formula, &documented);
        documented
    }

    fn assert_close_m(a: &Matrix, b: &Matrix) {
        for (ra, rb) in a.iter().zip(b) {
            for (x, y) in ra.iter().zip(rb) {
                assert!((x - y).norm() < EPS, "{a:?} != {b:?}");
            }
        }
    }

    /// Textbook matrix of a gate, in the order "first operand most significant", except
    /// ECR which is returned in Qiskit order (flagged by the bool).
    fn textbook(kind: GateKind, p: &[f64]) -> (Matrix, bool) {
        use GateKind::*;
        let i_ = c(0.0, 1.0);
        let h = scale(
            c(FRAC_1_SQRT_2, 0.0),
            &lin(c(1.0, 0.0), &pauli_x(), c(1.0, 0.0), &pauli_z()),
        );
        let rz = |t: f64| exp_pauli(t, &pauli_z());
        let ry = |t: f64| exp_pauli(t, &pauli_y());
        let rx = |t: f64| exp_pauli(t, &pauli_x());
        let one = c(1.0, 0.0);
        let m = match kind {
            X => pauli_x(),
            Y => pauli_y(),
            Z => pauli_z(),
            H => h,
            S => diag(&[one, i_]),
            Sdg => diag(&[one, -i_]),
            T => diag(&[one, phase(PI / 4.0)]),
            Tdg => diag(&[one, phase(-PI / 4.0)]),
            Sx => scale(phase(PI / 4.0), &rx(PI / 2.0)),
            Sxdg => scale(phase(-PI / 4.0), &rx(-PI / 2.0)),
            Rx => rx(p[0]),
            Ry => ry(p[0]),
            Rz => rz(p[0]),
            P => diag(&[one, phase(p[0])]),
            U => scale(
                phase((p[1] + p[2]) / 2.0),
                &matmul(&matmul(&rz(p[1]), &ry(p[0])), &rz(p[2])),
            ),
            Prx => exp_pauli(
                p[0],
                &lin(
                    c(p[1].cos(), 0.0),
                    &pauli_x(),
                    c(p[1].sin(), 0.0),
                    &pauli_y(),
                ),
            ),
            Cx => controlled(&pauli_x()),
            Cy => controlled(&pauli_y()),
            Cz => controlled(&pauli_z()),
            Ch => controlled(&textbook(H, p).0),
            Swap => permutation(4, &[(1, 2)]),
            ISwap => from_rows(&[
                &[one, c(0.0, 0.0), c(0.0, 0.0), c(0.0, 0.0)],
                &[c(0.0, 0.0), c(0.0, 0.0), i_, c(0.0, 0.0)],
                &[c(0.0, 0.0), i_, c(0.0, 0.0), c(0.0, 0.0)],
                &[c(0.0, 0.0), c(0.0, 0.0), c(0.0, 0.0), one],
            ]),
            Ecr => return (ecr_qiskit(), true),
            Crx => controlled(&rx(p[0])),
            Cry => controlled(&ry(p[0])),
            Crz => controlled(&rz(p[0])),
            Cp => diag(&[one, one, one, phase(p[0])]),
            Rxx => exp_pauli(p[0], &kron(&pauli_x(), &pauli_x())),
            Ryy => exp_pauli(p[0], &kron(&pauli_y(), &pauli_y())),
            Rzz => exp_pauli(p[0], &kron(&pauli_z(), &pauli_z())),
            Ccx => permutation(8, &[(6, 7)]),
            Cswap => permutation(8, &[(5, 6)]),
        };
        (m, false)
    }

    /// Applies a 2^k×2^k matrix to `qubits` of `state`; local index has `qubits[0]` as its
    /// most significant bit.
    fn reference_apply(state: &[Complex64], m: &Matrix, qubits: &[usize]) -> Vec<Complex64> {
        let k = qubits.len();
        let local = |i: usize| {
            qubits
                .iter()
                .enumerate()
                .fold(0, |acc, (j, &q)| acc | (((i >> q) & 1) << (k - 1 - j)))
        };
        let with_local = |i: usize, l: usize| {
            qubits.iter().enumerate().fold(i, |acc, (j, &q)| {
                let bit = (l >> (k - 1 - j)) & 1;
                (acc & !(1 << q)) | (bit << q)
            })
        };
        (0..state.len())
            .map(|i| {
                (0..1usize << k)
                    .map(|lj| m[local(i)][lj] * state[with_local(i, lj)])
                    .sum()
            })
            .collect()
    }

    fn random_state(n: usize, rng: &mut StdRng) -> Vec<Complex64> {
        let mut v: Vec<Complex64> = (0..1usize << n)
            .map(|_| c(rng.random::<f64>() - 0.5, rng.random::<f64>() - 0.5))
            .collect();
        let norm = v.iter().map(|a| a.norm_sqr()).sum::<f64>().sqrt();
        for a in &mut v {
            *a /= norm;
        }
        v
    }

    fn assert_close(a: &[Complex64], b: &[Complex64], what: &str) {
        assert_eq!(a.len(), b.len());
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!((x - y).norm() < 1e-9, "{what}: amplitude {i}: {x} != {y}");
        }
    }

    fn one_gate_program(n: usize, kind: GateKind, p: &[f64], qubits: &[usize]) -> Program {
        let mut circuit = Circuit::new(n, 0);
        circuit
            .push_gate(
                kind,
                p.iter().map(|&v| Param::Value(v)).collect(),
                qubits.to_vec(),
            )
            .unwrap();
        Program::compile(&circuit).unwrap()
    }

    /// Every gate, on every basis state and on random states, on random (and reversed)
    /// qubit placements of a 4-qubit register, against its textbook matrix.
    #[test]
    fn every_gate_matches_its_textbook_matrix() {
        let n = 4;
        let mut r = rng(7);
        for kind in GateKind::ALL {
            for trial in 0..12 {
                let params: Vec<f64> = (0..kind.num_params())
                    .map(|_| (r.random::<f64>() - 0.5) * 4.0 * PI)
                    .collect();
                let mut qubits: Vec<usize> = Vec::new();
                while qubits.len() < kind.arity() {
                    let q = r.random_range(0..n);
                    if !qubits.contains(&q) {
                        qubits.push(q);
                    }
                }
                if trial == 0 {
                    qubits.sort_unstable(); // ascending placement
                } else if trial == 1 {
                    qubits.sort_unstable_by(|a, b| b.cmp(a)); // descending placement
                }
                let program = one_gate_program(n, kind, &params, &qubits);
                let (m, qiskit_order) = textbook(kind, &params);
                let ref_qubits: Vec<usize> = if qiskit_order {
                    qubits.iter().rev().copied().collect()
                } else {
                    qubits.clone()
                };
                let mut inputs: Vec<Vec<Complex64>> = (0..1usize << n)
                    .map(|b| {
                        let mut v = vec![c(0.0, 0.0); 1 << n];
                        v[b] = c(1.0, 0.0);
                        v
                    })
                    .collect();
                inputs.truncate(if trial < 2 { 16 } else { 0 });
                inputs.push(random_state(n, &mut r));
                for input in inputs {
                    let mut state = input.clone();
                    for instr in &program.instrs {
                        Program::apply(&mut state, instr);
                    }
                    let expected = reference_apply(&input, &m, &ref_qubits);
                    assert_close(
                        &state,
                        &expected,
                        &format!("{kind:?}{params:?} on {qubits:?}"),
                    );
                }
            }
        }
    }

    #[test]
    fn textbook_identities() {
        // sx·sx = x, u(π,0,π) = x, prx(θ,0) = rx(θ), prx(θ,π/2) = ry(θ), ecr is unitary.
        let sx = textbook(GateKind::Sx, &[]).0;
        assert_close_m(&matmul(&sx, &sx), &pauli_x());
        assert_close_m(&textbook(GateKind::U, &[PI, 0.0, PI]).0, &pauli_x());
        assert_close_m(
            &textbook(GateKind::Prx, &[0.7, 0.0]).0,
            &textbook(GateKind::Rx, &[0.7]).0,
        );
        assert_close_m(
            &textbook(GateKind::Prx, &[0.7, PI / 2.0]).0,
            &textbook(GateKind::Ry, &[0.7]).0,
        );
        let e = ecr_qiskit();
        let dagger: Matrix = (0..4)
            .map(|i| (0..4).map(|j| e[j][i].conj()).collect())
            .collect();
        assert_close_m(&matmul(&e, &dagger), &identity(4));
    }

    fn sv(source: &str) -> Vec<Complex64> {
        statevector(&qasm::parse(source).unwrap(), &mut rng(1)).unwrap()
    }

    fn counts(source: &str, shots: u32, seed: u64) -> HashMap<String, u64> {
        let counts = run(&qasm::parse(source).unwrap(), shots, &mut rng(seed)).unwrap();
        assert!(counts.windows(2).all(|w| w[0].0 < w[1].0), "sorted by key");
        counts.into_iter().collect()
    }

    fn map(entries: &[(&str, u64)]) -> HashMap<String, u64> {
        entries.iter().map(|&(k, v)| (k.to_string(), v)).collect()
    }

    #[test]
    fn known_states() {
        let r = FRAC_1_SQRT_2;
        let z = c(0.0, 0.0);
        assert_close(
            &sv("OPENQASM 3.0; qubit[2] q; h q[0]; cx q[0], q[1];"),
            &[c(r, 0.0), z, z, c(r, 0.0)],
            "bell",
        );
        // ecr on |00⟩ (Qiskit): (|01⟩ − i|11⟩)/√2 in q1q0 notation → indices 1 and 3.
        assert_close(
            &sv("OPENQASM 3.0; qubit[2] q; ecr q[0], q[1];"),
            &[z, c(r, 0.0), z, c(0.0, -r)],
            "ecr",
        );
        // crx(π) with the control set: target flips with a −i phase.
        assert_close(
            &sv("OPENQASM 3.0; qubit[2] q; x q[0]; crx(pi) q[0], q[1];"),
            &[z, z, z, c(0.0, -1.0)],
            "crx",
        );
        // rzz(θ)|11⟩ = e^{−iθ/2}|11⟩; ryy(π)|00⟩ = i|11⟩; rxx(π)|00⟩ = −i|11⟩.
        assert_close(
            &sv("OPENQASM 3.0; qubit[2] q; x q; rzz(0.5) q[0], q[1];"),
            &[z, z, z, phase(-0.25)],
            "rzz",
        );
        assert_close(
            &sv("OPENQASM 3.0; qubit[2] q; ryy(pi) q[0], q[1];"),
            &[z, z, z, c(0.0, 1.0)],
            "ryy",
        );
        assert_close(
            &sv("OPENQASM 3.0; qubit[2] q; rxx(pi) q[0], q[1];"),
            &[z, z, z, c(0.0, -1.0)],
            "rxx",
        );
        // Toffoli and Fredkin on the global indices they name.
        let mut expected = vec![z; 8];
        expected[0b111] = c(1.0, 0.0);
        assert_close(
            &sv("OPENQASM 3.0; qubit[3] q; x q[0]; x q[1]; ccx q[0], q[1], q[2];"),
            &expected,
            "ccx",
        );
        let mut expected = vec![z; 8];
        expected[0b101] = c(1.0, 0.0);
        assert_close(
            &sv("OPENQASM 3.0; qubit[3] q; x q[0]; x q[1]; cswap q[0], q[1], q[2];"),
            &expected,
            "cswap",
        );
        // id is dropped; 0 qubits is one amplitude.
        assert_close(&sv("OPENQASM 3.0; qubit q; id q;"), &[c(1.0, 0.0), z], "id");
        assert_close(&sv("OPENQASM 3.0;"), &[c(1.0, 0.0)], "empty");
    }

    #[test]
    fn bit_order() {
        assert_eq!(
            counts("OPENQASM 3.0; qubit[3] q; x q[0];", 100, 1),
            map(&[("001", 100)])
        );
        assert_eq!(
            counts("OPENQASM 3.0; qubit[1] a; qubit[2] b; x b[1];", 50, 1),
            map(&[("100", 50)])
        );
        assert_eq!(
            counts(
                "OPENQASM 3.0; qubit[2] q; bit[2] c; x q[1]; measure q -> c;",
                100,
                1
            ),
            map(&[("10", 100)])
        );
        assert_eq!(
            counts(
                "OPENQASM 3.0; qubit[2] q; bit[2] c; x q[0]; c[1] = measure q[0];",
                10,
                1
            ),
            map(&[("01", 10)])
        );
        // Spec §10.5 examples with deterministic results.
        assert_eq!(
            counts(
                "OPENQASM 3; // c\nqubit q; /* b */ bit c; x q; measure q -> c;",
                100,
                1
            ),
            map(&[("1", 100)])
        );
        assert_eq!(
            counts(
                "OPENQASM 3.0; qubit[2] q; gate mygate a, b { cx a, b; } U(pi, 0, pi) q[0]; CX q[0], q[1]; delay[100] q[0];",
                100,
                1
            ),
            map(&[("11", 100)])
        );
    }

    #[test]
    fn bell_and_ghz_with_a_fixed_seed() {
        let bell = counts("OPENQASM 3.0; qubit[2] q; h q[0]; cx q[0], q[1];", 1000, 42);
        assert_eq!(bell.len(), 2);
        assert_eq!(bell.values().sum::<u64>(), 1000);
        let n00 = bell["00"];
        assert!((430..=570).contains(&n00), "{bell:?}");
        // Same seed, same result.
        assert_eq!(
            bell,
            counts("OPENQASM 3.0; qubit[2] q; h q[0]; cx q[0], q[1];", 1000, 42)
        );

        let ghz = counts(
            "OPENQASM 3.0; qubit[5] q; h q[0]; cx q[0], q[1]; cx q[1], q[2]; cx q[2], q[3]; cx q[3], q[4];",
            2000,
            3,
        );
        assert_eq!(ghz.len(), 2);
        assert!((850..=1150).contains(&ghz["00000"]), "{ghz:?}");
        assert_eq!(ghz["00000"] + ghz["11111"], 2000);
    }

    #[test]
    fn rotations_example_is_roughly_even() {
        let result = counts(
            "OPENQASM 3.0; qubit[1] q; rz(-pi/4) q[0]; rx(2*pi) q[0]; ry(tau/4) q[0]; rz(1e-3) q[0];",
            2000,
            5,
        );
        assert!((850..=1150).contains(&result["0"]), "{result:?}");
    }

    #[test]
    fn broadcast_h_gives_every_outcome() {
        let result = counts("OPENQASM 3.0; qubit[3] q; h q;", 8000, 9);
        assert_eq!(result.len(), 8);
        for (key, n) in &result {
            assert_eq!(key.len(), 3);
            assert!((800..=1200).contains(n), "{result:?}");
        }
    }

    #[test]
    fn measurement_barrier_and_delay_do_not_collapse() {
        assert_eq!(
            counts(
                "OPENQASM 3.0; qubit q; bit c; h q; measure q -> c; barrier q; delay[10ns] q; h q;",
                500,
                2
            ),
            map(&[("0", 500)])
        );
    }

    #[test]
    fn zero_qubits_and_zero_shots() {
        assert_eq!(counts("OPENQASM 3.0;", 7, 1), map(&[("0", 7)]));
        assert_eq!(
            counts("OPENQASM 3.0; qubit[2] q; h q;", 0, 1),
            HashMap::new()
        );
        assert_eq!(counts("OPENQASM 3.0;", 0, 1), HashMap::new());
    }

    #[test]
    fn reset_is_a_projective_reset() {
        assert_eq!(
            counts("OPENQASM 3.0; qubit q; x q; reset q;", 100, 1),
            map(&[("0", 100)])
        );
        assert_eq!(
            counts("OPENQASM 3.0; qubit q; h q; reset q;", 100, 1),
            map(&[("0", 100)])
        );
        // Resetting half of a Bell pair leaves the other half random.
        let result = counts(
            "OPENQASM 3.0; qubit[2] q; h q[0]; cx q[0], q[1]; reset q[0];",
            4000,
            11,
        );
        assert_eq!(result.len(), 2, "{result:?}");
        assert!((1800..=2200).contains(&result["10"]), "{result:?}");
        assert_eq!(result["00"] + result["10"], 4000);
        // A reset followed by more gates.
        let result = counts("OPENQASM 3.0; qubit q; h q; reset q; h q;", 4000, 12);
        assert!((1800..=2200).contains(&result["1"]), "{result:?}");
        // Reset of a register; statevector draws one trajectory.
        assert_eq!(
            counts("OPENQASM 3.0; qubit[3] q; x q; reset q;", 10, 1),
            map(&[("000", 10)])
        );
        let state = statevector(
            &qasm::parse("OPENQASM 3.0; qubit q; h q; reset q;").unwrap(),
            &mut rng(4),
        )
        .unwrap();
        assert_close(&state, &[c(1.0, 0.0), c(0.0, 0.0)], "reset state");
    }

    /// The exact outcome distribution of a circuit with resets, by enumerating every
    /// branch with its probability.
    fn exact_distribution(program: &Program) -> Vec<f64> {
        let mut out = vec![0.0; 1 << program.num_qubits];
        let mut stack = vec![(program.initial_state(), 0usize, 1.0f64)];
        while let Some((mut state, start, weight)) = stack.pop() {
            let mut finished = true;
            for (pos, instr) in program.instrs.iter().enumerate().skip(start) {
                if let Instr::Reset { q } = *instr {
                    let (p0, p1) = reset_probabilities(&state, q);
                    for (outcome, p) in [(false, p0), (true, p1)] {
                        if p > 1e-15 {
                            let mut branch = state.clone();
                            project_and_reset(&mut branch, q, outcome, p);
                            stack.push((branch, pos + 1, weight * p));
                        }
                    }
                    finished = false;
                    break;
                }
                Program::apply(&mut state, instr);
            }
            if finished {
                for (o, a) in out.iter_mut().zip(&state) {
                    *o += weight * a.norm_sqr();
                }
            }
        }
        out
    }

    #[test]
    fn grouped_reset_sampling_matches_the_exact_mixture() {
        let source = "OPENQASM 3.0; qubit[3] q;
            ry(1.0) q[0]; cx q[0], q[1]; reset q[0]; h q[0]; ry(0.7) q[2];
            cx q[2], q[0]; reset q[2]; crx(1.3) q[1], q[2]; reset q[1]; h q[1]; cx q[0], q[1];";
        let circuit = qasm::parse(source).unwrap();
        let program = Program::compile(&circuit).unwrap();
        let exact = exact_distribution(&program);
        assert!((exact.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        let shots = 200_000u32;
        let result: HashMap<_, _> = run(&circuit, shots, &mut rng(21))
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(result.values().sum::<u64>(), u64::from(shots));
        for (index, p) in exact.iter().enumerate() {
            let key = format!("{index:03b}");
            let freq = result.get(&key).copied().unwrap_or(0) as f64 / f64::from(shots);
            assert!((freq - p).abs() < 0.006, "{key}: {freq} vs {p}");
            if *p < 1e-12 {
                assert!(!result.contains_key(&key), "{key} has probability 0");
            }
        }
    }

    #[test]
    fn symbolic_and_non_finite_parameters_fail() {
        let circuit = qasm::parse("OPENQASM 3.0; qubit q; h q; rx(theta) q[0];").unwrap();
        let err = run(&circuit, 10, &mut rng(1)).unwrap_err();
        assert_eq!(err.to_string(), "Rx gate has unresolved symbolic parameter");
        let circuit = qasm::parse("OPENQASM 3.0; qubit[2] q; crz(2*phi) q[0], q[1];").unwrap();
        assert_eq!(
            run(&circuit, 10, &mut rng(1)).unwrap_err().to_string(),
            "CRz gate has unresolved symbolic parameter"
        );
        // Checked even for zero shots.
        assert!(run(
            &qasm::parse("OPENQASM 3.0; qubit q; u(a, b, c) q;").unwrap(),
            0,
            &mut rng(1)
        )
        .is_err());
        let circuit = qasm::parse("OPENQASM 3.0; qubit q; rx(1/0) q[0];").unwrap();
        assert_eq!(
            run(&circuit, 10, &mut rng(1)).unwrap_err().to_string(),
            "Rx gate has non-finite parameter"
        );
    }

    #[test]
    fn too_many_qubits() {
        let circuit = qasm::parse("OPENQASM 3.0; qubit[21] q;").unwrap();
        assert_eq!(
            run(&circuit, 1, &mut rng(1)).unwrap_err().to_string(),
            "Circuit has 21 qubits but simulator only supports 20"
        );
        let huge = Circuit::new(usize::MAX, 0);
        assert!(run(&huge, 1, &mut rng(1)).is_err());
    }

    #[test]
    fn hand_built_invalid_circuits_fail_without_panicking() {
        let gate = |kind, params: Vec<Param>, qubits: Vec<usize>| Op::Gate {
            kind,
            params,
            qubits,
        };
        let bad_ops = vec![
            gate(GateKind::H, vec![], vec![5]),
            gate(GateKind::H, vec![], vec![]),
            gate(GateKind::Cx, vec![], vec![0]),
            gate(GateKind::Cx, vec![], vec![1, 1]),
            gate(GateKind::Ccx, vec![], vec![0, 1, 1]),
            gate(GateKind::Rx, vec![], vec![0]),
            gate(GateKind::X, vec![Param::Value(1.0)], vec![0]),
            Op::Measure { qubit: 0, clbit: 3 },
            Op::Measure { qubit: 9, clbit: 0 },
            Op::Reset { qubit: 2 },
            Op::Barrier { qubits: vec![0, 7] },
            Op::Delay {
                qubits: vec![usize::MAX],
            },
        ];
        for op in bad_ops {
            let circuit = Circuit {
                num_qubits: 2,
                num_clbits: 1,
                ops: vec![op.clone()],
            };
            assert!(run(&circuit, 5, &mut rng(1)).is_err(), "{op:?}");
            assert!(statevector(&circuit, &mut rng(1)).is_err(), "{op:?}");
        }
    }

    #[test]
    fn twenty_qubits_hundred_thousand_shots() {
        let started = std::time::Instant::now();
        let result = counts("OPENQASM 3.0; qubit[20] q; h q;", 100_000, 17);
        assert_eq!(result.values().sum::<u64>(), 100_000);
        assert!(result.keys().all(|k| k.len() == 20));
        // 2^20 equally likely outcomes: almost every shot is distinct.
        assert!(result.len() > 95_000, "{}", result.len());
        // With a reset, grouped sampling keeps this fast (per-shot would take minutes).
        let result = counts(
            "OPENQASM 3.0; qubit[20] q; h q; cx q[0], q[19]; reset q[0]; rzz(0.3) q[18], q[19];",
            100_000,
            18,
        );
        assert_eq!(result.values().sum::<u64>(), 100_000);
        assert!(result.keys().all(|k| k.ends_with('0')));
        eprintln!("20-qubit jobs took {:?}", started.elapsed());
    }

    #[test]
    fn gates_on_high_qubits_of_a_wide_register() {
        // Every gate kind on the top qubits of 12, then undone by its inverse built from
        // the same kernels' reference: compare with the dense reference on a random state.
        let n = 12;
        let mut r = rng(99);
        for kind in GateKind::ALL {
            let qubits: Vec<usize> = (0..kind.arity()).map(|i| n - 1 - i * 5).collect();
            let params: Vec<f64> = (0..kind.num_params()).map(|i| 0.3 + i as f64).collect();
            let program = one_gate_program(n, kind, &params, &qubits);
            let input = random_state(n, &mut r);
            let mut state = input.clone();
            for instr in &program.instrs {
                Program::apply(&mut state, instr);
            }
            let (m, qiskit_order) = textbook(kind, &params);
            let ref_qubits: Vec<usize> = if qiskit_order {
                qubits.iter().rev().copied().collect()
            } else {
                qubits.clone()
            };
            assert_close(
                &state,
                &reference_apply(&input, &m, &ref_qubits),
                &format!("{kind:?}"),
            );
        }
    }
}
