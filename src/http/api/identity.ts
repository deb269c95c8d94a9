import type { HubContext } from '../../core/context.js';
import { filterServiceModel, filterUserModel } from '../../core/rbac/model-filter.js';
import { identifyScopesFor } from '../../core/rbac/scopes.js';
import { HubError } from '../../errors.js';
import { authenticatedApi } from '../guard.js';
import { userModel } from './models.js';
import { route, type AnyRoute } from './route.js';
import { serviceModel } from './service-model.js';

/**
 * `GET /hub/api/user`: who am I (RequestIdentity, §4.3). Any valid credential; an invalid or
 * expired token is 403 (the singleuser treats 403 as "not logged in").
 */
export function identityRoutes(ctx: HubContext): AnyRoute[] {
  return [
    route({
      method: 'GET',
      url: '/user',
      scopes: {
        selfAuthorizing:
          'any valid credential; every authentication failure is the same 403 the singleuser expects',
      },
      handler: async (req) => {
        const p = await authenticatedApi(ctx, req).catch(() => {
          throw new HubError(
            'LABHUB_ERR_NOT_AUTHENTICATED',
            403,
            'Missing or invalid credentials.',
          );
        });
        // The identify scopes are granted for this response only; `scopes` lists the credential's own.
        const viewScopes = new Set([
          ...p.scopes,
          ...identifyScopesFor({ kind: p.kind, name: p.name }),
        ]);
        const groupsOf = await ctx.permissions.groupsOf([p.name]);
        let model;
        if (p.kind === 'user' && p.user) {
          model = filterUserModel(await userModel(ctx, p.user), viewScopes, groupsOf) ?? {
            kind: 'user',
            name: p.name,
          };
        } else {
          const svc = ctx.services.get(p.name)!;
          model = filterServiceModel(await serviceModel(ctx, svc), viewScopes, groupsOf) ?? {
            kind: 'service',
            name: p.name,
          };
        }
        return {
          ...model,
          scopes: [...p.scopes].sort(),
          session_id: p.sessionId,
          token_id: p.token ? `a${p.token.id}` : null,
        };
      },
    }),
  ];
}
