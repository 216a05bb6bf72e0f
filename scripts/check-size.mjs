// The size budgets: fail when gzip(.wasm + JS) of either module of pkg/web grows more than the
// allowance above the figure recorded in size-budget.json, so size regressions show up at review
// time. The client ("core": what `import … from "arvak-grpc-wasm"` loads) and the circuit tools
// ("circuit": arvak-grpc-wasm/circuit, loaded only on demand) have separate budgets.
//   node scripts/check-size.mjs            check pkg/web against size-budget.json
//   node scripts/check-size.mjs --record   record the current sizes as the new baselines
import { readFile, writeFile } from 'node:fs/promises';
import { measure, kb } from './pkg-size.mjs';

const BUDGET = 'size-budget.json';
const dir = 'pkg/web';
const core = await measure(dir);
const circuit = await measure(dir, 'circuit');

const entry = (size, extra) => ({
  gzipBytes: size.totalGzip,
  wasmGzipBytes: size.wasmGzip,
  glueGzipBytes: size.glueGzip,
  brotliBytes: size.totalBrotli,
  ...extra,
});

if (process.argv.includes('--record')) {
  const budget = {
    package: dir,
    ...entry(core),
    allowance: 0.1,
    circuit: entry(circuit, { files: 'circuit/: arvak_circuit_bg.wasm + arvak_circuit.js, index.js, worker.js' }),
    note: 'gzip -9 of the .wasm plus JS glue (module, entry, every snippet); re-record with `node scripts/check-size.mjs --record` when a growth is intended',
  };
  await writeFile(BUDGET, JSON.stringify(budget, null, 2) + '\n');
  console.log(`size budgets recorded: client ${kb(core.totalGzip)} gzip, circuit tools ${kb(circuit.totalGzip)} gzip`);
  process.exit(0);
}

const budget = JSON.parse(await readFile(BUDGET, 'utf8'));
let failed = false;
for (const [name, size, recorded] of [
  ['client', core, budget],
  ['circuit tools', circuit, budget.circuit],
]) {
  if (!recorded) {
    console.error(`size budget: nothing recorded for the ${name} in ${BUDGET}`);
    failed = true;
    continue;
  }
  const limit = Math.floor(recorded.gzipBytes * (1 + budget.allowance));
  const line = `${name}: ${kb(size.totalGzip)} gzip (.wasm ${kb(size.wasmGzip)} + JS ${kb(size.glueGzip)}; ` +
    `Brotli ${kb(size.totalBrotli)}); recorded ${kb(recorded.gzipBytes)}, limit ${kb(limit)} (+${budget.allowance * 100}%)`;
  if (size.totalGzip > limit) {
    console.error(`size budget exceeded — ${line}`);
    failed = true;
  } else {
    console.log(`size budget ok — ${line}`);
  }
}
process.exit(failed ? 1 : 0);
