import type { FastifyReply } from 'fastify';
import type { ProgressChannel, ProgressEvent } from '../../core/spawn/progress.js';

const KEEPALIVE_MS = 8000;

/**
 * Server-sent events as JupyterHub writes them (§8): `data: <json>\n\n` per event, a blank-line
 * keepalive every 8 s, closed after the terminal event or when the client goes away.
 */
export async function streamProgress(
  reply: FastifyReply,
  source: ProgressChannel | ProgressEvent[],
): Promise<void> {
  reply.hijack();
  const res = reply.raw;
  const headers = reply.getHeaders() as Record<string, string>;
  res.writeHead(200, {
    ...headers,
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache',
    'X-Accel-Buffering': 'no',
  });
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  const keepalive = setInterval(() => res.write('\n\n'), KEEPALIVE_MS);
  try {
    const events = Array.isArray(source) ? source : source.subscribe(abort.signal);
    for await (const ev of events) {
      if (abort.signal.aborted) break;
      res.write(`data: ${JSON.stringify(ev)}\n\n`);
    }
  } finally {
    clearInterval(keepalive);
    res.end();
  }
}
