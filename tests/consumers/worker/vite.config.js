// The one setting this fixture needs: bundle the worker as an ES module. Vite's default worker format
// is a classic IIFE script, which cannot hold the Quick Start's top-level `await init()`
// ("[INVALID_TLA_FORMAT] Module format "iife" does not support top-level await"); as an ES module it
// really is the module worker that `{ type: 'module' }` starts.
export default { worker: { format: 'es' } };
