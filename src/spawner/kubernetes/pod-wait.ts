/**
 * Waiting for a user pod while it starts, on the shared pod watch (cluster.ts): until it runs
 * (failing at once on what will not resolve itself: an image that cannot be pulled, a container
 * that cannot start; at start_timeout with the scheduler's message when unschedulable), then until
 * its server accepts connections; its Kubernetes events streamed into the progress meanwhile.
 */
import { HubError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { tcpAccepts } from '../proc.js';
import type { EventWatch, Pod, PodWatch } from './cluster.js';
import {
  eventLine,
  isPodRunning,
  isPodStopped,
  podFailure,
  unschedulableMessage,
} from './pod-status.js';

/** What the pod helpers need of the start or stop under way (kube-spawner.ts implements it). */
export interface StartSession {
  /** `user` or `user/server`, for messages. */
  readonly who: string;
  /** Spawner.start_timeout in seconds (0: 60). */
  readonly startTimeout: number;
  readonly log: Logger;
  /** Adds a line to the spawn progress. */
  emit(message: string): void;
  /** The error of a start that stop() cancelled. */
  cancelled(): HubError;
  stopRequested(): boolean;
  /** Registers what stop() calls to end the current wait (null: none). */
  onStop(fn: (() => void) | null): void;
}

/** Streams the pod's events into the progress while it starts (the shared event watch). */
export function followEvents(s: StartSession, events: EventWatch, uid: string): () => void {
  const seen = new Set<string>();
  return events.subscribe(uid, (ev) => {
    const key = `${ev.metadata?.uid}:${ev.count ?? 1}`;
    if (seen.has(key)) return;
    seen.add(key);
    s.emit(eventLine(ev));
  });
}

/** Waits on the shared watch until the pod runs; fails on what will not resolve itself. */
export function waitRunning(
  s: StartSession,
  watch: PodWatch,
  name: string,
  uid: string,
): Promise<Pod> {
  const timeoutS = s.startTimeout > 0 ? s.startTimeout : 60;
  return new Promise<Pod>((resolve, reject) => {
    let unschedulable: string | null = null;
    let finished = false;
    const finish = (err: Error | null, pod?: Pod) => {
      if (finished) return;
      finished = true;
      unsubscribe();
      clearTimeout(timer);
      s.onStop(null);
      if (err) reject(err);
      else resolve(pod!);
    };
    const check = (pod: Pod | null | undefined) => {
      if (!pod || pod.metadata?.uid !== uid) {
        if (pod === null)
          finish(
            new HubError(
              'LABHUB_ERR_SPAWN_FAILED',
              500,
              `The pod of ${s.who} was deleted while starting.`,
            ),
          );
        return;
      }
      if (isPodRunning(pod)) return finish(null, pod);
      const failure = podFailure(pod);
      if (failure)
        return finish(
          new HubError(
            'LABHUB_ERR_SPAWN_FAILED',
            500,
            `The server of ${s.who} cannot start: ${failure}`,
          ),
        );
      const u = unschedulableMessage(pod);
      if (u && u !== unschedulable) s.emit(`The pod cannot be scheduled yet: ${u}`);
      unschedulable = u;
    };
    const unsubscribe = watch.subscribe(name, check);
    s.onStop(() => finish(s.cancelled()));
    // Just under start_timeout, so that the hub's timeout error is this clearer one.
    const timer = setTimeout(
      () =>
        finish(
          new HubError(
            'LABHUB_ERR_SPAWN_TIMEOUT',
            500,
            unschedulable
              ? `The pod of ${s.who} was not scheduled within ${timeoutS} s (Spawner.start_timeout): ${unschedulable}`
              : `The pod of ${s.who} did not become ready within ${timeoutS} s (Spawner.start_timeout).`,
          ),
        ),
      Math.max(1, timeoutS * 1000 - 500),
    );
    timer.unref();
    check(watch.get(name));
  });
}

/**
 * After the pod runs: until its server accepts connections (as the local spawners resolve),
 * failing when the pod stops, is stopped, or start_timeout passes.
 */
export async function waitListening(
  s: StartSession,
  watch: PodWatch,
  name: string,
  host: string,
  port: number,
): Promise<void> {
  const timeoutS = s.startTimeout > 0 ? s.startTimeout : 60;
  const deadline = Date.now() + timeoutS * 1000 - 500;
  for (;;) {
    if (s.stopRequested()) throw s.cancelled();
    const pod = watch.get(name);
    const failure = pod ? podFailure(pod) : 'the pod was deleted';
    if (failure || !pod || isPodStopped(pod))
      throw new HubError(
        'LABHUB_ERR_SPAWN_FAILED',
        500,
        `The server of ${s.who} cannot start: ${failure ?? 'the pod stopped'}`,
      );
    if (await tcpAccepts(host, port, 500)) return;
    if (Date.now() > deadline)
      throw new HubError(
        'LABHUB_ERR_SPAWN_TIMEOUT',
        500,
        `The server of ${s.who} did not listen on ${host}:${port} within ${timeoutS} s (Spawner.start_timeout).`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function bracket(ip: string): string {
  return ip.includes(':') ? `[${ip}]` : ip;
}

/** The `notebook-port` of the pod's containers (KubeSpawner's _get_pod_port). */
export function podPort(pod: Pod): number | null {
  for (const c of pod.spec?.containers ?? [])
    for (const p of c.ports ?? []) if (p.name === 'notebook-port') return p.containerPort;
  return null;
}
