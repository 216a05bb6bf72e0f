// Module worker: the Quick Start runs here, with no DOM. Its import ends with `await init()` (top-level
// await), and messages that reach a module worker before its evaluation ends find no `onmessage`
// and are lost: so the worker says it is ready, and only then does the page send the server URL.
import { quickStart } from '../quick-start.js';

self.onmessage = async (e) => {
  try {
    const result = await quickStart(e.data);
    self.postMessage({ ...result, inWorker: typeof document === 'undefined' && typeof WorkerGlobalScope !== 'undefined' });
  } catch (err) {
    self.postMessage({ error: String(err?.stack ?? err) });
  }
};
self.postMessage({ ready: true });
