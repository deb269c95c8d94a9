// The CHP REST API suite (api.test.ts, chp-parity.test.ts) against labhub-proxy --engine haproxy.
import { apiSuite } from './helpers/api-suite.js';
import { LABHUB_PROXY } from './helpers/proxy-process.js';

process.env.LABHUB_TEST_PROXY_ENGINE = 'haproxy';
apiSuite('labhub-proxy --engine haproxy', LABHUB_PROXY);
