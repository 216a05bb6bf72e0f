// The circuit tools (arvak-grpc-wasm/circuit) as the README shows them, for the bundler fixtures
// (Vite, webpack 5) of tests/pkg/consumers.test.mjs: the bundle must carry the second module and the
// simulation worker. Resolves to what the test checks.
import { loadCircuitTools } from 'arvak-grpc-wasm/circuit';
import { InvalidCircuitError } from 'arvak-grpc-wasm';

const BELL = 'OPENQASM 3.0;\nqubit[2] q;\nh q[0];\ncx q[0], q[1];\n';

export async function circuitTools() {
  const tools = await loadCircuitTools();
  const report = tools.validateQasm('OPENQASM 3.0;\nqubit q;\nh r;\n');
  const svg = tools.drawCircuit(BELL);
  const local = await tools.simulateLocally(BELL, { shots: 200, seed: 1 });
  let invalid = null;
  try {
    tools.drawCircuit('nope');
  } catch (e) {
    invalid = { invalidCircuit: e instanceof InvalidCircuitError, name: e?.name };
  }
  tools.close();
  return {
    message: report.diagnostics[0]?.message ?? null,
    line: report.diagnostics[0]?.line ?? null,
    svg: svg.startsWith('<svg'),
    localKeys: Object.keys(local.counts).sort(),
    localShots: Object.values(local.counts).reduce((a, b) => a + b, 0),
    invalid,
  };
}
