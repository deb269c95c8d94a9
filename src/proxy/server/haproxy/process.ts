/**
 * The HAProxy process itself: finding the binary and its version, the supervisor it runs under,
 * and how its exit and start failures are reported.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * HAProxy runs under this small sh supervisor so that it never outlives labhub-proxy: the
 * supervisor's stdin is a pipe from labhub-proxy, and when that pipe ends (labhub-proxy exited,
 * even by SIGKILL) HAProxy is killed and the private directory removed. It prints HAProxy's pid, passes SIGTERM on, and exits with
 * HAProxy's status (128 + signal number when a signal ended it).
 */
export const SUPERVISOR = `
exec 3<&0
"$1" -db -f "$2" </dev/null &
hp=$!
echo "labhub-haproxy-pid $hp"
trap 'kill -TERM $hp 2>/dev/null' TERM INT
( while read -r _; do :; done; kill -KILL $hp 2>/dev/null; rm -rf "$3" ) <&3 &
w=$!
wait $hp; code=$?
while kill -0 $hp 2>/dev/null; do wait $hp; code=$?; done
kill $w 2>/dev/null
exit $code
`;

export function exitReason(code: number | null, sig: string | null): string {
  if (sig) return sig;
  if (code !== null && code > 128) {
    const name = Object.entries(os.constants.signals).find(([, n]) => n === code - 128)?.[0];
    if (name) return name;
  }
  return `code ${code}`;
}

/**
 * HAProxy's failure at start as an Error; one that could not bind the public port says so the
 * way Node does (`listen EADDRINUSE: address already in use 127.0.0.1:8000`, code EADDRINUSE or
 * EACCES), so that the CLI and the hub give the same message whichever engine runs.
 */
export function startError(output: string): Error {
  const m = /cannot bind socket \(([^)]*)\) for \[([^\]]*)\]/.exec(output);
  const code = m
    ? /in use/i.test(m[1]!)
      ? 'EADDRINUSE'
      : /permission/i.test(m[1]!)
        ? 'EACCES'
        : undefined
    : undefined;
  if (m && code)
    return Object.assign(new Error(`listen ${code}: ${m[1]!.toLowerCase()} ${m[2]}`), { code });
  return new Error(`haproxy exited at start: ${output.trim().slice(-1500) || 'no output'}`);
}

/** Certificate chain and key in one PEM, without blank lines (the runtime API ends a payload at one). */
export function pemOf(o: { cert?: unknown; key?: unknown }): string {
  const text = [o.cert, o.key].map((b) => String(b ?? '').trim()).join('\n');
  return text.replace(/\r/g, '').replace(/\n\s*\n/g, '\n') + '\n';
}

/** Oldest HAProxy whose runtime API and converters (prompt, concat, set-dst-port) we use. */
const MIN_VERSION = [2, 4];

/** The haproxy binary: $LABHUB_HAPROXY, else `haproxy` on PATH or in /usr/sbin, /usr/local/sbin. */
export function findHaproxy(): string | undefined {
  const env = process.env.LABHUB_HAPROXY;
  if (env) return env;
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin'];
  for (const d of dirs) {
    if (!d) continue;
    const p = path.join(d, 'haproxy');
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** "2.6.12" of a haproxy binary, or an error message saying why it cannot be used. */
export function haproxyVersion(bin: string): { version: string } | { error: string } {
  let out: string;
  try {
    out = execFileSync(bin, ['-v'], { encoding: 'utf8', timeout: 5000 });
  } catch (e) {
    return { error: `${bin} -v failed: ${(e as Error).message}` };
  }
  const m = /version (\d+)\.(\d+)(\.\d+)?/i.exec(out);
  if (!m) return { error: `cannot read the version of ${bin} from: ${out.slice(0, 100)}` };
  const [maj, min] = [Number(m[1]), Number(m[2])];
  if (maj < MIN_VERSION[0]! || (maj === MIN_VERSION[0] && min < MIN_VERSION[1]!))
    return { error: `${bin} is HAProxy ${m[1]}.${m[2]}; labhub-proxy needs 2.4 or newer` };
  return { version: `${m[1]}.${m[2]}${m[3] ?? ''}` };
}
