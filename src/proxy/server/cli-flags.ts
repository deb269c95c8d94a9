/**
 * labhub-proxy's flags: configurable-http-proxy's, with the same names and meanings, plus
 * `--workers` and `--engine`. cli.ts turns the parsed values into options.
 */
import { Command, Option } from 'commander';
import { ENGINES } from './haproxy/select.js';

function int(name: string) {
  return (v: string): number => {
    const n = Number.parseInt(v, 10);
    if (!Number.isFinite(n) || n < 0) {
      process.stderr.write(`labhub-proxy: ${name} expects a non-negative integer, got '${v}'\n`);
      process.exit(1);
    }
    return n;
  };
}

function collectHeader(value: string, prev: Record<string, string>): Record<string, string> {
  const v = value.trim();
  const colon = v.indexOf(':');
  if (colon <= 0) {
    process.stderr.write(
      `labhub-proxy: --custom-header expects 'Name: value', got '${value}' (a colon is required)\n`,
    );
    process.exit(1);
  }
  return { ...prev, [v.slice(0, colon).trim()]: v.slice(colon + 1).trim() };
}

export function buildCommand(): Command {
  const c = new Command('labhub-proxy');
  c.description(
    'labhub-proxy: a configurable-http-proxy compatible proxy (same flags and REST API)',
  )
    .version('0.1.0')
    .option(
      '--ip <ip-address>',
      "Public-facing IP of the proxy ('', '*' or 0.0.0.0: all interfaces)",
    )
    .option('--port <n>', 'Public-facing port of the proxy (default 8000)', int('--port'))
    .addOption(new Option('--socket <path>', 'UNIX socket for the proxy (instead of --ip/--port)'))
    .option('--ssl-key <keyfile>', 'SSL key to use, if any')
    .option('--ssl-cert <certfile>', 'SSL certificate to use, if any')
    .option('--ssl-ca <ca-file>', 'SSL certificate authority, if any')
    .option('--ssl-request-cert', 'Request SSL certs to authenticate clients')
    .option(
      '--ssl-reject-unauthorized',
      'Reject unauthorized SSL connections (with --ssl-request-cert)',
    )
    .option('--ssl-protocol <ssl-protocol>', 'Set specific SSL protocol, e.g. TLSv1_2')
    .option('--ssl-ciphers <ciphers>', '`:`-separated ssl cipher list')
    .option('--ssl-allow-rc4', 'Accepted for compatibility; RC4 stays disabled')
    .option('--ssl-dhparam <dhparam-file>', 'SSL Diffie-Hellman parameters pem file, if any')
    .option('--api-ip <ip>', 'Inward-facing IP for API requests', 'localhost')
    .option(
      '--api-port <n>',
      'Inward-facing port for API requests (default: --port + 1)',
      int('--api-port'),
    )
    .addOption(
      new Option('--api-socket <path>', 'UNIX socket for the API (instead of --api-ip/--api-port)'),
    )
    .option('--api-ssl-key <keyfile>', 'SSL key for the API')
    .option('--api-ssl-cert <certfile>', 'SSL certificate for the API')
    .option('--api-ssl-ca <ca-file>', 'SSL certificate authority for the API')
    .option('--api-ssl-request-cert', 'Request SSL certs to authenticate API clients')
    .option('--api-ssl-reject-unauthorized', 'Reject unauthorized API SSL connections')
    .option('--client-ssl-key <keyfile>', 'SSL key for proxy → target connections')
    .option('--client-ssl-cert <certfile>', 'SSL certificate for proxy → target connections')
    .option('--client-ssl-ca <ca-file>', 'SSL certificate authority for proxy → target connections')
    .option('--client-ssl-request-cert', 'Accepted for compatibility')
    .option('--client-ssl-reject-unauthorized', 'Accepted for compatibility')
    .option('--default-target <host>', 'Default proxy target (proto://host[:port])')
    .option('--error-target <host>', 'Server for error pages: GET <target>/<code>?url=<path>')
    .option('--error-path <path>', 'Directory with <code>.html / error.html error pages')
    .option(
      '--redirect-port <redirect-port>',
      'Redirect HTTP requests on this port to the HTTPS proxy',
      int('--redirect-port'),
    )
    .option(
      '--redirect-to <port>',
      'Redirect HTTP requests from --redirect-port to this port',
      int('--redirect-to'),
    )
    .option('--pid-file <pid-file>', 'Write our PID to a file')
    .option('--no-x-forward', "Don't add 'X-Forwarded-*' headers to proxied requests")
    .option('--no-prepend-path', 'Avoid prepending target paths to proxied requests')
    .option('--no-include-prefix', "Don't include the routing prefix in proxied requests")
    .option('--auto-rewrite', 'Rewrite the Location header host/port in redirect responses')
    .option('--change-origin', 'Changes the origin of the host header to the target URL')
    .option(
      '--protocol-rewrite <proto>',
      'Rewrite the Location header protocol in redirect responses',
    )
    .option(
      '--custom-header <header>',
      'Custom header "Name: value" added to proxied requests (repeatable)',
      collectHeader,
      {},
    )
    .option('--insecure', 'Disable SSL cert verification of targets')
    .option('--host-routing', 'Use host routing (host as first level of path)')
    .option('--metrics-ip <ip>', 'IP for metrics server', '')
    .option(
      '--metrics-port <n>',
      'Port of metrics server (default: no metrics server)',
      int('--metrics-port'),
    )
    .addOption(new Option('--metrics-socket <path>', 'UNIX socket for the metrics server'))
    .option('--log-level <loglevel>', 'Log level (debug, info, warn, error)', 'info')
    .option(
      '--timeout <n>',
      'Timeout (ms) after which an idle client request is dropped',
      int('--timeout'),
    )
    .option(
      '--proxy-timeout <n>',
      'Timeout (ms) waiting for the target to respond',
      int('--proxy-timeout'),
    )
    .option(
      '--storage-backend <storage-class>',
      'Not supported (routes are kept in memory; the hub re-pushes them)',
    )
    .option(
      '--keep-alive-timeout <timeout>',
      'Timeout (ms) for idle keep-alive client connections',
      int('--keep-alive-timeout'),
    )
    .option(
      '--workers <n>',
      'Processes serving the public port with one shared route table (default 1)',
      int('--workers'),
    )
    .addOption(
      new Option(
        '--engine <engine>',
        'Data plane of the public port: node (built in), haproxy (HAProxy driven by labhub-proxy), auto (haproxy when installed and able to serve these flags)',
      )
        .choices(ENGINES)
        .default('node'),
    )
    .showSuggestionAfterError(true)
    .allowExcessArguments(false);
  c.exitOverride();
  return c;
}
