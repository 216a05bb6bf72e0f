// ==== ADAPTER (temporary, until issue C lands) ====================================================
// Runs a batch through the package's `BatchJobManager` when it exports one; otherwise through the
// plain client: SubmitBatch in chunks, then `waitForJob` with bounded concurrency. Either way the
// caller gets progress snapshots and a result with every input in exactly one place.
// Delete the fallback half once every build ships BatchJobManager.

/**
 * @typedef {{ total: number, submitted: number, completed: number, failed: number, percentComplete: number }} Progress
 * @typedef {{ results: (object|undefined)[], failures: { index: number, jobId: string|null, error: unknown }[],
 *             status: string, totalTimeMs: number, usedManager: boolean }} Outcome
 */

/**
 * @param {object} pkg module namespace of arvak-grpc-wasm
 * @param {object} client an ArvakClient
 * @param {{ qasm: string, shots: number }[]} circuits
 * @param {string} backendId
 * @param {{ onProgress: (p: Progress) => void, onJobIds?: (ids: string[]) => void, signal: AbortSignal }} options
 * @returns {Promise<Outcome>}
 */
export async function runBatch(pkg, client, circuits, backendId, { onProgress, onJobIds, signal }) {
  const t0 = performance.now();
  if (typeof pkg.BatchJobManager === "function") {
    const manager = new pkg.BatchJobManager(client, { maxWorkers: 10 });
    const r = await manager.executeBatch(circuits, backendId, {
      signal,
      onProgress: (p) => onProgress({
        total: p.total, submitted: p.submitted, completed: p.completed, failed: p.failed,
        percentComplete: p.percentComplete,
      }),
    });
    const results = Array.from({ length: circuits.length }, (_, i) =>
      r.results instanceof Map ? r.results.get(i) : r.results?.[i]);
    return { results, failures: [...(r.failures ?? [])], status: r.status, totalTimeMs: r.totalTimeMs ?? performance.now() - t0, usedManager: true };
  }
  return fallback(client, circuits, backendId, { onProgress, onJobIds, signal, t0 });
}

async function fallback(client, circuits, backendId, { onProgress, onJobIds, signal, t0 }) {
  const total = circuits.length;
  const results = new Array(total);
  const failures = [];
  const ids = new Array(total).fill(null);
  let submitted = 0;
  const report = () => {
    const done = results.filter(Boolean).length + failures.length;
    onProgress({ total, submitted, completed: results.filter(Boolean).length, failed: failures.length,
      percentComplete: total ? (100 * done) / total : 100 });
  };
  const fail = (index, error) => { failures.push({ index, jobId: ids[index], error }); report(); };

  // 1. Submit in chunks of 25 (SubmitBatch is not atomic: after an error, only the indices before
  //    the failing chunk are known to exist, so the whole failing chunk is reported as failed).
  const CHUNK = 25;
  for (let start = 0; start < total; start += CHUNK) {
    const chunk = circuits.slice(start, start + CHUNK);
    try {
      const got = await client.submitBatch(chunk, backendId, { signal });
      got.forEach((id, k) => { ids[start + k] = id; });
      submitted += got.length;
      onJobIds?.(ids.filter(Boolean));
      report();
    } catch (error) {
      for (let i = start; i < total; i++) fail(i, error);
      break;
    }
  }

  // 2. Wait with at most 6 waits in flight (the client streams a few and polls the rest).
  let next = 0;
  async function worker() {
    while (next < total) {
      const i = next++;
      if (!ids[i] || failures.some((f) => f.index === i)) continue;
      try {
        results[i] = await client.waitForJob(ids[i], { signal });
        report();
      } catch (error) {
        fail(i, error);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(6, total) }, worker));

  // 3. On abort, cancel what may still run on the server (best effort).
  if (signal.aborted) {
    await Promise.allSettled(ids.filter((id, i) => id && !results[i]).map((id) => client.cancelJob(id)));
  }
  const ok = results.filter(Boolean).length;
  const status = signal.aborted ? "cancelled" : ok === total ? "completed" : ok === 0 ? "failed" : "partial";
  return { results, failures, status, totalTimeMs: performance.now() - t0, usedManager: false };
}
// ==== end of ADAPTER ===============================================================================
