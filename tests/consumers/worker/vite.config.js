// The one setting this fixture needs: bundle the worker as an ES module (Vite's default is a classic
// IIFE script), so it really runs as the module worker that `{ type: 'module' }` starts.
export default { worker: { format: 'es' } };
