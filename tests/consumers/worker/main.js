// The page starts a module worker that runs the Quick Start and posts its outcome back.
import { runOnPage } from '../page.js';

runOnPage(
  (server) =>
    new Promise((resolve, reject) => {
      const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
      worker.onmessage = (e) => {
        if (e.data.ready) worker.postMessage(server);
        else if (e.data.error) reject(new Error('in the worker: ' + e.data.error));
        else resolve(e.data);
      };
      worker.onerror = (e) => reject(new Error('worker error: ' + (e.message || 'the worker failed to load or to evaluate')));
    }),
);
