// The size budget: fails when gzip(.wasm + JS glue) of pkg/web grows more than the allowance above
// the figure recorded in size-budget.json, so size regressions show up at review time.
//   node scripts/check-size.mjs            check pkg/web against size-budget.json
//   node scripts/check-size.mjs --record   record the current size as the new baseline
import { readFile, writeFile } from 'node:fs/promises';
import { measure, kb } from './pkg-size.mjs';

const BUDGET = 'size-budget.json';
const dir = 'pkg/web';
const size = await measure(dir);

if (process.argv.includes('--record')) {
  const budget = {
    package: dir,
    gzipBytes: size.totalGzip,
    wasmGzipBytes: size.wasmGzip,
    glueGzipBytes: size.glueGzip,
    allowance: 0.1,
    note: 'gzip -9 of the .wasm plus JS glue (module, entry, every snippet); re-record with `node scripts/check-size.mjs --record` when a growth is intended',
  };
  await writeFile(BUDGET, JSON.stringify(budget, null, 2) + '\n');
  console.log(`size budget recorded: ${kb(size.totalGzip)} gzip (${size.totalGzip} bytes)`);
  process.exit(0);
}

const budget = JSON.parse(await readFile(BUDGET, 'utf8'));
const limit = Math.floor(budget.gzipBytes * (1 + budget.allowance));
const line = `size: ${kb(size.totalGzip)} gzip (.wasm ${kb(size.wasmGzip)} + glue ${kb(size.glueGzip)}); ` +
  `recorded ${kb(budget.gzipBytes)}, limit ${kb(limit)} (+${budget.allowance * 100}%)`;
if (size.totalGzip > limit) {
  console.error(`size budget exceeded — ${line}`);
  process.exit(1);
}
console.log(`size budget ok — ${line}`);
