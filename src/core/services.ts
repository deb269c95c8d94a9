import type { ServiceSettings } from './settings.js';
import { checkServiceRouteSpec } from './route-guard.js';

/** ServiceSettings as a value the registry owns (the settings themselves are frozen). */
type Owned<T> = {
  -readonly [K in keyof T]: T[K] extends readonly (infer U)[]
    ? U[]
    : T[K] extends readonly (infer U)[] | null
      ? U[] | null
      : T[K] extends object
        ? Record<string, unknown> & T[K]
        : T[K];
};

/** A service known to the hub (from `JupyterHub.services`, or created through the REST API). */
export interface ServiceInfo extends Owned<ServiceSettings> {
  admin: boolean;
  /** pid of the managed process, 0 when not managed or not running. */
  pid: number;
  /** True for `JupyterHub.services` entries; false for services created with `POST /hub/api/services/{name}`. */
  fromConfig: boolean;
}

/** The persisted form of a runtime service (what `ApiServiceRepo` stores). */
export type RuntimeServiceSpec = Omit<ServiceInfo, 'pid' | 'fromConfig' | 'apiToken' | 'name'>;

/**
 * The known services by name. Managed processes are started by core/service-runner.ts. Services
 * added at runtime live here and in the database (`api_services`); the hub loads them at start
 * with {@link ServiceRegistry.loadRuntime}.
 */
export class ServiceRegistry {
  private readonly byName = new Map<string, ServiceInfo>();

  constructor(services: readonly ServiceSettings[], adminNames: string[] = []) {
    for (const s of services)
      this.byName.set(s.name, {
        ...s,
        command: s.command && [...s.command],
        environment: { ...s.environment },
        oauthClientAllowedScopes: [...s.oauthClientAllowedScopes],
        info: { ...s.info },
        admin: adminNames.includes(s.name),
        pid: 0,
        fromConfig: true,
      });
  }

  get(name: string): ServiceInfo | undefined {
    return this.byName.get(name);
  }

  all(): ServiceInfo[] {
    return [...this.byName.values()];
  }

  /** Register a runtime service. Throws if the name is taken. */
  add(info: Omit<ServiceInfo, 'pid' | 'fromConfig'>): ServiceInfo {
    if (this.byName.has(info.name)) throw new Error(`Service ${info.name} already exists`);
    const svc: ServiceInfo = { ...info, pid: 0, fromConfig: false };
    this.byName.set(info.name, svc);
    return svc;
  }

  /** Forget a runtime service; config services cannot be removed (returns false). */
  remove(name: string): boolean {
    const s = this.byName.get(name);
    if (!s || s.fromConfig) return false;
    return this.byName.delete(name);
  }

  /** Add the runtime services persisted in the database (called once at hub start). */
  async loadRuntime(repo: {
    all(): Promise<Array<{ name: string; spec: Record<string, unknown> }>>;
  }): Promise<void> {
    for (const { name, spec } of await repo.all()) {
      if (this.byName.has(name)) continue;
      const s = spec as Partial<RuntimeServiceSpec>;
      this.byName.set(name, {
        name,
        apiToken: null,
        url: s.url ?? null,
        command: null,
        environment: s.environment ?? {},
        cwd: s.cwd ?? null,
        user: s.user ?? null,
        oauthClientAllowedScopes: s.oauthClientAllowedScopes ?? [],
        oauthNoConfirm: s.oauthNoConfirm ?? false,
        oauthRedirectUri: s.oauthRedirectUri ?? null,
        display: s.display ?? true,
        info: s.info ?? {},
        admin: s.admin ?? false,
        pid: 0,
        fromConfig: false,
      });
    }
  }

  prefix(name: string, baseUrl: string): string {
    return `${baseUrl}services/${encodeURIComponent(name)}/`;
  }

  /**
   * The service's proxy route spec, checked right before an addRoute/deleteRoute: exactly
   * `<base>services/<name>/`. Throws HubError LABHUB_ERR_UNSAFE_ROUTE otherwise.
   */
  routeSpec(name: string, baseUrl: string): string {
    return checkServiceRouteSpec(baseUrl, name, this.prefix(name, baseUrl));
  }
}
