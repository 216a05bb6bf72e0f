// Shared by the page tests of the built package: serves one HTML page and pkg/web from a loopback
// port other than the dev server's (so calls are cross-origin, as in a deployment), and launches
// Debian's Chromium through playwright-core.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const PKG = fileURLToPath(new URL('../../pkg/web/', import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const require = createRequire(new URL('../../tools/package.json', import.meta.url));
const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.json': 'application/json' };

/**
 * Serves `html` at `/`, pkg/web under `/pkg/`, and each of `scripts` (path → JavaScript source,
 * e.g. a service worker at `/sw.js`); resolves to `{ url, close }`.
 */
export async function servePage(html, scripts = {}) {
  const http = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
      return;
    }
    if (Object.hasOwn(scripts, path)) {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(scripts[path]);
      return;
    }
    const rel = normalize(path.replace(/^\/pkg\//, '')).replace(/^(\.\.[/\\])+/, '');
    if (!path.startsWith('/pkg/') || !existsSync(join(PKG, rel))) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(rel)] ?? 'application/octet-stream' });
    res.end(await readFile(join(PKG, rel)));
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${http.address().port}/`,
    close: () => new Promise((resolve) => http.close(resolve)),
  };
}

/** Headless Chromium (Debian's, driven by playwright-core). */
export async function launchChromium() {
  const { chromium } = require('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}
