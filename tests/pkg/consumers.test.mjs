// The packed tarball in the browser setups of the README's "Setups" table, as their users build them:
// the fixture projects under tests/consumers/ (tools pinned by its package-lock.json, installed with
// `npm ci`; then `scripts/pack.sh`'s tarball with `npm install --no-save`) run the Quick Start
// (tests/consumers/quick-start.js: a top-level `await init()`, a Bell job of 500 shots, waitForJob, an
// unknown job's JobNotFoundError) in headless Chromium against the dev server at ARVAK_TEST_URL:
//   * a plain module page (an import map sends `arvak-grpc-wasm` to node_modules, no bundler),
//   * a Vite 8 build (`vite build`, no config, default minification),
//   * a webpack 5 build (Node API, mode 'production': minified by terser, no `experiments`),
//   * a Rollup 4 build (JS API, ES output, node-resolve + import-meta-assets + terser),
//   * a module Web Worker (Vite build with `worker.format: 'es'`; the page gets the outcome by message).
// The Vite and webpack builds also load the circuit tools (`arvak-grpc-wasm/circuit`,
// tests/consumers/circuit-tools.js): validate, draw and a local run in the bundled simulation worker.
// Each page is served from its own loopback port (cross-origin to the dev server, as deployed). A
// bundler's warning about the package fails its setup too (Vite stubbing the entry's Node-only
// `node:fs` import, a webpack "Critical dependency"); webpack's note on the .wasm's size does not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile as execFileCb, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { launchChromium } from './harness.mjs';

const execFile = promisify(execFileCb);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CONSUMERS = join(ROOT, 'tests/consumers');
const SERVER = process.env.ARVAK_TEST_URL;
const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.json': 'application/json' };
// What webpack may warn about: only the size of the .wasm asset (~470 KiB, over its 244 KiB hint).
const WEBPACK_SIZE_WARNINGS = new Set(['AssetsOverSizeLimitWarning', 'EntrypointsOverSizeLimitWarning', 'NoAsyncChunksWarning']);

/** Serves the files under `root` (404 outside it) on 127.0.0.1, a free port; resolves to `{ url, close }`. */
async function serveDir(root) {
  const http = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const rel = normalize(path).replace(/^([/\\]|\.\.[/\\])+/, '');
    const file = join(root, rel);
    if (!file.startsWith(root) || !existsSync(file) || !extname(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(await readFile(file));
  });
  await new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${http.address().port}`,
    close: () =>
      new Promise((resolve) => {
        http.close(resolve);
        http.closeAllConnections();
      }),
  };
}

/** `vite build <dir>` with the fixtures' pinned Vite; resolves to its output (stdout + stderr). */
async function viteBuild(dir) {
  const vite = join(CONSUMERS, 'node_modules/vite/bin/vite.js');
  try {
    const { stdout, stderr } = await execFile(process.execPath, [vite, 'build', dir], { cwd: CONSUMERS, env: { ...process.env, NO_COLOR: '1' } });
    return stdout + stderr;
  } catch (e) {
    throw new Error(`vite build ${dir} failed:\n${e.stdout}${e.stderr}`);
  }
}

/** Warnings of the bundle that are about the package, not about the app: Vite 8 resolving the entry's
 * Node-only `node:fs` import for the browser (it then warns and emits a stub chunk). */
function viteOwnWarnings(output) {
  return output.split('\n').filter((line) => /externalized for browser compatibility|__vite-browser-external|cannot be analyzed/i.test(line));
}

/** webpack 5 through its Node API with tests/consumers/webpack/webpack.config.js. */
async function webpackBuild() {
  const webpack = createRequire(join(CONSUMERS, 'package.json'))('webpack');
  const config = (await import(pathToFileURL(join(CONSUMERS, 'webpack/webpack.config.js')).href)).default;
  const stats = await new Promise((resolve, reject) => webpack(config, (err, s) => (err ? reject(err) : resolve(s))));
  if (stats.hasErrors()) throw new Error(`webpack build failed:\n${stats.toString({ all: false, errors: true, colors: false })}`);
  return stats.compilation.warnings.filter((w) => !WEBPACK_SIZE_WARNINGS.has(w.name)).map((w) => `${w.name}: ${w.message}`);
}

/** Rollup 4 through its JS API with tests/consumers/rollup/rollup.config.mjs; resolves to its warnings. */
async function rollupBuild() {
  const { rollup } = await import(pathToFileURL(createRequire(join(CONSUMERS, 'package.json')).resolve('rollup')).href);
  const config = (await import(pathToFileURL(join(CONSUMERS, 'rollup/rollup.config.mjs')).href)).default;
  const warnings = [];
  const bundle = await rollup({ ...config, onwarn: (w) => warnings.push(`${w.code}: ${w.message}`) });
  try {
    await bundle.write(config.output);
  } finally {
    await bundle.close();
  }
  return warnings;
}

const FIXTURES = [
  {
    setup: 'plain module page (import map, no bundler)',
    root: CONSUMERS,
    page: '/plain/index.html',
  },
  {
    setup: 'Vite build',
    build: async () => viteOwnWarnings(await viteBuild('vite')),
    root: join(CONSUMERS, 'vite/dist'),
    page: '/index.html',
    circuit: true,
  },
  {
    setup: 'webpack 5 build',
    build: webpackBuild,
    root: join(CONSUMERS, 'webpack'),
    page: '/index.html',
    circuit: true,
  },
  {
    setup: 'Rollup build',
    build: rollupBuild,
    root: join(CONSUMERS, 'rollup'),
    page: '/index.html',
  },
  {
    setup: 'module Web Worker (Vite build)',
    build: async () => viteOwnWarnings(await viteBuild('worker')),
    root: join(CONSUMERS, 'worker/dist'),
    page: '/index.html',
    worker: true,
  },
];

let browser;

before(async () => {
  assert.ok(SERVER, 'set ARVAK_TEST_URL to the dev server');
  const tgz = execFileSync(join(ROOT, 'scripts/pack.sh'), { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ARVAK_PKG_PREBUILT: '1' } })
    .trim()
    .split('\n')
    .pop();
  const npm = (args) => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: CONSUMERS, stdio: ['ignore', 'ignore', 'inherit'] });
  npm(['ci']);
  npm(['install', '--no-save', join(ROOT, tgz)]);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

for (const fixture of FIXTURES) {
  test(`the packed tarball in a ${fixture.setup} runs the Quick Start`, async () => {
    const consoleErrors = [];
    const loads = [];
    const list = (items) => (items.length ? items.map((e) => '  ' + e).join('\n') : '  (none)');
    const fail = (what, cause) =>
      new Error(`setup "${fixture.setup}" failed: ${what}\npage console errors:\n${list(consoleErrors)}\nfailed loads:\n${list(loads)}`, { cause });
    let site;
    let context;
    try {
      if (fixture.build) {
        let warnings;
        try {
          warnings = await fixture.build();
        } catch (e) {
          throw fail('the build failed', e);
        }
        if (warnings.length) throw fail(`the build warned about the package:\n  ${warnings.join('\n  ')}`);
        const emitted = await readdir(fixture.root, { recursive: true });
        if (emitted.some((f) => f.includes('__vite-browser-external'))) throw fail(`the bundle holds a stub for node:fs: ${emitted.join(', ')}`);
      }
      site = await serveDir(fixture.root);
      context = await browser.newContext();
      const page = await context.newPage();
      const note = (where) => (msg) => {
        if (msg.type() === 'error') consoleErrors.push(`${where} console.error: ${msg.text()}`);
      };
      page.on('console', note('page'));
      page.on('pageerror', (e) => consoleErrors.push(`page uncaught: ${e.stack ?? e}`));
      page.on('worker', (w) => w.on('console', note('worker')));
      // (waits cancel their racing polls and streams on purpose: ERR_ABORTED calls are normal here)
      page.on('requestfailed', (r) => loads.push(`${r.url()} ${r.failure()?.errorText}`));
      page.on('response', (r) => {
        if (r.status() >= 400) loads.push(`${r.url()} HTTP ${r.status()}`);
      });
      // An uncaught error (e.g. a module that fails to load or to evaluate) ends the wait at once.
      const uncaught = new Promise((resolve) => page.once('pageerror', resolve));
      await page.goto(`${site.url}${fixture.page}?server=${encodeURIComponent(SERVER)}`);
      try {
        const done = await Promise.race([
          page.waitForFunction(() => window.__result !== undefined, null, { timeout: 30_000 }).then(() => true),
          uncaught.then(() => false),
        ]);
        if (!done) throw new Error('an uncaught error on the page');
      } catch (e) {
        throw fail(`no result (${e.message}; the page shows: ${await page.textContent('#out').catch(() => '?')})`, e);
      }
      const r = await page.evaluate(() => window.__result);
      const check = (ok, what) => {
        if (!ok) throw fail(what);
      };
      check(r.error === undefined, `the Quick Start threw: ${r.error}`);
      const keys = Object.keys(r.counts ?? {});
      check(keys.length > 0 && keys.every((k) => k === '00' || k === '11'), `counts must have keys 00 and 11 only: ${JSON.stringify(r.counts)}`);
      check(Object.values(r.counts).reduce((a, b) => a + b, 0) === 500, `counts must sum to 500: ${JSON.stringify(r.counts)}`);
      const expected = { rejected: true, jobNotFound: true, arvak: true, error: true, name: 'JobNotFoundError' };
      check(
        JSON.stringify(r.notFound) === JSON.stringify(expected),
        'getJobStatus(unknown id) must reject with an error that is instanceof JobNotFoundError, ArvakError and Error ' +
          `and is named "JobNotFoundError"; got ${JSON.stringify(r.notFound)}`,
      );
      if (fixture.worker) check(r.inWorker === true, 'the Quick Start must run inside the worker');
      if (fixture.circuit) {
        const c = r.circuit ?? {};
        const expected = {
          message: '[permanent] QASM parse error: Undefined identifier: r',
          line: 3,
          svg: true,
          localKeys: ['00', '11'],
          localShots: 200,
          invalid: { invalidCircuit: true, name: 'InvalidCircuitError' },
        };
        check(JSON.stringify(c) === JSON.stringify(expected), `the circuit tools (validate, draw, a local run in their worker) gave ${JSON.stringify(c)}`);
      }
      check(!consoleErrors.some((e) => e.startsWith('page uncaught')), 'the page had uncaught errors');
    } finally {
      await context?.close();
      await site?.close();
    }
  });
}
