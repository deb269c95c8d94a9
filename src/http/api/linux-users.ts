import type { HubContext } from '../../core/context.js';
import { route, type AnyRoute } from './route.js';
import { authorizedNewUsers, CreateUsersBody, newUserModels } from './users.js';

/**
 * `POST /hub/api/labhub/linux-users` (labhub's own, outside JupyterHub's API): like
 * `POST /hub/api/users`, and each missing Linux account is created too, with a private home and
 * a one-time password that PAM makes the person change at the first login. Only with the PAM
 * authenticator and when labhub runs as root. Body `{usernames, admin?}`; 201 with
 * `{users: [models], one_time_passwords: {name: password}, existing_linux_accounts: [names],
 * failed: [{name, message}]}`. The passwords are in this response only: the hub keeps no copy.
 */
export function linuxUserRoutes(ctx: HubContext): AnyRoute[] {
  const create = route({
    method: 'POST',
    url: '/labhub/linux-users',
    scopes: ['admin:users'],
    body: CreateUsersBody,
    handler: async (_req, reply, { principal: p, body }) => {
      const names = await authorizedNewUsers(ctx, p, body);
      const r = await ctx.users.createMany(names, { admin: !!body.admin, linuxAccounts: true });
      const users = await newUserModels(ctx, r.users);
      // Secrets in the body: no cache may keep them.
      reply.header('Cache-Control', 'no-store');
      return reply.code(201).send({
        users,
        one_time_passwords: Object.fromEntries(r.oneTimePasswords),
        existing_linux_accounts: r.existingLinuxAccounts,
        failed: r.failed,
      });
    },
  });
  return [create];
}
