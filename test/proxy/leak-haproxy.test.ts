// leak.test.ts with HAProxy serving the public port (labhub-proxy --engine haproxy).
process.env.LABHUB_TEST_PROXY_ENGINE = 'haproxy';
await import('./leak.test.js');
