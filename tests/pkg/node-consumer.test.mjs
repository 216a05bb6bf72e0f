// The published tarball as a Node 20 user meets it: `scripts/pack.sh`'s tarball installed with npm
// into a fresh project, then the README's Quick Start with a bare `await init()` against the dev
// server (ARVAK_TEST_URL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVER = process.env.ARVAK_TEST_URL;

const QUICK_START = `import init, { ArvakClient, JobNotFoundError } from 'arvak-grpc-wasm';
await init();
const client = new ArvakClient(process.env.ARVAK_TEST_URL);
const jobId = await client.submitQasm('OPENQASM 3.0;\\nqubit[2] q;\\nbit[2] c;\\nh q[0];\\ncx q[0], q[1];\\nc = measure q;\\n', 'simulator', { shots: 500 });
const result = await client.waitForJob(jobId);
let notFound = false;
try { await client.getJobStatus('00000000-0000-4000-8000-000000000000'); } catch (e) { notFound = e instanceof JobNotFoundError; }
console.log(JSON.stringify({ counts: result.counts, notFound }));
`;

test('the packed tarball installs with npm and runs the Quick Start in Node with a bare init()', async () => {
  assert.ok(SERVER, 'set ARVAK_TEST_URL to the dev server');
  const tgz = execFileSync(join(ROOT, 'scripts/pack.sh'), {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ARVAK_PKG_PREBUILT: '1' },
  }).trim().split('\n').pop();
  const dir = await mkdtemp(join(tmpdir(), 'arvak-consumer-'));
  try {
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', join(ROOT, tgz)], { cwd: dir });
    await writeFile(join(dir, 'main.mjs'), QUICK_START);
    const out = execFileSync('node', ['main.mjs'], { cwd: dir, encoding: 'utf8', env: { ...process.env, ARVAK_TEST_URL: SERVER } });
    const r = JSON.parse(out.trim().split('\n').pop());
    assert.deepEqual(Object.keys(r.counts).filter((k) => k !== '00' && k !== '11'), []);
    assert.equal(Object.values(r.counts).reduce((a, b) => a + b, 0), 500);
    assert.equal(r.notFound, true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
