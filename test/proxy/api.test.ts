// REST API of the built labhub-proxy (run `npm run build` first). Same suite as chp-parity.test.ts.
import { apiSuite } from './helpers/api-suite.js';
import { LABHUB_PROXY } from './helpers/proxy-process.js';

apiSuite('labhub-proxy', LABHUB_PROXY);
