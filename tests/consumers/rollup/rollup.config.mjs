// A Rollup 4 production build: ES output (the package is an ES module with a top-level `await
// init()` in the app), node-resolve for the package, terser for minification, and
// @web/rollup-plugin-import-meta-assets, which emits the `.wasm` that the glue names with
// `new URL("arvak_grpc_wasm_bg.wasm", import.meta.url)` (Rollup alone leaves that URL as written and
// copies nothing).
import { fileURLToPath } from 'node:url';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { importMetaAssets } from '@web/rollup-plugin-import-meta-assets';

export default {
  input: fileURLToPath(new URL('./main.js', import.meta.url)),
  output: { dir: fileURLToPath(new URL('./dist/', import.meta.url)), format: 'es' },
  plugins: [nodeResolve({ browser: true }), importMetaAssets(), terser()],
};
