// Built with `vite build` (no config): the bundler resolves `arvak-grpc-wasm` and emits its .wasm.
import { quickStart } from '../quick-start.js';
import { runOnPage } from '../page.js';

runOnPage(quickStart);
