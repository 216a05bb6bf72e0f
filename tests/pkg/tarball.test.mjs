// What `npm pack` of pkg/web puts in the tarball: the licenses, and every snippet the module imports,
// each covered by a `sideEffects` pattern (a bundler must not drop the error classes' module).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const PKG = fileURLToPath(new URL('../../pkg/web/', import.meta.url));

/** A package.json `sideEffects` glob as a regular expression (`**` any path, `*` one segment). */
function globToRegExp(glob) {
  const body = glob.replace(/^\.\//, '').replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*\*/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '.*');
  return new RegExp(`^${body}$`);
}

test('the tarball carries the licenses and every snippet, each marked as a side effect', async () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', PKG], { encoding: 'utf8' });
  const files = JSON.parse(out)[0].files.map((f) => f.path);
  for (const f of ['LICENSE-MIT', 'LICENSE-APACHE', 'README.md', 'package.json', 'index.js', 'arvak_grpc_wasm_bg.wasm', 'relay-sw.js']) {
    assert.ok(files.includes(f), `${f} missing from the tarball: ${files.join(', ')}`);
  }
  const pkg = JSON.parse(await readFile(new URL('package.json', `file://${PKG}`), 'utf8'));
  const patterns = pkg.sideEffects.map(globToRegExp);
  const snippets = files.filter((f) => f.startsWith('snippets/') && f.endsWith('.js'));
  assert.ok(snippets.length >= 2, `snippets: ${snippets}`);
  for (const s of snippets) assert.ok(patterns.some((p) => p.test(s)), `${s} is not covered by sideEffects ${pkg.sideEffects}`);
  assert.match(pkg.repository.url, /^git\+https:\/\//);
});
