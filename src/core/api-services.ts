/**
 * Services created and removed through the REST API (`POST`/`DELETE /hub/api/services/{name}`):
 * their rules (name, URL, token length, who may create an admin service, allowed OAuth scopes)
 * and what goes with them — the stored definition that survives a restart, the service's API
 * token, its OAuth client and its proxy route — added together and undone together on failure.
 */
import type { Logger } from '../log.js';
import type { Store } from '../db/index.js';
import type { Proxy } from '../proxy/types.js';
import { HubError } from '../errors.js';
import { checkServiceName } from '../util/names.js';
import { mayModifyAdmin, scopeError, type CustomScopes } from './rbac/scopes.js';
import type { ServiceInfo, ServiceRegistry } from './services.js';

export interface ApiServiceDeps {
  services: ServiceRegistry;
  store: Pick<Store, 'apiServices' | 'tokens' | 'oauth'>;
  proxy: Pick<Proxy, 'addRoute' | 'deleteRoute'>;
  permissions: { readonly customScopes: CustomScopes };
  settings: { readonly baseUrl: string };
  log: Logger;
}

/** What the API body gives for a new service (JupyterHub's keys, managed ones excluded). */
export interface NewApiService {
  url: string | null;
  apiToken: string | null;
  admin: boolean;
  oauthClientAllowedScopes: string[];
  oauthNoConfirm: boolean;
  oauthRedirectUri: string | null;
  oauthClientId: string | null;
  display: boolean;
  info: Record<string, unknown>;
}

const bad = (msg: string) => new HubError('LABHUB_ERR_BAD_REQUEST', 400, msg);

export class ApiServiceManager {
  constructor(private readonly d: ApiServiceDeps) {}

  /** Registers, stores and routes a new service; `caller` decides whether it may be admin. */
  async create(
    caller: { scopes: ReadonlySet<string>; isAdmin: boolean },
    name: string,
    input: NewApiService,
  ): Promise<ServiceInfo> {
    if (this.d.services.get(name))
      throw new HubError('LABHUB_ERR_CONFLICT', 409, `Service ${name} already exists`);
    const nameCheck = checkServiceName(name);
    if (!nameCheck.ok) throw bad(`Invalid service name: ${nameCheck.reason}`);
    const { url, apiToken } = input;
    if (url && !/^https?:\/\/[^/]+/.test(url))
      throw bad(
        `url must be an http(s) URL such as http://127.0.0.1:10101, got '${url.slice(0, 80)}'`,
      );
    if (apiToken !== null && apiToken.length < 8)
      throw bad('api_token must be at least 8 characters');
    if (input.admin && !mayModifyAdmin(caller.scopes, caller.isAdmin))
      throw new HubError(
        'LABHUB_ERR_FORBIDDEN',
        403,
        'Only admin users may create admin services.',
      );
    for (const s of input.oauthClientAllowedScopes) {
      const err = scopeError(s, this.d.permissions.customScopes);
      if (err) throw bad(err);
    }
    const spec: Omit<ServiceInfo, 'pid' | 'fromConfig'> = {
      name,
      apiToken: null,
      url,
      command: null,
      environment: {},
      cwd: null,
      user: null,
      oauthClientAllowedScopes: input.oauthClientAllowedScopes,
      oauthNoConfirm: input.oauthNoConfirm,
      oauthRedirectUri: input.oauthRedirectUri,
      display: input.display,
      info: input.info,
      admin: input.admin,
    };
    const clientId = input.oauthClientId ?? `service-${name}`;
    const svc = this.d.services.add(spec);
    const { store } = this.d;
    try {
      const { name: _n, apiToken: _t, ...persisted } = spec;
      await store.apiServices.put(name, { ...persisted, oauthClientId: clientId });
      if (apiToken) {
        await store.tokens.create({
          serviceName: name,
          scopes: ['inherit'],
          note: `Service ${name} (created through the API)`,
          supplied: apiToken,
        });
        if (url || spec.oauthRedirectUri) {
          const prefix = this.d.services.prefix(name, this.d.settings.baseUrl);
          await store.oauth.upsertClient({
            id: clientId,
            secret: apiToken,
            redirectUri: spec.oauthRedirectUri ?? `${prefix}oauth_callback`,
            description: `Service ${name}`,
            allowedScopes: spec.oauthClientAllowedScopes,
            serverId: null,
          });
        }
      }
      if (url)
        await this.d.proxy.addRoute(
          this.d.services.routeSpec(name, this.d.settings.baseUrl),
          new URL(url).origin,
          { service: name },
        );
    } catch (e) {
      this.d.services.remove(name);
      await store.apiServices.delete(name).catch(() => undefined);
      await store.tokens.deleteForService(name).catch(() => undefined);
      throw e;
    }
    return svc;
  }

  /** Removes a service created through the API, with its tokens, OAuth client and route. */
  async remove(name: string): Promise<void> {
    const s = this.d.services.get(name);
    if (!s)
      throw new HubError('LABHUB_ERR_NOT_FOUND', 404, `No such service: ${name.slice(0, 64)}`);
    if (s.fromConfig)
      throw new HubError(
        'LABHUB_ERR_METHOD_NOT_ALLOWED',
        405,
        `Service ${name} is defined in the config file (JupyterHub.services); remove it there and restart the hub`,
      );
    const { store } = this.d;
    const stored = (await store.apiServices.all()).find((x) => x.name === name);
    this.d.services.remove(name);
    await store.apiServices.delete(name);
    await store.tokens.deleteForService(name);
    const clientId =
      typeof stored?.spec.oauthClientId === 'string'
        ? stored.spec.oauthClientId
        : `service-${name}`;
    await store.tokens.deleteForClient(clientId);
    await store.oauth.deleteClient(clientId);
    if (s.url) {
      try {
        await this.d.proxy.deleteRoute(this.d.services.routeSpec(name, this.d.settings.baseUrl));
      } catch (e) {
        this.d.log.warn({ err: e }, `Could not delete the proxy route of service ${name}`);
      }
    }
  }
}
