// Built by Rollup 4 (rollup.config.mjs: node-resolve, import-meta-assets, terser).
import { quickStart } from '../quick-start.js';
import { runOnPage } from '../page.js';

runOnPage(quickStart);
