// The same API suite against configurable-http-proxy from node_modules: proves that what
// api.test.ts expects of labhub-proxy is CHP's behaviour (drop-in parity).
import { existsSync } from 'node:fs';
import { apiSuite } from './helpers/api-suite.js';
import { CHP } from './helpers/proxy-process.js';

apiSuite('configurable-http-proxy', CHP, () =>
  existsSync(CHP[1]!)
    ? false
    : `configurable-http-proxy is not installed at ${CHP[1]} (npm install)`,
);
