import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../core/context.js';
import { pkceMatches } from './pkce.js';

/** An OAuth error response (§3.4): JSON with no-store headers; 401 for invalid_client. */
function oauthError(reply: FastifyReply, error: string, description: string): FastifyReply {
  const status = error === 'invalid_client' ? 401 : 400;
  if (status === 401) reply.header('WWW-Authenticate', 'Basic realm="jupyterhub"');
  return reply
    .code(status)
    .header('Content-Type', 'application/json')
    .header('Cache-Control', 'no-store')
    .header('Pragma', 'no-cache')
    .send({ error, error_description: description });
}

/** Form body as a map, with duplicate keys detected (they are an invalid_request). */
function formParams(req: FastifyRequest): { params: Record<string, string>; duplicates: string[] } {
  const raw = req.body;
  const params: Record<string, string> = {};
  const duplicates: string[] = [];
  if (raw && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      if (Array.isArray(v)) {
        duplicates.push(k);
        params[k] = String(v[0]);
      } else if (v !== undefined) params[k] = String(v);
    }
  }
  return { params, duplicates };
}

/**
 * POST /hub/api/oauth2/token (§3.4): exchange a code for an access token. Check order as in
 * oauthlib: grant type, code present, client credentials, code, PKCE, redirect_uri.
 */
export async function handleToken(
  ctx: HubContext,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { params: p, duplicates } = formParams(req);
  const dup = duplicates.find((k) =>
    ['client_id', 'grant_type', 'redirect_uri', 'code'].includes(k),
  );
  if (dup) return oauthError(reply, 'invalid_request', `Duplicate ${dup} parameter.`);
  if (p.grant_type !== 'authorization_code')
    return oauthError(
      reply,
      'unsupported_grant_type',
      `grant_type must be authorization_code, got '${(p.grant_type ?? '').slice(0, 40)}'`,
    );
  if (!p.code) return oauthError(reply, 'invalid_request', 'Missing code parameter.');
  const client = p.client_id ? await ctx.store.oauth.client(p.client_id) : null;
  if (!client || !p.client_secret || !ctx.store.oauth.verifySecret(client, p.client_secret))
    return oauthError(reply, 'invalid_client', 'Client authentication failed.');
  const code = await ctx.store.oauth.findCode(p.code);
  if (!code || code.clientId !== client.id)
    return oauthError(
      reply,
      'invalid_grant',
      'The authorization code is invalid, expired, or was issued to another client.',
    );
  if (code.codeChallenge) {
    if (!p.code_verifier)
      return oauthError(reply, 'invalid_request', 'Code verifier required (PKCE).');
    if (!pkceMatches(p.code_verifier, code.codeChallenge, code.codeChallengeMethod))
      return oauthError(
        reply,
        'invalid_grant',
        'The code verifier does not match the code challenge (PKCE).',
      );
  } else if (ctx.settings.oauthRequirePkce) {
    return oauthError(reply, 'invalid_request', 'Code challenge required (PKCE).');
  }
  const redirectUri = p.redirect_uri ?? client.redirectUri;
  if (redirectUri !== code.redirectUri)
    return oauthError(reply, 'invalid_request', 'Mismatching redirect URI.');
  if (!(await ctx.store.oauth.consumeCode(code.id)))
    return oauthError(reply, 'invalid_grant', 'The authorization code was already used.');

  const expiresIn = ctx.settings.oauthTokenExpiresIn;
  const { token } = await ctx.store.tokens.create({
    userId: code.userId,
    clientId: client.id,
    scopes: code.scopes,
    note: '',
    expiresInSeconds: expiresIn,
    sessionId: code.sessionId,
  });
  return reply
    .code(200)
    .header('Content-Type', 'application/json')
    .header('Cache-Control', 'no-store')
    .header('Pragma', 'no-cache')
    .send({
      access_token: token,
      expires_in: expiresIn,
      token_type: 'Bearer',
      scope: code.scopes.join(' '),
    });
}
