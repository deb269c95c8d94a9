import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { HubError } from '../../errors.js';
import { route, type AnyRoute } from './route.js';

/** fastify's routerOptions.maxParamLength (set in http/app.ts). */
export const MAX_PARAM_LENGTH = 2000;

/** Methods tried when working out which ones a path accepts (OPTIONS answers every API path). */
const CANDIDATES = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** Extra advice for a refused method, by path (the path exists, the method does not). */
const HINTS: Array<[RegExp, string]> = [
  [
    /\/api\/(shares|share-codes)\/[^/]+$/,
    "changing shares needs a server: use /{kind}/{owner}/{server} (an empty server name, i.e. a trailing '/', is the default server)",
  ],
];

/**
 * The methods the API route table has for this URL (`Allow`), not counting the catch-all routes
 * (their `*` parameter gives them away). Empty when no route has this path at all.
 */
export function allowedMethods(app: FastifyInstance, url: string): string[] {
  const allowed: string[] = CANDIDATES.filter((method) => {
    const found = app.findRoute({ method, url });
    return !!found && !Object.prototype.hasOwnProperty.call(found.params ?? {}, '*');
  });
  return allowed.length ? [...allowed, 'OPTIONS'] : [];
}

/**
 * The answer for an API request no route takes: 405 with `Allow` when the path exists with other
 * methods (also for QUERY, TRACE and methods fastify does not route), otherwise 404.
 */
export function unmatchedApiError(app: FastifyInstance, req: FastifyRequest): HubError {
  const path = req.url.split('?')[0];
  const allowed = allowedMethods(app, req.url);
  const method = String(req.method).slice(0, 20);
  // The router skips routes whose parameter would be longer than maxParamLength.
  if (path.split('/').some((part) => part.length > MAX_PARAM_LENGTH))
    return new HubError(
      'LABHUB_ERR_BAD_REQUEST',
      414,
      `A part of the URL path ${path.slice(0, 80)}… is longer than ${MAX_PARAM_LENGTH} characters`,
    );
  if (!allowed.length)
    return new HubError(
      'LABHUB_ERR_NOT_FOUND',
      404,
      `No API endpoint ${method} ${path.slice(0, 200)}; see the REST API reference`,
    );
  const hint = HINTS.find(([re]) => re.test(path));
  return new HubError(
    'LABHUB_ERR_METHOD_NOT_ALLOWED',
    405,
    `${method} is not allowed on ${path.slice(0, 200)}: it accepts ${allowed.join(', ')}${
      hint ? `; ${hint[1].replace('{kind}', hint[0].exec(path)![1])}` : ''
    }`,
    { headers: { Allow: allowed.join(', ') } },
  );
}

/**
 * The API's catch-all for every method fastify routes except OPTIONS (`app`: the root instance,
 * whose router knows every route). It answers in `onRequest`, before any body is parsed, so a
 * QUERY without Content-Type or a huge body still gets its 404/405 rather than a parsing error.
 */
export function unmatchedApiRoute(app: FastifyInstance): AnyRoute {
  const methods = app.supportedMethods.filter((m) => m !== 'OPTIONS') as HTTPMethods[];
  const answer = async (req: FastifyRequest, _reply: FastifyReply) => {
    throw unmatchedApiError(app, req);
  };
  return route({
    method: methods,
    url: '/*',
    scopes: { public: 'answers 404 or 405 (with Allow) for paths and methods no route takes' },
    options: { onRequest: answer },
    handler: answer,
  });
}
