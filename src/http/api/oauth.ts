import type { HubContext } from '../../core/context.js';
import { handleAuthorize } from '../../oauth/authorize.js';
import { handleToken } from '../../oauth/token.js';
import { route, type AnyRoute } from './route.js';

/** The OAuth 2 provider endpoints (authorization code + PKCE) under /hub/api/oauth2. */
export function oauthRoutes(ctx: HubContext): AnyRoute[] {
  const authorize = {
    selfAuthorizing:
      'the logged-in browser (cookie) that approves the client; the consent form carries XSRF',
  };
  return [
    route({
      method: 'GET',
      url: '/oauth2/authorize',
      scopes: authorize,
      handler: (req, reply) => handleAuthorize(ctx, req, reply),
    }),
    route({
      method: 'POST',
      url: '/oauth2/authorize',
      scopes: authorize,
      handler: (req, reply) => handleAuthorize(ctx, req, reply),
    }),
    route({
      method: 'POST',
      url: '/oauth2/token',
      scopes: {
        selfAuthorizing: 'the OAuth client: its id and secret, with the code and PKCE verifier',
      },
      handler: (req, reply) => handleToken(ctx, req, reply),
    }),
  ];
}
