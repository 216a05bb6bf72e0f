// Size of what a page loads from the built package: gzip -9 of the .wasm plus the JS glue (the
// wasm-bindgen module, the package entry and the snippets js/errors.js and js/glue.js). Shared by finish-pkg.mjs (which
// prints it) and check-size.mjs (the size budget of the test command).
import { readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import zlib, { gzipSync, brotliCompressSync } from 'node:zlib';

const MODULE = 'arvak_grpc_wasm';

// The snippet modules of a built package (dir/snippets/<crate>/js/*.js): the modules its glue imports.
export async function snippetFiles(dir) {
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

/**
 * `{ wasmRaw, wasmGzip, glueRaw, glueGzip, totalGzip, totalBrotli }` in bytes for a built package
 * directory: the client (`part` "core", what `import … from "arvak-grpc-wasm"` loads) or the
 * circuit tools (`part` "circuit": circuit/ — its module, entry and worker).
 */
export async function measure(dir, part = 'core') {
  if (part === 'circuit') {
    const c = join(dir, 'circuit');
    return sizes(
      await readFile(join(c, 'arvak_circuit_bg.wasm')),
      ['arvak_circuit.js', 'index.js', 'worker.js'].map((f) => join(c, f)),
    );
  }
  const isWeb = !existsSync(join(dir, `${MODULE}_bg.js`));
  const glueFiles = [
    join(dir, `${MODULE}.js`),
    ...(isWeb ? [] : [join(dir, `${MODULE}_bg.js`)]),
    ...(existsSync(join(dir, 'index.js')) ? [join(dir, 'index.js')] : []),
    ...(await snippetFiles(dir)),
  ];
  return sizes(await readFile(join(dir, `${MODULE}_bg.wasm`)), glueFiles);
}

async function sizes(wasm, glueFiles) {
  const glue = Buffer.concat(await Promise.all(glueFiles.map((f) => readFile(f))));
  const gz = (b) => gzipSync(b, { level: 9 }).length;
  const br = (b) => brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  const wasmGzip = gz(wasm);
  const glueGzip = gz(glue);
  return {
    wasmRaw: wasm.length,
    wasmGzip,
    glueRaw: glue.length,
    glueGzip,
    totalGzip: wasmGzip + glueGzip,
    totalBrotli: br(wasm) + br(glue),
  };
}

/** "151.1 KB"-style text. */
export const kb = (n) => (n / 1024).toFixed(1) + ' KB';
