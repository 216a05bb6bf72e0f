//! A validation report for editors: what the service would answer for a program, before it is
//! sent, with line and column of each problem.
//!
//! Errors are what SubmitJob would reject (`INVALID_ARGUMENT`, no job created): the parse and
//! lowering errors of spec §10.4 and the complexity limits of §6.1 step 4. Warnings are what
//! the chosen backend would only report at run time by failing the accepted job (§6.1): more
//! qubits or shots than it supports, gates it cannot execute, symbolic angles. Every message is
//! the service's own text (the status message, or the FAILED job's error).

use std::ops::Range;

use crate::circuit::{Circuit, GateKind, Op, Param};
use crate::complexity::ComplexityLimits;
use crate::simulator_backend::{self, RunFailure};
use crate::{analysis, qasm, simulator};

/// The backend a program is meant for, as far as validation needs to know it.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// The service's `simulator` backend (spec §8.2): its limits and the gates it fails on.
    ServiceSimulator,
    /// The in-browser simulator ([`crate::simulator`]): every gate, up to
    /// [`simulator::MAX_QUBITS`] qubits.
    Local,
    /// Another backend, known by what `ListBackends` says of it.
    Described {
        /// Its id.
        id: String,
        /// Its qubits (`None` or 0: unknown).
        max_qubits: Option<usize>,
        /// Its shot limit (`None` or 0: unknown).
        max_shots: Option<u32>,
        /// Gate names it supports (`None` or empty: unknown).
        supported_gates: Option<Vec<String>>,
    },
}

/// What to validate against.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Options {
    /// The backend (`None`: only what SubmitJob itself checks).
    pub target: Option<Target>,
    /// Shots to be requested (checked against the backend's maximum).
    pub shots: Option<u32>,
    /// The server's complexity limits (default: the service's defaults).
    pub limits: ComplexityLimits,
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// SubmitJob would reject the program.
    Error,
    /// The job would be accepted and then fail (or the backend cannot be known to run it).
    Warning,
}

impl Severity {
    /// `"error"` or `"warning"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem, at a place in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The service's text for it.
    pub message: String,
    /// Byte range of the source it is about.
    pub span: Range<usize>,
    /// 1-based line of the start.
    pub line: usize,
    /// 1-based column of the start, in UTF-16 code units (as JavaScript strings count).
    pub column: usize,
    /// 1-based line of the end.
    pub end_line: usize,
    /// 1-based column just after the end, in UTF-16 code units (`== column` for an empty range).
    pub end_column: usize,
    /// [`Diagnostic::span`] in UTF-16 code units (JavaScript string indices).
    pub utf16_span: Range<usize>,
}

/// What validation found.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// No errors (warnings allowed): SubmitJob would accept the program.
    pub ok: bool,
    /// Qubits declared (0 if the program does not parse).
    pub qubits: usize,
    /// Classical bits declared.
    pub clbits: usize,
    /// Gate operations after broadcast expansion.
    pub gates: usize,
    /// All operations, as the complexity limit counts them.
    pub operations: usize,
    /// Circuit depth ([`analysis::depth`]).
    pub depth: usize,
    /// Errors first (there is at most one of each kind: the service stops at the first), then
    /// warnings in the order the backend checks them: shots, qubits, then operations in program
    /// order — so a FAILED job's message is the first warning's.
    pub diagnostics: Vec<Diagnostic>,
    /// The circuit, when the program parses.
    pub circuit: Option<Circuit>,
}

/// Validates `source` as SubmitJob and then the chosen backend would.
pub fn validate(source: &str, options: &Options) -> Report {
    let located = match qasm::parse_with_spans(source) {
        Ok(located) => located,
        Err(rejection) => {
            let message = rejection.error.service_message();
            return Report {
                ok: false,
                qubits: 0,
                clbits: 0,
                gates: 0,
                operations: 0,
                depth: 0,
                diagnostics: vec![diagnostic(source, Severity::Error, message, rejection.span)],
                circuit: None,
            };
        }
    };
    let circuit = located.circuit;
    let decl = located.last_qubit_decl.clone().unwrap_or(0..0);
    let mut diagnostics = Vec::new();
    if let Err(e) = options.limits.check(&circuit) {
        let span = match e {
            crate::complexity::ComplexityError::Qubits { .. } => decl.clone(),
            crate::complexity::ComplexityError::Gates { .. } => 0..0,
        };
        diagnostics.push(diagnostic(
            source,
            Severity::Error,
            e.service_message(),
            span,
        ));
    }
    let op_span = |op: usize| located.op_spans.get(op).cloned().unwrap_or(0..0);
    let warn = |message: String, span: Range<usize>| (message, span);
    let mut warnings: Vec<(String, Range<usize>)> = Vec::new();
    match &options.target {
        None => {}
        Some(Target::ServiceSimulator) => {
            for failure in simulator_backend::run_failures(&circuit, options.shots.unwrap_or(0)) {
                let span = match failure {
                    RunFailure::TooManyShots { .. } => 0..0,
                    RunFailure::TooManyQubits { .. } => decl.clone(),
                    _ => failure.op().map_or(0..0, op_span),
                };
                warnings.push(warn(failure.to_string(), span));
            }
        }
        Some(Target::Local) => {
            if circuit.num_qubits > simulator::MAX_QUBITS {
                let e = simulator::SimError::TooManyQubits {
                    qubits: circuit.num_qubits,
                    max: simulator::MAX_QUBITS,
                };
                warnings.push(warn(e.to_string(), decl.clone()));
            }
            for (i, op) in circuit.ops.iter().enumerate() {
                if let Op::Gate { kind, params, .. } = op {
                    if params.iter().any(|p| matches!(p, Param::Symbol(_))) {
                        let e = simulator::SimError::SymbolicParameter { gate: *kind };
                        warnings.push(warn(e.to_string(), op_span(i)));
                    }
                }
            }
        }
        Some(Target::Described {
            id,
            max_qubits,
            max_shots,
            supported_gates,
        }) => {
            if let (Some(max), Some(shots)) = (max_shots.filter(|&m| m > 0), options.shots) {
                if shots > max {
                    warnings.push(warn(
                        format!("Requested {shots} shots but {id} supports max {max}"),
                        0..0,
                    ));
                }
            }
            if let Some(max) = max_qubits.filter(|&m| m > 0) {
                if circuit.num_qubits > max {
                    warnings.push(warn(
                        format!(
                            "Circuit has {} qubits but {id} only supports {max}",
                            circuit.num_qubits
                        ),
                        decl.clone(),
                    ));
                }
            }
            if let Some(gates) = supported_gates.as_ref().filter(|g| !g.is_empty()) {
                let mut reported: Vec<GateKind> = Vec::new();
                for (i, op) in circuit.ops.iter().enumerate() {
                    if let Op::Gate { kind, .. } = op {
                        if !reported.contains(kind) && !gates.iter().any(|g| g == kind.name()) {
                            reported.push(*kind);
                            warnings.push(warn(
                                format!(
                                    "Gate '{}' is not among {id}'s supported gates",
                                    kind.name()
                                ),
                                op_span(i),
                            ));
                        }
                    }
                }
            }
        }
    }
    diagnostics.extend(
        warnings
            .into_iter()
            .map(|(message, span)| diagnostic(source, Severity::Warning, message, span)),
    );
    Report {
        ok: !diagnostics.iter().any(|d| d.severity == Severity::Error),
        qubits: circuit.num_qubits,
        clbits: circuit.num_clbits,
        gates: analysis::gate_count(&circuit),
        operations: circuit.operation_count(),
        depth: analysis::depth(&circuit),
        diagnostics,
        circuit: Some(circuit),
    }
}

/// A diagnostic with line and column computed from the byte span.
fn diagnostic(source: &str, severity: Severity, message: String, span: Range<usize>) -> Diagnostic {
    let start = floor_char_boundary(source, span.start);
    let end = floor_char_boundary(source, span.end.max(start));
    let (line, column) = line_column(source, start);
    let (end_line, end_column) = line_column(source, end);
    let utf16_start = source[..start].encode_utf16().count();
    let utf16_end = utf16_start + source[start..end].encode_utf16().count();
    Diagnostic {
        severity,
        message,
        utf16_span: utf16_start..utf16_end,
        span: start..end,
        line,
        column,
        end_line,
        end_column,
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// 1-based line and UTF-16 column of byte offset `at` (clamped to the source, and down to a
/// character boundary).
pub fn line_column(source: &str, at: usize) -> (usize, usize) {
    let before = &source[..floor_char_boundary(source, at)];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before[line_start..].encode_utf16().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim(shots: u32) -> Options {
        Options {
            target: Some(Target::ServiceSimulator),
            shots: Some(shots),
            ..Options::default()
        }
    }

    #[test]
    fn parse_errors_are_placed_and_worded_as_the_service() {
        let r = validate(
            "OPENQASM 3.0;\nqubit[2] q;\nh q[0]\ncx q[0], q[1];",
            &Options::default(),
        );
        assert!(!r.ok);
        let d = &r.diagnostics[0];
        assert_eq!(
            d.message,
            "[permanent] QASM parse error: Unexpected token at line 4: expected ;, found cx"
        );
        assert_eq!((d.line, d.column, d.end_line, d.end_column), (4, 1, 4, 3));

        let r = validate("OPENQASM 3.0; qubit[2] q;\n  h r[0];", &Options::default());
        let d = &r.diagnostics[0];
        assert_eq!(
            d.message,
            "[permanent] QASM parse error: Undefined identifier: r"
        );
        assert_eq!((d.line, d.column, d.end_column), (2, 5, 9));

        let r = validate("OPENQASM 3.0; qubit q; foo q;", &Options::default());
        assert_eq!(
            r.diagnostics[0].message,
            "[permanent] QASM parse error: Unknown gate: foo"
        );
        assert_eq!(r.diagnostics[0].column, 24);

        let r = validate("OPENQASM 3.0; qubit q; rx(2 ** 2) q;", &Options::default());
        assert_eq!(
            r.diagnostics[0].message,
            "[permanent] QASM parse error: Parse error: Unsupported operator in parameter: Pow"
        );
        assert_eq!(
            (r.diagnostics[0].column, r.diagnostics[0].end_column),
            (27, 33)
        );

        let r = validate("", &Options::default());
        assert_eq!(
            r.diagnostics[0].message,
            "[permanent] QASM parse error: Unexpected end of input: expected OPENQASM"
        );
        // Any offset is clamped, never a panic (inside a character, past the end).
        assert_eq!(line_column("aψ\nb", 2), (1, 2));
        assert_eq!(line_column("aψ\nb", 99), (2, 2));
        // Columns count UTF-16 units: ψ is one, the emoji two.
        let r = validate("OPENQASM 3.0; qubit ψ; h 😀;", &Options::default());
        assert_eq!(r.diagnostics[0].column, 26);
    }

    #[test]
    fn counts_complexity_and_backend_warnings() {
        let r = validate(
            "OPENQASM 3.0; qubit[2] q; bit[2] c; h q[0]; cx q[0], q[1]; c = measure q;",
            &sim(1000),
        );
        assert!(r.ok);
        assert_eq!(
            (r.qubits, r.clbits, r.gates, r.operations, r.depth),
            (2, 2, 2, 4, 3)
        );
        assert!(r.diagnostics.is_empty());

        let r = validate("OPENQASM 3.0; qubit[201] q; h q[0];", &sim(1));
        assert!(!r.ok);
        assert_eq!(
            r.diagnostics[0].message,
            "Circuit exceeds complexity limits: 201 qubits exceeds limit of 200"
        );
        assert_eq!(r.diagnostics[0].column, 15);

        let r = validate(
            "OPENQASM 3.0;\nqubit[21] q;\nrx(theta) q[0];\ncrx(0.5) q[0], q[1];",
            &sim(100_001),
        );
        assert!(r.ok);
        let texts: Vec<_> = r
            .diagnostics
            .iter()
            .map(|d| (d.line, d.message.as_str()))
            .collect();
        assert_eq!(texts.len(), 4);
        assert!(texts[0].1.contains("Requested 100001 shots"));
        assert_eq!(texts[1].0, 2);
        assert_eq!(texts[2].0, 3);
        assert!(texts[3]
            .1
            .ends_with("Unhandled gate type in simulation: CRx(Constant(0.5))"));
        assert!(r
            .diagnostics
            .iter()
            .all(|d| d.severity == Severity::Warning));

        // The local simulator runs crx; symbolic angles still fail.
        let local = Options {
            target: Some(Target::Local),
            ..Options::default()
        };
        let r = validate(
            "OPENQASM 3.0; qubit[2] q; crx(0.5) q[0], q[1]; rz(t) q[1];",
            &local,
        );
        assert_eq!(r.diagnostics.len(), 1);
        assert_eq!(
            r.diagnostics[0].message,
            "Rz gate has unresolved symbolic parameter"
        );

        let other = Options {
            target: Some(Target::Described {
                id: "qpu".into(),
                max_qubits: Some(2),
                max_shots: Some(10),
                supported_gates: Some(vec!["h".into()]),
            }),
            shots: Some(11),
            ..Options::default()
        };
        let r = validate("OPENQASM 3.0; qubit[3] q; h q; x q[0]; x q[1];", &other);
        let texts: Vec<_> = r.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Requested 11 shots but qpu supports max 10",
                "Circuit has 3 qubits but qpu only supports 2",
                "Gate 'x' is not among qpu's supported gates",
            ]
        );
    }
}
