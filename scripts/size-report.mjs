// Aggregates a `twiggy top -f csv` listing by crate and by this crate's modules (see size-report.sh)
// and prints gzip -9 and Brotli (quality 11) of the shipped .wasm and JS glue in `pkgDir`.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

const [csvPath, pkgDir] = process.argv.slice(2);
const lines = (await readFile(csvPath, 'utf8')).trim().split('\n').slice(1);
const byCrate = new Map();
const byModule = new Map();
const add = (map, key, n) => map.set(key, (map.get(key) ?? 0) + n);
let total = 0;
for (const line of lines) {
  // Name,ShallowSize,ShallowSizePercent — the name may itself contain commas (quoted).
  const m = /^(?:"((?:[^"]|"")*)"|([^,]*)),(\d+),/.exec(line);
  if (!m) continue;
  const name = (m[1] ?? m[2]).replace(/""/g, '"');
  const size = Number(m[3]);
  if (/name section|"function names"|custom section/.test(name)) continue;
  total += size;
  let crate;
  if (/^data segment|^data\[/.test(name)) crate = '(data: string literals, tables)';
  else if (/externref shim|^__wbindgen|^__wbg/.test(name)) crate = '(wasm-bindgen shims)';
  else crate = /([a-z_][a-z0-9_]*)(?:\[[0-9a-f]+\])?::/.exec(name)?.[1] ?? '(unnamed)';
  add(byCrate, crate, size);
  if (crate === 'arvak_grpc_wasm') {
    const mod = /arvak_grpc_wasm(?:\[[0-9a-f]+\])?::(\w+)::(\w+)/.exec(name);
    add(byModule, mod ? `${mod[1]}::${mod[2]}` : '(root)', size);
  }
}
const kb = (n) => (n / 1024).toFixed(1).padStart(7) + ' KiB';
const print = (title, map, limit) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...map].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
    console.log(`${kb(v)}  ${(100 * v / total).toFixed(1).padStart(5)}%  ${k}`);
  }
};
console.log(`shipped code + data (uncompressed, names excluded): ${kb(total)}`);
print('by crate', byCrate, 25);
print('this crate, by module', byModule, 30);
if (pkgDir && existsSync(`${pkgDir}/arvak_grpc_wasm_bg.wasm`)) {
  console.log('\nshipped files');
  for (const f of ['arvak_grpc_wasm_bg.wasm', 'arvak_grpc_wasm.js']) {
    const b = await readFile(`${pkgDir}/${f}`);
    const br = brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    console.log(`${f}: ${b.length} bytes, gzip -9 ${gzipSync(b, { level: 9 }).length}, brotli ${br}`);
  }
}
