// The smallest production config: no loaders, no `experiments`; webpack 5 emits the package's .wasm
// as an asset through its `new URL(…, import.meta.url)`.
import { fileURLToPath } from 'node:url';

export default {
  mode: 'production',
  context: fileURLToPath(new URL('.', import.meta.url)),
  entry: './main.js',
  output: { path: fileURLToPath(new URL('./dist/', import.meta.url)), filename: 'main.js', clean: true },
};
