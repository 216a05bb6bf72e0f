// Module worker: the Quick Start runs here, with no DOM.
import { quickStart } from '../quick-start.js';

self.onmessage = async (e) => {
  try {
    const result = await quickStart(e.data);
    self.postMessage({ ...result, inWorker: typeof document === 'undefined' && typeof WorkerGlobalScope !== 'undefined' });
  } catch (err) {
    self.postMessage({ error: String(err?.stack ?? err) });
  }
};
