/** The helpers of test/api, for hubs built in this process (test/helpers/inject-hub.ts). */
import type { InjectHub, InjectReply } from '../helpers/inject-hub.js';

export { PAGINATION, assertError, until } from '../api/helpers.js';

/** Call the hub API through inject with a token; JSON body in, parsed JSON (if any) out. */
export function call(
  t: InjectHub,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<InjectReply> {
  return t.call(method, path, opts);
}
