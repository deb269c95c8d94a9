/**
 * One log line per answered request, like JupyterHub's access log:
 * `200 GET /hub/api/users (alice@127.0.0.1) 3.21ms`. Query values whose name looks like a
 * credential (`?token=`, `code`, `state`, `_xsrf`, …) are replaced by `[secret]` first, so a
 * token sent in the URL never reaches the log.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../core/context.js';

const SECRET_PARAM = /token|secret|passw|auth|key|code|state|xsrf|session|ticket|sig|otp/i;

/** The request URL with the values of credential-like query parameters replaced. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const parts = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replaceAll('+', ' '));
      } catch {
        return '[secret]'; // a name that does not decode cannot be judged: hide the whole pair
      }
      return eq >= 0 && SECRET_PARAM.test(name) ? `${rawName}=[secret]` : pair;
    });
  return `${url.slice(0, q)}?${parts.join('&')}`;
}

/** Log the finished request: 5xx as errors, 4xx as warnings, the rest at info (assets at debug). */
export async function logRequest(
  ctx: HubContext,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const principal = await (req.labhubPrincipal ?? Promise.resolve(null)).catch(() => null);
  const who = `${principal?.name ?? ''}@${req.ip}`.replace(/^@/, '');
  const status = reply.statusCode;
  const url = redactUrl(req.url);
  const line = `${status} ${req.method} ${url} (${who}) ${reply.elapsedTime.toFixed(2)}ms`;
  const hub = ctx.settings.hubPrefix;
  if (status >= 500) ctx.log.error(line);
  else if (status >= 400) ctx.log.warn(line);
  else if (url.startsWith(`${hub}static/`) || url.startsWith(`${hub}health`)) ctx.log.debug(line);
  else ctx.log.info(line);
}
