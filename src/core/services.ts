import type { ServiceSettings } from './settings.js';

/** A service known to the hub (from `JupyterHub.services`). */
export interface ServiceInfo extends ServiceSettings {
  admin: boolean;
  /** pid of the managed process, 0 when not managed or not running. */
  pid: number;
}

/** The configured services by name. Managed processes are started by core/service-runner.ts. */
export class ServiceRegistry {
  private readonly byName = new Map<string, ServiceInfo>();

  constructor(services: ServiceSettings[], adminNames: string[] = []) {
    for (const s of services) this.byName.set(s.name, { ...s, admin: adminNames.includes(s.name), pid: 0 });
  }

  get(name: string): ServiceInfo | undefined {
    return this.byName.get(name);
  }

  all(): ServiceInfo[] {
    return [...this.byName.values()];
  }

  prefix(name: string, baseUrl: string): string {
    return `${baseUrl}services/${encodeURIComponent(name)}/`;
  }
}
