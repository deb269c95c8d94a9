/**
 * A Kubernetes server's resource use for the usage accounting, from the metrics API
 * (`metrics.k8s.io/v1beta1` PodMetrics, served by metrics-server) when the cluster has it.
 * PodMetrics gives each container's CPU as a rate (cores, averaged over `window` up to
 * `timestamp`) and its memory working set; the CPU rate is integrated over the time between
 * readings into the counter of CPU seconds the accounting expects (the first reading counts its
 * window). A cluster without the metrics API gives no readings and one log line (looked for again
 * every ten minutes), not an error per sample.
 */
import type * as k8s from '@kubernetes/client-node';
import { kube } from './client-lib.js';
import type { Logger } from '../../log.js';
import type { ServerUsage } from '../types.js';

const GROUP = 'metrics.k8s.io';
const VERSION = 'v1beta1';
const RECHECK_MS = 10 * 60_000;

/** The PodMetrics fields read here (k8s.io/metrics, v1beta1). */
export interface PodMetrics {
  timestamp?: string;
  window?: string;
  containers?: Array<{ name?: string; usage?: { cpu?: string; memory?: string } }>;
}

/** Divisors of the fractional suffixes (dividing keeps 250m = 0.25 exact). */
const FRACTION: Record<string, number> = { n: 1e9, u: 1e6, m: 1e3 };
const SUFFIX: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity ("250m", "1.5", "123456n", "64Mi", "1e3") as a number, NaN if unreadable. */
export function parseQuantity(q: string | undefined): number {
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)([a-zA-Z]*)$/.exec((q ?? '').trim());
  if (!m) return NaN;
  if (m[2] in FRACTION) return Number(m[1]) / FRACTION[m[2]]!;
  return m[2] in SUFFIX ? Number(m[1]) * SUFFIX[m[2]]! : NaN;
}

/** A duration of the metrics API ("30s", "1m0.5s", "15.004s") in seconds. */
export function parseWindow(w: string | undefined): number {
  let s = 0;
  for (const [, n, u] of (w ?? '').matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g))
    s += Number(n) * { ms: 0.001, s: 1, m: 60, h: 3600 }[u as 'ms' | 's' | 'm' | 'h'];
  return s;
}

/** A pod's CPU counter, built from its rates. */
interface Counter {
  uid: string;
  cpuSeconds: number;
  at: number;
}

/** Reads PodMetrics of one API server; remembers whether it serves them and each pod's counter. */
export class PodMetricsReader {
  private readonly api: k8s.CustomObjectsApi;
  private absentSince = 0;
  private readonly counters = new Map<string, Counter>();

  constructor(
    kc: k8s.KubeConfig,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.api = kc.makeApiClient(kube().CustomObjectsApi);
  }

  /** The pod's use now, or null (no metrics API, no metrics for the pod yet, unreadable). */
  async usage(namespace: string, pod: string, uid: string): Promise<ServerUsage | null> {
    if (this.absentSince && this.now() - this.absentSince < RECHECK_MS) return null;
    const key = `${namespace}/${pod}`;
    let m: PodMetrics;
    try {
      m = (await this.api.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: 'pods',
        name: pod,
      })) as PodMetrics;
    } catch (e) {
      if (e instanceof kube().ApiException && e.code === 404) {
        if (namedInStatus(e.body)) {
          this.present(); // the API is there; this pod has no metrics yet
          return null;
        }
        if (!this.absentSince)
          this.log.info(
            `The Kubernetes cluster serves no metrics API (${GROUP}/${VERSION}): servers get no CPU or memory readings (sessions and server time are still recorded). Install metrics-server to get them.`,
          );
        this.absentSince = this.now();
        return null;
      }
      throw e;
    }
    this.present();
    return this.fold(key, uid, m);
  }

  private present(): void {
    if (!this.absentSince) return;
    this.log.info(
      `The Kubernetes metrics API (${GROUP}) answers now: servers get CPU and memory readings.`,
    );
    this.absentSince = 0;
  }

  private fold(key: string, uid: string, m: PodMetrics): ServerUsage | null {
    const at = Date.parse(m.timestamp ?? '');
    let cores = 0;
    let memory = 0;
    for (const c of m.containers ?? []) {
      cores += parseQuantity(c.usage?.cpu);
      memory += parseQuantity(c.usage?.memory);
    }
    if (!Number.isFinite(at) || !Number.isFinite(cores) || !Number.isFinite(memory)) return null;
    let c = this.counters.get(key);
    if (!c || c.uid !== uid) {
      // A new pod (or the first reading since the hub started): its first window counts.
      c = { uid, cpuSeconds: cores * parseWindow(m.window), at };
      this.counters.set(key, c);
    } else if (at > c.at) {
      c.cpuSeconds += (cores * (at - c.at)) / 1000;
      c.at = at;
    }
    return { cpuSeconds: c.cpuSeconds, memoryBytes: memory, source: 'metrics-api' };
  }
}

/** A 404 about a named object (the API exists) rather than about the path (it does not). */
function namedInStatus(body: unknown): boolean {
  try {
    const s = (typeof body === 'string' ? JSON.parse(body) : body) as {
      details?: { name?: string };
    };
    return Boolean(s?.details?.name);
  } catch {
    return false;
  }
}

const readers = new WeakMap<k8s.KubeConfig, PodMetricsReader>();

/** The reader of the API server behind `kc` (one per cluster link, so one log line per hub). */
export function podMetricsReader(kc: k8s.KubeConfig, log: Logger): PodMetricsReader {
  let r = readers.get(kc);
  if (!r) readers.set(kc, (r = new PodMetricsReader(kc, log)));
  return r;
}
