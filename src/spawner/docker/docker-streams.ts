/**
 * What a container says while it starts, as spawn progress: dockerd's events for it (create,
 * start, die, oom...) and the server's output lines (kept in a ring for recentOutput()).
 */
import type Docker from 'dockerode';
import type { LineRing } from '../proc.js';

type Emit = (message: string) => void;
/** Receives the function that ends a stream (called when the server stops). */
type OnAbort = (abort: () => void) => void;

/** Container events (create, start, die, oom...) → `emit('Container NAME: ACTION')`. */
export function followEvents(
  docker: Docker,
  container: Docker.Container,
  name: string,
  emit: Emit,
  onAbort: OnAbort,
): void {
  void docker
    .getEvents({ filters: { container: [container.id], type: ['container'] } })
    .then((stream) => {
      const s = stream as NodeJS.ReadableStream & { destroy?: () => void };
      onAbort(() => s.destroy?.());
      let buf = '';
      s.on('data', (b: Buffer) => {
        buf += b.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) {
          try {
            const ev = JSON.parse(l) as { Action?: string };
            if (ev.Action && !ev.Action.startsWith('exec_'))
              emit(`Container ${name}: ${ev.Action}`);
          } catch {
            /* a partial line */
          }
        }
      });
      s.on('error', () => {});
    })
    .catch(() => {});
}

/** The server's output lines → `output` and `emit` (follow once the container runs). */
export function followLogs(
  docker: Docker,
  container: Docker.Container,
  output: LineRing,
  emit: Emit,
  onAbort: OnAbort,
): void {
  void container
    .logs({ follow: true, stdout: true, stderr: true })
    .then((stream) => {
      const s = stream as NodeJS.ReadableStream & { destroy?: () => void };
      onAbort(() => s.destroy?.());
      const sink = (name: string) => ({
        write: (chunk: Buffer) => {
          for (const line of output.push(name, chunk.toString())) if (line.trim()) emit(line);
          return true;
        },
      });
      docker.modem.demuxStream(
        s,
        sink('stdout') as unknown as NodeJS.WritableStream,
        sink('stderr') as unknown as NodeJS.WritableStream,
      );
      s.on('error', () => {});
    })
    .catch(() => {});
}
