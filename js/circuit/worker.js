// The simulation worker of arvak-grpc-wasm/circuit: loads the circuit module and runs one
// simulation per message, so a long run never blocks the page. Messages: `{ init: wasmUrl }`
// first, then `{ call, source, shots, seed: [high, low] }` → `{ call, text, ms }` (or `failure`).

import init, { simulate } from './arvak_circuit.js';

let ready = null;

self.onmessage = async (event) => {
  const message = event.data;
  if (message.init !== undefined) {
    ready = init({ module_or_path: message.init });
    return;
  }
  const { call, source, shots, seed } = message;
  try {
    await ready;
    const started = performance.now();
    const text = simulate(source, shots, seed[0], seed[1]);
    self.postMessage({ call, text, ms: Math.round(performance.now() - started) });
  } catch (e) {
    self.postMessage({ call, failure: String(e?.message ?? e) });
  }
};
