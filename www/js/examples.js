// The examples menu. Each example is a function of its size n (qubits) where that makes sense.

const HEADER = 'OPENQASM 3.0;\ninclude "stdgates.inc";\n';

function ghz(n) {
  const lines = [`// GHZ state on ${n} qubits: (|0…0⟩ + |1…1⟩)/√2, so only`,
    "// the all-zeros and all-ones outcomes appear, about half each.",
    `qubit[${n}] q;`, `bit[${n}] c;`, "", "h q[0];"];
  for (let i = 1; i < n; i++) lines.push(`cx q[${i - 1}], q[${i}];`);
  lines.push("c = measure q;");
  return HEADER + lines.join("\n") + "\n";
}

function uniform(n) {
  return `${HEADER}// Uniform superposition: ${2 ** n} outcomes,
// each with probability 1/${2 ** n}.
qubit[${n}] q;
bit[${n}] c;

h q;  // h on a whole register: every qubit
c = measure q;
`;
}

export const EXAMPLES = [
  {
    id: "bell",
    label: "Bell pair",
    sized: false,
    source: () => `${HEADER}// Bell pair: |00⟩ and |11⟩, about half each.
qubit[2] q;
bit[2] c;

h q[0];
cx q[0], q[1];
c = measure q;
`,
  },
  { id: "ghz", label: "GHZ state (n qubits)", sized: true, defaultN: 4, min: 2, max: 20, source: ghz },
  { id: "uniform", label: "Uniform superposition (n qubits)", sized: true, defaultN: 3, min: 1, max: 20, source: uniform },
  {
    id: "rotation",
    label: "Parameterised rotation rx(θ)",
    sized: false,
    source: () => `${HEADER}// Parameterised rotation: P(|1⟩) = sin²(θ/2).
// \`theta\` is filled in from the θ field next to Run,
// and swept over a range in the Batch tab.
qubit[1] q;
bit[1] c;

rx(theta) q[0];
c = measure q;
`,
  },
  {
    id: "invalid",
    label: "Invalid program (parse error)",
    sized: false,
    source: () => `${HEADER}// This program has a syntax error: the server reports it
// with its line number, and the editor highlights that line.
qubit[2] q;

h q[0];
cx q[0] q[1];
`,
  },
];

export function exampleById(id) {
  return EXAMPLES.find((e) => e.id === id) ?? null;
}
