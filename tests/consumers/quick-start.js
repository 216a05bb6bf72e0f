// The README's Quick Start, the one source every browser fixture of tests/pkg/consumers.test.mjs runs
// (plain page, Vite, webpack 5, module Web Worker). `arvak-grpc-wasm` is the packed tarball, installed
// into ./node_modules by the test. `await init()` is top-level, as the README writes it (so the
// bundles hold a module with top-level await). `quickStart` resolves to what the test checks: the
// Bell counts, and whether the not-found error keeps its classes and name after minification.
import init, { ArvakClient, JobNotFoundError, ArvakError } from 'arvak-grpc-wasm';

await init();

export async function quickStart(server) {
  const client = new ArvakClient(server);
  const qasm = 'OPENQASM 3.0;\nqubit[2] q;\nbit[2] c;\nh q[0];\ncx q[0], q[1];\nc = measure q;\n';
  const jobId = await client.submitQasm(qasm, 'simulator', { shots: 500 });
  const result = await client.waitForJob(jobId);
  let notFound = { rejected: false };
  try {
    await client.getJobStatus('00000000-0000-4000-8000-000000000000');
  } catch (e) {
    notFound = {
      rejected: true,
      jobNotFound: e instanceof JobNotFoundError,
      arvak: e instanceof ArvakError,
      error: e instanceof Error,
      name: e?.name,
    };
  }
  client.close();
  return { counts: { ...result.counts }, notFound };
}
