/** One event of the progress stream (hub-protocol.md §8). */
export interface ProgressEvent {
  progress?: number;
  message: string;
  html_message?: string;
  ready?: boolean;
  failed?: boolean;
  url?: string;
}

/** The terminal success event (§8); the prefix is escaped in the HTML form. */
export function readyEvent(prefix: string): ProgressEvent {
  const text = prefix.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return {
    progress: 100,
    ready: true,
    message: `Server ready at ${prefix}`,
    html_message: `Server ready at <a href="${text.replace(/"/g, '&quot;')}">${text}</a>`,
    url: prefix,
  };
}

/**
 * The events of one spawn: kept in order so a late subscriber (the browser's EventSource opening
 * after the spawn began) sees everything, then gets new events until the terminal one.
 */
export class ProgressChannel {
  private readonly events: ProgressEvent[] = [];
  private readonly waiters = new Set<() => void>();
  private closed = false;
  private highest = 0;

  /** Adds an event. Progress never goes back: a lower value is raised to the highest so far. */
  push(e: ProgressEvent): void {
    if (this.closed) return;
    if (typeof e.progress === 'number') {
      if (e.progress < this.highest) e = { ...e, progress: this.highest };
      this.highest = e.progress!;
    }
    this.events.push(e);
    if (e.ready || e.failed) this.closed = true;
    for (const w of this.waiters) w();
    this.waiters.clear();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  last(): ProgressEvent | undefined {
    return this.events[this.events.length - 1];
  }

  /** All events from the first, then live ones, ending after the terminal event. */
  async *subscribe(signal?: AbortSignal): AsyncGenerator<ProgressEvent> {
    let i = 0;
    while (!signal?.aborted) {
      while (i < this.events.length) yield this.events[i++];
      if (this.closed) return;
      await new Promise<void>((resolve) => {
        this.waiters.add(resolve);
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }
}
