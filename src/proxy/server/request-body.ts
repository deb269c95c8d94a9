/**
 * The client's request body as the upstream request's body. undici destroys the body stream it
 * is given when the upstream exchange ends before the body was sent: an early answer (a 413 for
 * a body over the upstream's limit) or an upstream failure. Destroying the client's request
 * would destroy the client's socket with unread data in it, which resets the connection, and a
 * client still sending its body then loses the answer we have just written (ECONNRESET instead
 * of the 413). So undici gets a pass-through stream, and once the exchange is over the rest of
 * the client's body is read and discarded, as a server's lingering close does.
 */
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';

/** How much of an unwanted body we read before closing the connection anyway. */
const DRAIN_LIMIT = 64 * 1024 * 1024;

export class RequestBody {
  /** What undici reads. */
  readonly stream = new PassThrough();

  constructor(private readonly req: IncomingMessage) {
    req.pipe(this.stream);
    // A client that goes away mid-body fails the upstream request too (pipe does not forward it).
    req.once('close', this.onClientClose);
  }

  private readonly onClientClose = (): void => {
    if (!this.req.complete) this.stream.destroy(new Error('the client closed its request body'));
  };

  /** The upstream exchange is over: discard what the client still sends (up to DRAIN_LIMIT). */
  release(): void {
    const req = this.req;
    req.removeListener('close', this.onClientClose);
    req.unpipe(this.stream);
    if (req.complete || req.destroyed) return;
    let seen = 0;
    req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > DRAIN_LIMIT) req.socket?.destroy();
    });
    req.resume();
  }
}
