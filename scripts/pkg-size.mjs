// Size of what a page loads from the built package: gzip -9 of the .wasm plus the JS glue (the
// wasm-bindgen module, the package entry and the snippets js/errors.js and js/glue.js). Shared by finish-pkg.mjs (which
// prints it) and check-size.mjs (the size budget of the test command).
import { readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const MODULE = 'arvak_grpc_wasm';

async function snippetFiles(dir) {
  const root = join(dir, 'snippets');
  if (!existsSync(root)) return [];
  const out = [];
  for (const entry of await readdir(root)) {
    const js = join(root, entry, 'js');
    if (!existsSync(js)) continue;
    for (const f of (await readdir(js)).sort()) if (f.endsWith('.js')) out.push(join(js, f));
  }
  return out;
}

/** `{ wasmRaw, wasmGzip, glueRaw, glueGzip, totalGzip }` in bytes for a built package directory. */
export async function measure(dir) {
  const isWeb = !existsSync(join(dir, `${MODULE}_bg.js`));
  const glueFiles = [
    join(dir, `${MODULE}.js`),
    ...(isWeb ? [] : [join(dir, `${MODULE}_bg.js`)]),
    ...(existsSync(join(dir, 'index.js')) ? [join(dir, 'index.js')] : []),
    ...(await snippetFiles(dir)),
  ];
  const wasm = await readFile(join(dir, `${MODULE}_bg.wasm`));
  const glue = Buffer.concat(await Promise.all(glueFiles.map((f) => readFile(f))));
  const gz = (b) => gzipSync(b, { level: 9 }).length;
  const wasmGzip = gz(wasm);
  const glueGzip = gz(glue);
  return { wasmRaw: wasm.length, wasmGzip, glueRaw: glue.length, glueGzip, totalGzip: wasmGzip + glueGzip };
}

/** "151.1 KB"-style text. */
export const kb = (n) => (n / 1024).toFixed(1) + ' KB';
