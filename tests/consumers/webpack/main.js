// Built by webpack 5 (webpack.config.js, mode 'production': minified by terser).
import { quickStart } from '../quick-start.js';
import { circuitTools } from '../circuit-tools.js';
import { runOnPage } from '../page.js';

// The Quick Start, then the circuit tools (their module and worker come from the same bundle).
runOnPage(async (server) => ({ ...(await quickStart(server)), circuit: await circuitTools() }));
