// Finishes the wasm-pack output directories given as arguments (pkg/web):
//  * index.js / index.d.ts: the package entry. Re-exports the client classes and option/data types
//    from the wasm-bindgen module, and the error classes from the one js/errors.js snippet the module
//    itself imports (so `instanceof` works). Internal exports (wasm-streams helper classes, raw wasm
//    exports typed `any`) are not re-exported.
//  * errors.d.ts next to the snippet.
//  * package.json: entry points, exports map, files, keywords.
//  * minifies every JS file a page loads (see `minify`), each with a source map of its original.
//  * prints the gzip size of .wasm + JS glue.
import { readFile, writeFile, readdir, copyFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, relative } from 'node:path';
import { measure, kb, snippetFiles } from './pkg-size.mjs';

// esbuild from tools/ (scripts/setup.sh installs it there).
const esbuild = createRequire(new URL('../tools/package.json', import.meta.url))('esbuild');

const MODULE = 'arvak_grpc_wasm';
const CLASSES = ['ArvakClient', 'JobResult', 'RetryPolicy', 'CircuitBreaker', 'JobFuture', 'BatchJobManager'];
// Functions of the wasm module (ResilientClient is a function that also works with `new`).
const FUNCTIONS = ['ResilientClient', 'asCompleted', 'waitAll', 'formatProgressBar', 'printProgressBar'];
// The error classes: those js/errors.js exports (its block of classes is generated from the
// ErrorKind table in src/logic/error.rs).
const ERRORS = [...(await readFile('js/errors.js', 'utf8')).matchAll(/^export class (\w+)/gm)].map((m) => m[1]);
// Types the wasm-bindgen module declares that belong to dependencies, not to this package.
const FOREIGN_TYPES = ['ReadableStreamType', 'InitInput', 'InitOutput', 'SyncInitInput'];
const KEYWORDS = ['arvak', 'quantum', 'quantum-computing', 'grpc-web', 'grpc', 'wasm', 'webassembly', 'qasm', 'openqasm'];

// The web build's `init()` fetches the .wasm next to the module, which Node's `fetch` cannot do
// for a `file:` URL: in Node (no DOM), a bare `init()` reads the file instead. Bundlers must neither
// resolve nor bundle `node:fs` for the browser: the import is marked ignored (webpack 5 honours
// `webpackIgnore`) and its specifier is computed at run time, because Vite 8 (Rolldown) resolves a
// dynamic import of a string held in a `const` or `let` despite `@vite-ignore`, then warns that
// "node:fs/promises" was externalized for browser compatibility and emits a stub chunk for it
// (tests/pkg/consumers.test.mjs builds with both and checks that neither does).
const NODE_AWARE_INIT = `import initWasm from './${MODULE}.js';

/** Loads the module; a bare \`init()\` in Node reads the .wasm file next to this one. */
export default async function init(input) {
  if (input === undefined && globalThis.process?.versions?.node !== undefined && typeof document === 'undefined') {
    const fsModule = ['node', 'fs/promises'].join(':');
    const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ fsModule);
    input = { module_or_path: await readFile(new URL('./${MODULE}_bg.wasm', import.meta.url)) };
  }
  return initWasm(input);
}`;

// The shipped JS is minified: wasm-bindgen's glue and our snippets are 20 KB gzip as written and
// 12 KB minified, and a page that loads the package without a bundler gets them as shipped.
// Names are kept (the classes' and error classes' `name` is part of the API); syntax is not
// lowered; the TypeScript self-types directive stays. Each file gets a `.map` with its original
// text, so stack traces and debuggers still show the readable source.
async function minify(file) {
  const source = await readFile(file, 'utf8');
  if (/\bimport\(/.test(source)) throw new Error(`${file}: a dynamic import() would lose its bundler hints`);
  const name = basename(file);
  const { code, map } = await esbuild.transform(source, {
    minify: true,
    keepNames: true,
    format: 'esm',
    sourcemap: 'external',
    sourcefile: name,
    legalComments: 'none',
  });
  const directive = source.match(/^\/\* @ts-self-types="[^"]+" \*\/\n/)?.[0] ?? '';
  await writeFile(file, `${directive}${code}//# sourceMappingURL=${name}.map\n`);
  await writeFile(`${file}.map`, map);
}

async function findSnippet(dir) {
  const snippets = join(dir, 'snippets');
  for (const entry of await readdir(snippets)) {
    const candidate = join(snippets, entry, 'js', 'errors.js');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`no js/errors.js snippet under ${snippets}`);
}

async function finish(dir) {
  const pkgPath = join(dir, 'package.json');
  const pkg = JSON.parse(await readFile(pkgPath, 'utf8'));
  const isWeb = !existsSync(join(dir, `${MODULE}_bg.js`));
  const snippet = await findSnippet(dir);
  const snippetRel = './' + relative(dir, snippet).split('\\').join('/');
  await copyFile('js/errors.d.ts', snippet.replace(/\.js$/, '.d.ts'));

  const dts = await readFile(join(dir, `${MODULE}.d.ts`), 'utf8');
  for (const cls of CLASSES) {
    if (!new RegExp(`export class ${cls}\\b`).test(dts)) throw new Error(`${cls} missing from ${MODULE}.d.ts`);
  }
  for (const fn of FUNCTIONS) {
    if (!new RegExp(`export (?:function|declare const) ${fn}\\b`).test(dts)) throw new Error(`${fn} missing from ${MODULE}.d.ts`);
  }
  // The public types: every interface and type alias of the module's declarations (declared once,
  // by the shapes in src/bindings), except the dependencies' own. An interface merged into a class,
  // like JobFuture's, is exported with the class.
  const types = [...new Set([...dts.matchAll(/^export (?:interface|type) (\w+)/gm)].map((m) => m[1]))]
    .filter((t) => !CLASSES.includes(t) && !FOREIGN_TYPES.includes(t));

  const js = [
    '// Package entry of arvak-grpc-wasm (generated by scripts/finish-pkg.mjs).',
    isWeb
      ? `export { initSync, ${[...CLASSES, ...FUNCTIONS].join(', ')} } from './${MODULE}.js';\n${NODE_AWARE_INIT}`
      : `export { ${[...CLASSES, ...FUNCTIONS].join(', ')} } from './${MODULE}.js';`,
    `export { ${ERRORS.join(', ')} } from '${snippetRel}';`,
    '',
  ].join('\n');

  const d = [
    '// Package entry of arvak-grpc-wasm (generated by scripts/finish-pkg.mjs).',
    `export { ${[...CLASSES, ...FUNCTIONS].join(', ')} } from './${MODULE}.js';`,
    `export type { ${types.join(', ')} } from './${MODULE}.js';`,
    `export { ${ERRORS.join(', ')} } from '${snippetRel}';`,
    `export type { ArvakErrorOptions } from '${snippetRel}';`,
  ];
  if (isWeb) {
    d.push(
      `import type { InitInput, SyncInitInput } from './${MODULE}.js';`,
      `export type { InitInput, SyncInitInput } from './${MODULE}.js';`,
      '/** What `init()` resolves to: the instantiated module\'s exports, as far as users need them. */',
      'export interface ArvakWasmExports {',
      '  readonly memory: WebAssembly.Memory;',
      '}',
      '/**',
      ' * Loads and instantiates the WebAssembly module; call (and await) once before using the package.',
      ' * Without an argument the .wasm file next to this module is fetched (read from disk in Node);',
      ' * pass its URL, bytes or a compiled `WebAssembly.Module` to load it from elsewhere.',
      ' */',
      'export default function init(',
      '  module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>,',
      '): Promise<ArvakWasmExports>;',
      '/** Instantiates the module synchronously from its bytes or a compiled `WebAssembly.Module`. */',
      'export function initSync(module: { module: SyncInitInput } | SyncInitInput): ArvakWasmExports;',
    );
  }
  d.push('');
  await writeFile(join(dir, 'index.js'), js);
  await writeFile(join(dir, 'index.d.ts'), d.join('\n'));

  pkg.name = 'arvak-grpc-wasm';
  pkg.description = pkg.description ?? 'Browser client (WebAssembly, grpc-web) for the Arvak quantum job service';
  pkg.keywords = KEYWORDS;
  pkg.type = 'module';
  pkg.main = 'index.js';
  pkg.module = 'index.js';
  pkg.types = 'index.d.ts';
  const circuit = await finishCircuit(dir);
  // The journal relay: a service worker script apps copy next to their pages (or importScripts).
  await copyFile('js/relay-sw.js', join(dir, 'relay-sw.js'));
  pkg.exports = {
    '.': { types: './index.d.ts', default: './index.js' },
    ...(circuit
      ? {
          './circuit': { types: './circuit/index.d.ts', default: './circuit/index.js' },
          './circuit/arvak_circuit_bg.wasm': './circuit/arvak_circuit_bg.wasm',
        }
      : {}),
    // With its declaration file, so type-aware resolvers (attw, TypeScript's node16) resolve it too.
    [`./${MODULE}_bg.wasm`]: existsSync(join(dir, `${MODULE}_bg.wasm.d.ts`))
      ? { types: `./${MODULE}_bg.wasm.d.ts`, default: `./${MODULE}_bg.wasm` }
      : `./${MODULE}_bg.wasm`,
    './relay-sw.js': './relay-sw.js',
    './package.json': './package.json',
  };
  const files = new Set(['index.js', 'index.d.ts', 'relay-sw.js', ...(pkg.files ?? []), 'snippets/', ...(circuit ? ['circuit/'] : [])]);
  if (existsSync(join(dir, `${MODULE}_bg.wasm.d.ts`))) files.add(`${MODULE}_bg.wasm.d.ts`);
  for (const f of [...files]) if (f.startsWith('snippets') && f !== 'snippets/') files.delete(f);
  // npm adds only LICENSE/LICENCE by itself, not LICENSE-MIT / LICENSE-APACHE.
  for (const f of ['LICENSE-MIT', 'LICENSE-APACHE', 'README.md']) if (existsSync(join(dir, f))) files.add(f);
  // The snippets (error classes, futures) sit two folders down: `./snippets/*` would not match them.
  pkg.sideEffects = ['./snippets/**'];
  if (pkg.repository?.url) {
    const url = pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
    pkg.repository.url = `git+${url}.git`;
  }
  delete pkg.collaborators;

  // The two entries stay as written: they are small, and their `import()` of node:fs carries the
  // bundler hints (`webpackIgnore`, `@vite-ignore`) a minifier drops.
  const scripts = [join(dir, `${MODULE}.js`), ...(await snippetFiles(dir))];
  if (circuit) scripts.push(...['arvak_circuit.js', 'worker.js'].map((f) => join(dir, 'circuit', f)));
  for (const f of scripts) await minify(f);
  files.add(`${MODULE}.js.map`);
  pkg.files = [...files];
  await writeFile(pkgPath, JSON.stringify(pkg, null, 2) + '\n');

  // gzip size of what a page loads: .wasm + JS glue (+ the entry and every snippet).
  for (const [part, where] of [['core', dir], ...(circuit ? [['circuit', join(dir, 'circuit')]] : [])]) {
    const size = await measure(dir, part);
    console.log(
      `finish-pkg: ${where}: .wasm ${kb(size.wasmRaw)} (${kb(size.wasmGzip)} gzip) + JS ${kb(size.glueRaw)} ` +
        `(${kb(size.glueGzip)} gzip) = ${kb(size.totalGzip)} gzip`,
    );
  }
}

// The circuit tools (dir/circuit, built by wasm-pack --no-pack): the hand-written entry, its types
// and the simulation worker from js/circuit/ beside the wasm-bindgen module. Returns whether it exists.
async function finishCircuit(dir) {
  const out = join(dir, 'circuit');
  if (!existsSync(join(out, 'arvak_circuit.js'))) return false;
  for (const f of ['index.js', 'index.d.ts', 'worker.js']) await copyFile(join('js/circuit', f), join(out, f));
  for (const f of ['.gitignore', 'README.md', 'package.json']) await rm(join(out, f), { force: true });
  return true;
}

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error('usage: node scripts/finish-pkg.mjs <pkg dir>...');
  process.exit(2);
}
for (const dir of dirs) await finish(dir);
