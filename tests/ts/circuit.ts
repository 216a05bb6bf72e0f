// Strict TypeScript usage of the circuit tools (arvak-grpc-wasm/circuit), as the README shows them.
import { loadCircuitTools, LOCAL_MAX_QUBITS, type ValidationReport, type QasmDiagnostic } from 'arvak-grpc-wasm/circuit';
import { ArvakClient, InvalidCircuitError, type JobResult } from 'arvak-grpc-wasm';

type IsAny<T> = 0 extends 1 & T ? true : false;
const notAny = <T>(_value: T, _check: IsAny<T> extends false ? true : never): void => {};

export async function circuitTools(client: ArvakClient, source: string): Promise<JobResult> {
  const tools = await loadCircuitTools({ worker: true });
  const backends = await client.listBackends();
  const backend = backends[0];
  const report: ValidationReport = tools.validateQasm(source, { backend: backend ?? 'simulator', shots: 1000 });
  const first: QasmDiagnostic | undefined = report.diagnostics[0];
  if (first) {
    const severity: 'error' | 'warning' = first.severity;
    console.log(`${first.line}:${first.column}-${first.endColumn} ${severity} ${first.message}`);
  }
  notAny(report.depth, true);
  const gates: string[] = tools.localGates();
  notAny(gates, true);
  let svg = '';
  try {
    svg = tools.drawCircuit(source);
  } catch (e) {
    if (e instanceof InvalidCircuitError) console.log(e.message);
  }
  notAny(svg, true);
  const controller = new AbortController();
  const result = await tools.simulateLocally(source, { shots: 1000, seed: 7, signal: controller.signal });
  const seed: number = result.metadata.seed;
  const top = result.mostFrequent();
  console.log(seed, top?.bitstring, result.probabilities(), LOCAL_MAX_QUBITS);
  tools.close();
  return result;
}
