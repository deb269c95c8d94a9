// forwarding.test.ts again with `--engine auto` (HAProxy, installed by scripts/install-system-deps.sh):
// every forwarding behaviour must hold when HAProxy serves the public port. The few flags HAProxy
// cannot serve (--auto-rewrite, --metrics-port) make auto fall back to the Node engine, which
// engine-haproxy.test.ts checks.
process.env.LABHUB_TEST_PROXY_ENGINE = 'auto';
await import('./forwarding.test.js');
