// Built by webpack 5 (webpack.config.js, mode 'production': minified by terser).
import { quickStart } from '../quick-start.js';
import { runOnPage } from '../page.js';

runOnPage(quickStart);
