//! Tests of the OpenQASM 3 front end against spec §10: accepted programs, every rejection
//! message, limits, and robustness against arbitrary input.

use super::*;
use crate::circuit::{GateKind, Op, Param};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn ok(src: &str) -> Circuit {
    match parse(src) {
        Ok(c) => c,
        Err(e) => panic!("expected {src:?} to parse, got: {e}"),
    }
}

fn err(src: &str) -> String {
    match parse(src) {
        Ok(c) => panic!("expected {src:?} to fail, got {c:?}"),
        Err(e) => e.to_string(),
    }
}

fn gate(kind: GateKind, params: &[f64], qubits: &[usize]) -> Op {
    Op::Gate {
        kind,
        params: params.iter().map(|&v| Param::Value(v)).collect(),
        qubits: qubits.to_vec(),
    }
}

fn kinds(c: &Circuit) -> Vec<GateKind> {
    c.ops
        .iter()
        .filter_map(|op| match op {
            Op::Gate { kind, .. } => Some(*kind),
            _ => None,
        })
        .collect()
}

const H: &str = "OPENQASM 3.0;\n";

fn with_header(body: &str) -> String {
    format!("{H}{body}")
}

// ---- spec §10.5 examples ---------------------------------------------------------------

#[test]
fn spec_examples_accepted() {
    let c = ok("OPENQASM 3.0; qubit[2] q; h q[0]; cx q[0], q[1];");
    assert_eq!((c.num_qubits, c.num_clbits), (2, 0));
    assert_eq!(
        c.ops,
        vec![
            gate(GateKind::H, &[], &[0]),
            gate(GateKind::Cx, &[], &[0, 1])
        ]
    );

    let c = ok("OPENQASM 3.0; qubit[3] q; x q[0];");
    assert_eq!(c.ops, vec![gate(GateKind::X, &[], &[0])]);

    let c = ok("OPENQASM 3.0; qubit[2] q; bit[2] c; x q[1]; measure q -> c;");
    assert_eq!(
        c.ops,
        vec![
            gate(GateKind::X, &[], &[1]),
            Op::Measure { qubit: 0, clbit: 0 },
            Op::Measure { qubit: 1, clbit: 1 }
        ]
    );

    let c = ok("// leading comment\nOPENQASM 3; /* block\ncomment */ qubit q; bit c; x q; // x\nmeasure q -> c;");
    assert_eq!((c.num_qubits, c.num_clbits, c.ops.len()), (1, 1, 2));

    let c = ok(
        "OPENQASM 3.0; qubit[1] q; rz(-pi/4) q[0]; rx(2*pi) q[0]; ry(tau/4) q[0]; rz(1e-3) q[0];",
    );
    let pi = std::f64::consts::PI;
    assert_eq!(
        c.ops,
        vec![
            gate(GateKind::Rz, &[-pi / 4.0], &[0]),
            gate(GateKind::Rx, &[2.0 * pi], &[0]),
            gate(GateKind::Ry, &[std::f64::consts::TAU / 4.0], &[0]),
            gate(GateKind::Rz, &[1e-3], &[0]),
        ]
    );

    let c = ok("OPENQASM 3.0; qubit[2] q; gate mygate a, b { cx a, b; } U(pi, 0, pi) q[0]; CX q[0], q[1]; delay[100] q[0];");
    assert_eq!(
        c.ops,
        vec![
            gate(GateKind::U, &[pi, 0.0, pi], &[0]),
            gate(GateKind::Cx, &[], &[0, 1]),
            Op::Delay { qubits: vec![0] }
        ]
    );
    // Accepted by the parser; the complexity check (not the parser) rejects 201 qubits.
    assert_eq!(ok("OPENQASM 3.0; qubit[201] q; h q[0];").num_qubits, 201);
}

#[test]
fn spec_examples_rejected() {
    assert_eq!(
        err("invalid qasm"),
        "Unexpected token at line 1: expected OPENQASM, found invalid"
    );
    assert_eq!(
        err("OPENQASM 2.0; include \"qelib1.inc\"; qreg q[2]; creg c[2]; h q[0]; measure q -> c;"),
        "Undefined identifier: q"
    );
    assert_eq!(
        err("OPENQASM 3.0;\nqubit[2] q;\nctrl @ x q[0], q[1];"),
        "Unexpected token at line 3: expected identifier, found @"
    );
}

// ---- §10.4 message patterns ------------------------------------------------------------

#[test]
fn unexpected_token_and_end_of_input() {
    assert_eq!(err(""), "Unexpected end of input: expected OPENQASM");
    assert_eq!(
        err("  // nothing\n /* here */ "),
        "Unexpected end of input: expected OPENQASM"
    );
    assert_eq!(
        err("OPENQASM"),
        "Unexpected end of input: expected version number"
    );
    assert_eq!(err("OPENQASM 3.0"), "Unexpected end of input: expected ;");
    assert_eq!(
        err("OPENQASM 3.0;\nqubit q\nh q;"),
        "Unexpected token at line 3: expected ;, found h"
    );
    assert_eq!(
        err("OPENQASM 3.0; qubit q; h q"),
        "Unexpected end of input: expected ;"
    );
    assert_eq!(
        err("qubit q; OPENQASM 3;"),
        "Unexpected token at line 1: expected OPENQASM, found qubit"
    );
    assert_eq!(
        err("openqasm 3;"),
        "Unexpected token at line 1: expected OPENQASM, found openqasm"
    );
    assert_eq!(
        err(&with_header("OPENQASM 3.0;")),
        "Unexpected token at line 2: expected statement, found OPENQASM"
    );
    assert_eq!(
        err(&with_header("qubit q;\n\n;")),
        "Unexpected token at line 4: expected statement, found ;"
    );
    assert_eq!(
        err(&with_header("qubit[2] q;\n}")),
        "Unexpected token at line 3: expected statement, found }"
    );
    assert_eq!(
        err(&with_header("qubit[x] q;")),
        "Unexpected token at line 2: expected integer, found x"
    );
    assert_eq!(
        err(&with_header("qubit[2] 3;")),
        "Unexpected token at line 2: expected identifier, found 3"
    );
    assert_eq!(
        err(&with_header("include qelib1;")),
        "Unexpected token at line 2: expected string, found qelib1"
    );
    assert_eq!(
        err(&with_header("qubit q; h $0;")),
        "Unexpected token at line 2: expected identifier, found $0"
    );
    assert_eq!(
        err(&with_header("qubit q; rx(,) q;")),
        "Unexpected token at line 2: expected expression, found ,"
    );
    assert_eq!(
        err(&with_header("qubit q; rx(1 q;")),
        "Unexpected token at line 2: expected ), found q"
    );
    assert_eq!(
        err(&with_header("bit c; c[0] += 1;")),
        "Unexpected token at line 2: expected =, found +"
    );
    // Lines count inside block comments too.
    assert_eq!(
        err("OPENQASM 3; /* one\ntwo\nthree */ qubit q h q;"),
        "Unexpected token at line 3: expected ;, found h"
    );
}

#[test]
fn lexer_errors() {
    assert_eq!(
        err("OPENQASM 3.0; qubit q; # x"),
        "Lexer error at position 23: unexpected character '#'"
    );
    assert_eq!(
        err("OPENQASM 3.0; include \"stdgates.inc;"),
        "Lexer error at position 22: unterminated string literal"
    );
    assert_eq!(
        err("OPENQASM 3.0; /* never closed"),
        "Lexer error at position 14: unterminated block comment"
    );
    assert!(err("\u{1F680}").starts_with("Lexer error at position 0:"));
}

#[test]
fn invalid_version() {
    assert_eq!(err("OPENQASM abc;"), "Invalid OPENQASM version: abc");
    assert_eq!(err("OPENQASM ;"), "Invalid OPENQASM version: ;");
    assert_eq!(err("OPENQASM \"3\";"), "Invalid OPENQASM version: \"3\"");
    // Any number is accepted; the version is not checked.
    for v in ["3", "3.0", "2.0", "3.1", "99", ".5", "1e3"] {
        ok(&format!("OPENQASM {v};"));
    }
}

#[test]
fn undefined_identifiers() {
    assert_eq!(err(&with_header("h r[0];")), "Undefined identifier: r");
    assert_eq!(
        err(&with_header("qubit q; h q, r;")),
        "Undefined identifier: r"
    );
    // Registers are known only after their declaration.
    assert_eq!(
        err(&with_header("h q; qubit q;")),
        "Undefined identifier: q"
    );
    // A bit register is not a qubit operand, and vice versa.
    assert_eq!(
        err(&with_header("qubit q; bit c; h c;")),
        "Undefined identifier: c"
    );
    assert_eq!(
        err(&with_header("qubit q; bit c; measure c -> q;")),
        "Undefined identifier: c"
    );
    assert_eq!(
        err(&with_header("qubit q; bit c; measure q -> q;")),
        "Undefined identifier: q"
    );
    assert_eq!(
        err(&with_header("qubit q; x = measure q;")),
        "Undefined identifier: x"
    );
    assert_eq!(err(&with_header("qreg q[2];")), "Undefined identifier: q");
    assert_eq!(
        err(&with_header("qubit[2] q; creg c[2];")),
        "Undefined identifier: c"
    );
    assert_eq!(err(&with_header("reset r;")), "Undefined identifier: r");
    assert_eq!(err(&with_header("barrier r;")), "Undefined identifier: r");
    assert_eq!(err(&with_header("delay[5] r;")), "Undefined identifier: r");
}

#[test]
fn unknown_gates() {
    assert_eq!(err(&with_header("qubit q; foo q[0];")), "Unknown gate: foo");
    assert_eq!(err(&with_header("qubit q; FOO q;")), "Unknown gate: foo");
    assert_eq!(err(&with_header("foo;")), "Unknown gate: foo");
    assert_eq!(
        err(&with_header(
            "qubit[2] q; gate mygate a, b { cx a, b; } mygate q[0], q[1];"
        )),
        "Unknown gate: mygate"
    );
    for name in ["gphase", "u1", "u2", "cu", "ctrl", "sxx", "measure_x"] {
        assert_eq!(
            err(&with_header(&format!("qubit q; {name} q;"))),
            format!("Unknown gate: {name}")
        );
    }
}

#[test]
fn qubit_and_parameter_counts() {
    assert_eq!(
        err(&with_header("qubit[3] q; cx q;")),
        "Gate 'cx' expects 2 qubits, got 3"
    );
    assert_eq!(
        err(&with_header("qubit[3] q; cnot q[0];")),
        "Gate 'cx' expects 2 qubits, got 1"
    );
    assert_eq!(
        err(&with_header("qubit[2] a; qubit[2] b; swap a, b;")),
        "Gate 'swap' expects 2 qubits, got 4"
    );
    assert_eq!(
        err(&with_header("qubit[3] q; toffoli q[0], q[1];")),
        "Gate 'ccx' expects 3 qubits, got 2"
    );
    assert_eq!(err(&with_header("h;")), "Gate 'h' expects 1 qubits, got 0");
    assert_eq!(
        err(&with_header("qubit q; rx q[0];")),
        "Gate 'rx' expects 1 parameters, got 0"
    );
    assert_eq!(
        err(&with_header("qubit q; u(1, 2) q;")),
        "Gate 'u' expects 3 parameters, got 2"
    );
    assert_eq!(
        err(&with_header("qubit q; h(0.5) q;")),
        "Gate 'h' expects 0 parameters, got 1"
    );
    assert_eq!(
        err(&with_header("qubit q; r(0.5) q;")),
        "Gate 'prx' expects 2 parameters, got 1"
    );
    assert_eq!(
        err(&with_header("qubit q; id(1) q;")),
        "Gate 'id' expects 0 parameters, got 1"
    );
    // An empty parameter list is zero parameters.
    ok(&with_header("qubit q; h() q;"));
}

#[test]
fn index_out_of_bounds() {
    assert_eq!(
        err(&with_header("qubit[2] q; h q[5];")),
        "Index 5 out of bounds for register 'q' of size 2"
    );
    assert_eq!(
        err(&with_header("qubit[2] q; h q[2];")),
        "Index 2 out of bounds for register 'q' of size 2"
    );
    assert_eq!(
        err(&with_header("qubit[2] q; bit[1] c; measure q[0] -> c[1];")),
        "Index 1 out of bounds for register 'c' of size 1"
    );
    assert_eq!(
        err(&with_header("qubit[2] q; h q[99999999999];")),
        "Index 99999999999 out of bounds for register 'q' of size 2"
    );
    // `id` is dropped but still checked.
    assert_eq!(
        err(&with_header("qubit[2] q; id q[7];")),
        "Index 7 out of bounds for register 'q' of size 2"
    );
}

#[test]
fn expression_nesting_limit() {
    let nested = |depth: usize| {
        with_header(&format!(
            "qubit q; rx({}1{}) q;",
            "(".repeat(depth),
            ")".repeat(depth)
        ))
    };
    let c = ok(&nested(MAX_EXPRESSION_DEPTH));
    assert_eq!(c.ops, vec![gate(GateKind::Rx, &[1.0], &[0])]);
    assert_eq!(
        err(&nested(MAX_EXPRESSION_DEPTH + 1)),
        "Expression nesting too deep (max 256 levels)"
    );
    // Far deeper input fails the same way without exhausting the stack.
    assert_eq!(
        err(&nested(200_000)),
        "Expression nesting too deep (max 256 levels)"
    );
    let minus = with_header(&format!("qubit q; rx({}1) q;", "-".repeat(100_000)));
    assert_eq!(err(&minus), "Expression nesting too deep (max 256 levels)");
    let pow = with_header(&format!("qubit q; rx({}2) q;", "2**".repeat(100_000)));
    assert_eq!(err(&pow), "Expression nesting too deep (max 256 levels)");
    let calls = with_header(&format!("qubit q; rx({}1) q;", "sin(".repeat(100_000)));
    assert_eq!(err(&calls), "Expression nesting too deep (max 256 levels)");
    // Long flat expressions are fine.
    let long = with_header(&format!("qubit q; rx(0{}) q;", "+1".repeat(100_000)));
    assert_eq!(ok(&long).ops, vec![gate(GateKind::Rx, &[100_000.0], &[0])]);
    let long_sym = with_header(&format!("qubit q; rx(a{}) q;", "*a".repeat(100_000)));
    assert!(
        matches!(&ok(&long_sym).ops[0], Op::Gate { params, .. } if matches!(&params[0], Param::Symbol(s) if s.len() == 200_001))
    );
}

#[test]
fn circuit_errors() {
    assert_eq!(
        err(&with_header("qubit[2] q; cx q[0], q[0];")),
        "Circuit error: Duplicate qubit QubitId(0) in operation (gate: cx)"
    );
    assert_eq!(
        err(&with_header("qubit[1] a; qubit[2] b; ccx b[1], a, b[1];")),
        "Circuit error: Duplicate qubit QubitId(2) in operation (gate: ccx)"
    );
    assert_eq!(
        err(&with_header("qubit q; measure q[0];")),
        "Circuit error: Classical bit ClbitId(0) not found in circuit"
    );
    assert_eq!(
        err(&with_header("qubit[3] q; bit[2] c; measure q;")),
        "Circuit error: Classical bit ClbitId(2) not found in circuit"
    );
}

#[test]
fn unsupported_statements() {
    assert_eq!(
        err(&with_header("qubit q; bit c; if (c == 1) x q;")),
        "Parse error: If statements not yet supported"
    );
    assert_eq!(
        err(&with_header("qubit q; bit c;\nif (c[0] == 1) x q;")),
        "Unexpected token at line 3: expected ), found ["
    );
    assert_eq!(
        err(&with_header(
            "qubit q; bit c; if (c == 1) { x q; } else if (c == 2) { y q; } else z q; h q;"
        )),
        "Parse error: If statements not yet supported"
    );
    assert_eq!(
        err(&with_header("qubit q; if (true) { x q; ")),
        "Unexpected end of input: expected }"
    );
    assert_eq!(
        err(&with_header("qubit[3] q; for i in [0:2] { x q[i]; }")),
        "Parse error: For loops not yet supported"
    );
    assert_eq!(
        err(&with_header("qubit[3] q; for uint i in {0, 1} x q;")),
        "Parse error: For loops not yet supported"
    );
    for kw in [
        "while", "def", "input", "output", "const", "int", "float", "bool", "uint", "angle", "let",
        "return", "extern", "box", "switch",
    ] {
        assert_eq!(
            err(&with_header(&format!("qubit q;\n{kw} x;"))),
            format!("Unexpected token at line 3: expected statement, found {kw}"),
            "{kw}"
        );
    }
    for modifier in [
        "ctrl @ x q[0], q[1];",
        "negctrl @ x q[0], q[1];",
        "inv @ h q[0];",
        "pow(2) @ x q[0];",
    ] {
        assert_eq!(
            err(&with_header(&format!("qubit[2] q; {modifier}"))),
            "Unexpected token at line 2: expected identifier, found @",
            "{modifier}"
        );
    }
    assert_eq!(
        err(&with_header("qubit[3] q; h q[0:2];")),
        "Unexpected token at line 2: expected ], found :"
    );
    // Semantic errors before an unsupported statement win (program order).
    assert_eq!(
        err(&with_header("h r; if (c) x q;")),
        "Undefined identifier: r"
    );
}

#[test]
fn unsupported_expressions() {
    let param = |expr: &str| err(&with_header(&format!("qubit q; rx({expr}) q;")));
    assert_eq!(
        param("2**2"),
        "Parse error: Unsupported operator in parameter: Pow"
    );
    assert_eq!(
        param("pi ** theta"),
        "Parse error: Unsupported operator in parameter: Pow"
    );
    assert_eq!(
        param("5 % 2"),
        "Parse error: Unsupported operator in parameter: Mod"
    );
    assert_eq!(
        param("1 == 1"),
        "Parse error: Unsupported operator in parameter: Eq"
    );
    assert_eq!(
        param("1 < 2"),
        "Parse error: Unsupported operator in parameter: Lt"
    );
    assert_eq!(
        param("1 & 2"),
        "Parse error: Unsupported operator in parameter: BitAnd"
    );
    assert_eq!(
        param("1 << 2"),
        "Parse error: Unsupported operator in parameter: Shl"
    );
    assert_eq!(
        param("1 || 0"),
        "Parse error: Unsupported operator in parameter: Or"
    );
    assert_eq!(
        param("!1"),
        "Parse error: Unsupported operator in parameter: Not"
    );
    assert_eq!(
        param("~1"),
        "Parse error: Unsupported operator in parameter: BitNot"
    );
    assert_eq!(
        param("sin(0.5)"),
        "Parse error: Cannot evaluate function sin with symbolic arguments"
    );
    assert_eq!(
        param("2 * cos(theta)"),
        "Parse error: Cannot evaluate function cos with symbolic arguments"
    );
    assert_eq!(param("foo(1)"), "Parse error: Unknown function: foo");
    // The first failing sub-expression wins.
    assert_eq!(param("foo(1) ** 2"), "Parse error: Unknown function: foo");
    // Classical assignments are not evaluated.
    ok(&with_header("bit c; c = 2 ** 3 % sin(1);"));
}

#[test]
fn oversized_sizes_and_indices() {
    assert_eq!(
        err(&with_header("qubit[99999999999] q;")),
        "Parse error: Register size 99999999999 exceeds maximum of 100000"
    );
    assert_eq!(
        err(&with_header("bit[100001] c;")),
        "Parse error: Register size 100001 exceeds maximum of 100000"
    );
    assert_eq!(
        err(&with_header("qubit[999999999999999999999999] q;")),
        "Parse error: Integer literal out of range: 999999999999999999999999"
    );
    assert_eq!(
        err(&with_header("qubit q; h q[999999999999999999999999];")),
        "Parse error: Integer literal out of range: 999999999999999999999999"
    );
    assert_eq!(
        err(&with_header("qubit[100000] a; qubit b;")),
        "Parse error: Too many qubits: 100001 exceeds maximum of 100000"
    );
    assert_eq!(ok(&with_header("qubit[100000] q;")).num_qubits, 100_000);
}

#[test]
fn operation_limits() {
    // Ten broadcasts over 100 000 qubits reach the cap exactly; the eleventh exceeds it.
    let ten = with_header(&format!("qubit[100000] q;{}", " h q;".repeat(10)));
    assert_eq!(ok(&ten).operation_count(), MAX_OPERATIONS);
    let eleven = with_header(&format!("qubit[100000] q;{}", " h q;".repeat(11)));
    assert_eq!(
        err(&eleven),
        "Parse error: Circuit too large (more than 1000000 operations)"
    );
    let barriers = with_header(&format!("qubit[100000] q;{}", " barrier;".repeat(41)));
    assert_eq!(
        err(&barriers),
        "Parse error: Circuit too large (more than 4000000 qubit operands)"
    );
}

// ---- accepted constructs ---------------------------------------------------------------

#[test]
fn declarations_and_global_indices() {
    let c = ok(&with_header(
        "qubit[1] a; qubit[2] b; bit c; bit[3] d; x b[1]; x a;",
    ));
    assert_eq!((c.num_qubits, c.num_clbits), (3, 4));
    assert_eq!(
        c.ops,
        vec![gate(GateKind::X, &[], &[2]), gate(GateKind::X, &[], &[0])]
    );
    assert_eq!(ok(H).num_qubits, 0);
    assert_eq!(ok(H), Circuit::new(0, 0));
    assert_eq!(ok(&with_header("qubit q; bit c;")), Circuit::new(1, 1));
    assert_eq!(
        err(&with_header("qubit q; bit q;")),
        "Parse error: Identifier 'q' is already declared"
    );
    // A zero-size register is allowed and broadcasts over nothing.
    assert_eq!(ok(&with_header("qubit[0] q; h q;")).ops, vec![]);
}

#[test]
fn gate_names_are_case_insensitive_with_aliases() {
    let c = ok(&with_header(
        "qubit[3] q; H q[0]; Cx q[0], q[1]; cnot q[1], q[2]; phase(1) q[0]; u3(1,2,3) q[0]; \
         r(1, 2) q[0]; cphase(1) q[0], q[1]; toffoli q[0], q[1], q[2]; fredkin q[0], q[1], q[2]; \
         ECR q[0], q[1]; ISWAP q[1], q[0];",
    ));
    use GateKind::*;
    assert_eq!(
        kinds(&c),
        vec![H, Cx, Cx, P, U, Prx, Cp, Ccx, Cswap, Ecr, ISwap]
    );
    // Every canonical name parses with the right number of parameters.
    for kind in GateKind::ALL {
        let params = vec!["0.5"; kind.num_params()].join(", ");
        let qubits = (0..kind.arity())
            .map(|i| format!("q[{i}]"))
            .collect::<Vec<_>>()
            .join(", ");
        let c = ok(&with_header(&format!(
            "qubit[3] q; {}({params}) {qubits};",
            kind.name()
        )));
        assert_eq!(kinds(&c), vec![kind]);
    }
}

#[test]
fn identity_is_dropped() {
    let c = ok(&with_header("qubit[2] q; id q[0]; I q; i q[1]; x q[1];"));
    assert_eq!(c.ops, vec![gate(GateKind::X, &[], &[1])]);
}

#[test]
fn broadcast_and_whole_register_operands() {
    let c = ok(&with_header("qubit[3] q; qubit r; h q;"));
    assert_eq!(c.operation_count(), 3);
    assert_eq!(kinds(&c), vec![GateKind::H; 3]);
    let c = ok(&with_header("qubit[2] q; qubit r; rz(0.5) q, r;"));
    assert_eq!(
        c.ops,
        vec![
            gate(GateKind::Rz, &[0.5], &[0]),
            gate(GateKind::Rz, &[0.5], &[1]),
            gate(GateKind::Rz, &[0.5], &[2])
        ]
    );
    let c = ok(&with_header("qubit[2] q; cx q;"));
    assert_eq!(c.ops, vec![gate(GateKind::Cx, &[], &[0, 1])]);
    let c = ok(&with_header("qubit a; qubit[2] b; ccx b, a;"));
    assert_eq!(c.ops, vec![gate(GateKind::Ccx, &[], &[1, 2, 0])]);
}

#[test]
fn measure_forms() {
    let c = ok(&with_header(
        "qubit[2] q; bit[2] c; measure q -> c; measure q[1] -> c[0]; c = measure q; c[1] = measure q[0]; measure q[0]; measure q;",
    ));
    let m = |qubit, clbit| Op::Measure { qubit, clbit };
    assert_eq!(
        c.ops,
        vec![
            m(0, 0),
            m(1, 1),
            m(1, 0),
            m(0, 0),
            m(1, 1),
            m(0, 1),
            m(0, 0),
            m(0, 0),
            m(1, 1)
        ]
    );
    assert_eq!(
        err(&with_header("qubit[2] q; bit[3] c; measure q -> c;")),
        "Parse error: Measure size mismatch: 2 qubits, 3 bits"
    );
}

#[test]
fn reset_barrier_delay() {
    let c = ok(&with_header(
        "qubit[2] q; qubit r; reset q; reset r[0]; barrier; barrier q, r[0]; barrier q[1], q;\
         delay[100] q[0]; delay[20ns] q, r; delay[5 dt] r; delay[0];",
    ));
    assert_eq!(
        c.ops,
        vec![
            Op::Reset { qubit: 0 },
            Op::Reset { qubit: 1 },
            Op::Reset { qubit: 2 },
            Op::Barrier {
                qubits: vec![0, 1, 2]
            },
            Op::Barrier {
                qubits: vec![0, 1, 2]
            },
            Op::Barrier { qubits: vec![1, 0] },
            Op::Delay { qubits: vec![0] },
            Op::Delay {
                qubits: vec![0, 1, 2]
            },
            Op::Delay { qubits: vec![2] },
            Op::Delay {
                qubits: vec![0, 1, 2]
            },
        ]
    );
    assert_eq!(c.operation_count(), 10);
    assert_eq!(
        err(&with_header("qubit q; delay[1.5ns] q;")),
        "Unexpected token at line 2: expected integer, found 1.5"
    );
    assert_eq!(
        err(&with_header("qubit q; delay[-1] q;")),
        "Unexpected token at line 2: expected integer, found -"
    );
    assert_eq!(
        err(&with_header("qubit q; delay q;")),
        "Unexpected token at line 2: expected [, found q"
    );
    assert_eq!(
        err(&with_header("qubit q; reset;")),
        "Unexpected token at line 2: expected identifier, found ;"
    );
}

#[test]
fn operation_count_follows_spec_11() {
    // Gates, measures, resets, barriers, delays; broadcasts once per qubit.
    let c = ok(&with_header(
        "qubit[3] q; bit[3] c; h q; cx q[0], q[1]; barrier q; measure q -> c; reset q[2]; delay[1] q;",
    ));
    assert_eq!(c.operation_count(), 3 + 1 + 1 + 3 + 1 + 1);
}

#[test]
fn ignored_statements() {
    let c = ok(&with_header(
        "include \"stdgates.inc\"; qubit[2] q; bit[2] c; \
         gate g(theta) a, b { ctrl @ rx(theta) a, b; { nested } } \
         gate h2 a { h a; } \
         c[0] = 1; c = 0; c[1] = pi * theta + 1; x q[0];",
    ));
    assert_eq!(c.ops, vec![gate(GateKind::X, &[], &[0])]);
    // Expressions have no indexing (as in `if` conditions, spec §10.1).
    assert_eq!(
        err(&with_header("bit[2] c; c[1] = c[0] + 1;")),
        "Unexpected token at line 2: expected ;, found ["
    );
    assert_eq!(
        err(&with_header("gate g a;")),
        "Unexpected token at line 2: expected {, found ;"
    );
    assert_eq!(
        err(&with_header("gate g a { x a;")),
        "Unexpected end of input: expected }"
    );
}

#[test]
fn parameter_expressions() {
    let pi = std::f64::consts::PI;
    let value = |expr: &str| -> f64 {
        match &ok(&with_header(&format!("qubit q; rx({expr}) q;"))).ops[0] {
            Op::Gate { params, .. } => params[0].value().unwrap(),
            other => panic!("{other:?}"),
        }
    };
    let cases: &[(&str, f64)] = &[
        ("1", 1.0),
        ("-1", -1.0),
        ("--1", 1.0),
        ("1.5e2", 150.0),
        ("1e-3", 1e-3),
        (".25", 0.25),
        ("3.", 3.0),
        ("pi", pi),
        ("π", pi),
        ("tau", 2.0 * pi),
        ("euler", std::f64::consts::E),
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("8 / 2 / 2", 2.0),
        ("10 - 4 - 3", 3.0),
        ("-pi / 4", -pi / 4.0),
        ("2 * -pi", -2.0 * pi),
        ("-(1 - 3)", 2.0),
        ("1/0", f64::INFINITY),
    ];
    for &(expr, expected) in cases {
        assert_eq!(value(expr), expected, "{expr}");
    }
}

#[test]
fn symbolic_parameters() {
    let c = ok(&with_header("qubit q; rx(theta) q; u(a, pi, b / 2 + 1) q;"));
    assert_eq!(
        c.ops,
        vec![
            Op::Gate {
                kind: GateKind::Rx,
                params: vec![Param::Symbol("theta".into())],
                qubits: vec![0]
            },
            Op::Gate {
                kind: GateKind::U,
                params: vec![
                    Param::Symbol("a".into()),
                    Param::Value(std::f64::consts::PI),
                    Param::Symbol("b / 2 + 1".into())
                ],
                qubits: vec![0]
            }
        ]
    );
}

#[test]
fn syntax_errors_win_over_earlier_semantic_errors() {
    assert_eq!(
        err(&with_header("h r;\nqubit q")),
        "Unexpected end of input: expected ;"
    );
    assert_eq!(
        err(&with_header("foo q;\nbar r;")),
        "Undefined identifier: q"
    );
    assert_eq!(
        err(&with_header("qubit q; foo q;\nbar r;")),
        "Unknown gate: foo"
    );
}

// ---- robustness ------------------------------------------------------------------------

const SOUP: &[&str] = &[
    "OPENQASM",
    "3.0",
    "3",
    ";",
    "qubit",
    "bit",
    "[",
    "]",
    "(",
    ")",
    "{",
    "}",
    "q",
    "c",
    "r",
    "2",
    "0",
    "1",
    "99999999999",
    "h",
    "x",
    "cx",
    "ccx",
    "rx",
    "u",
    "prx",
    "ecr",
    "id",
    "measure",
    "->",
    "=",
    "reset",
    "barrier",
    "delay",
    "ns",
    "gate",
    "if",
    "else",
    "for",
    "in",
    "while",
    "include",
    "\"f\"",
    ",",
    ":",
    "@",
    "ctrl",
    "pi",
    "-",
    "+",
    "*",
    "/",
    "**",
    "%",
    "==",
    "sin",
    "theta",
    "\n",
    "//",
    "/*",
    "*/",
    "$1",
    "1e-3",
    ".5",
    "π",
    "qreg",
    "#",
    "\"",
    "\u{0}",
    "é",
];

fn soup(rng: &mut StdRng, header: bool) -> String {
    let len = rng.random_range(0..60);
    let mut s = String::from(if header {
        "OPENQASM 3;\nqubit[3] q; bit[3] c; "
    } else {
        ""
    });
    for _ in 0..len {
        s.push_str(SOUP[rng.random_range(0..SOUP.len())]);
        s.push(if rng.random_bool(0.8) { ' ' } else { '\n' });
    }
    s
}

/// Parses, and when the program is valid and small, simulates it too: nothing may panic.
fn exercise(src: &str, rng: &mut StdRng) {
    if let Ok(circuit) = parse(src) {
        if circuit.num_qubits <= 8 {
            let _ = crate::simulator::run(&circuit, 8, rng);
        }
    }
}

#[test]
fn random_token_soups_never_panic() {
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let mut accepted = 0;
    for i in 0..20_000 {
        let src = soup(&mut rng, i % 2 == 0);
        if parse(&src).is_ok() {
            accepted += 1;
        }
        exercise(&src, &mut rng);
    }
    assert!(accepted > 0);
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = StdRng::seed_from_u64(0xb17e5);
    for i in 0..20_000 {
        let len = rng.random_range(0..80);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        if i % 2 == 0 {
            let mut prefixed = b"OPENQASM 3; qubit[2] q; ".to_vec();
            prefixed.append(&mut bytes);
            bytes = prefixed;
        }
        let src = String::from_utf8_lossy(&bytes);
        exercise(&src, &mut rng);
    }
}

#[test]
fn mutated_valid_programs_never_panic() {
    let base = "OPENQASM 3.0;\ninclude \"stdgates.inc\";\nqubit[3] q;\nbit[3] c;\n\
                h q[0]; cx q[0], q[1]; rx(-pi/2) q[2]; u(1, 2, 3) q; rzz(0.1) q[1], q[2];\n\
                barrier q; reset q[1]; c = measure q; delay[10ns] q[0];\n";
    let mut rng = StdRng::seed_from_u64(77);
    let chars: Vec<char> = base.chars().collect();
    for _ in 0..5_000 {
        let mut mutated = chars.clone();
        for _ in 0..rng.random_range(1..4) {
            let pos = rng.random_range(0..mutated.len());
            match rng.random_range(0..3) {
                0 => {
                    mutated.remove(pos);
                }
                1 => mutated.insert(
                    pos,
                    SOUP[rng.random_range(0..SOUP.len())]
                        .chars()
                        .next()
                        .unwrap_or('x'),
                ),
                _ => {
                    let other = rng.random_range(0..mutated.len());
                    mutated.swap(pos, other);
                }
            }
        }
        let src: String = mutated.into_iter().collect();
        exercise(&src, &mut rng);
    }
    ok(base);
}
