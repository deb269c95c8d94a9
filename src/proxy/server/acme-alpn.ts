/**
 * TLS-ALPN-01 (RFC 8737) on the public HTTPS listener. While the hub has a TLS-ALPN-01 challenge
 * pending (AcmeResponder), each new connection's ClientHello is read before TLS starts: one that
 * offers only the `acme-tls/1` protocol for a domain with a pending challenge gets that challenge's
 * certificate, the handshake completes with `acme-tls/1`, and the connection is closed (the CA
 * only validates the certificate). Every other connection, and every connection while no such
 * challenge is pending (then nothing is read first), goes to the HTTPS server unchanged.
 */
import type { Server as NetServer, Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { AcmeResponder } from './acme-responder.js';

export const ACME_TLS_ALPN = 'acme-tls/1';
/** A TLS record's longest payload (2^14) plus its header. */
const MAX_RECORD = 16_384 + 5;
/** How long a client may take to send its ClientHello while a challenge is pending. */
const HELLO_TIMEOUT_MS = 10_000;

/** The names a ClientHello offers: the server name (SNI) and the ALPN protocols. */
export interface HelloInfo {
  servername: string | null;
  alpn: string[];
}

/**
 * Parses the first TLS record of a connection. `'more'`: the record is not complete yet; null:
 * not a TLS ClientHello (or a malformed one: the TLS server will say so).
 */
export function parseClientHello(buf: Buffer): HelloInfo | 'more' | null {
  if (buf.length < 5) return buf.length && buf[0] !== 0x16 ? null : 'more';
  if (buf[0] !== 0x16) return null; // not a handshake record
  const end = 5 + buf.readUInt16BE(3);
  if (buf.length < end) return end > MAX_RECORD ? null : 'more';
  try {
    if (buf[5] !== 1) return null; // not a ClientHello
    let p = 9 + 2 + 32; // handshake header, client version, random
    p += 1 + buf[p]!; // session id
    p += 2 + buf.readUInt16BE(p); // cipher suites
    p += 1 + buf[p]!; // compression methods
    const out: HelloInfo = { servername: null, alpn: [] };
    if (p + 2 > end) return out;
    const extEnd = Math.min(end, p + 2 + buf.readUInt16BE(p));
    p += 2;
    while (p + 4 <= extEnd) {
      const type = buf.readUInt16BE(p);
      const len = buf.readUInt16BE(p + 2);
      const data = p + 4;
      if (data + len > extEnd) return null;
      if (type === 0 && len >= 5 && buf[data + 2] === 0) {
        const n = buf.readUInt16BE(data + 3);
        out.servername = buf.toString('ascii', data + 5, Math.min(data + 5 + n, data + len));
      } else if (type === 16 && len >= 2) {
        const listEnd = Math.min(data + 2 + buf.readUInt16BE(data), data + len);
        for (let q = data + 2; q < listEnd;) {
          const n = buf[q]!;
          out.alpn.push(buf.toString('latin1', q + 1, Math.min(q + 1 + n, listEnd)));
          q += 1 + n;
        }
      }
      p = data + len;
    }
    return out;
  } catch {
    return null; // ran past the buffer: malformed
  }
}

/** Completes a TLS-ALPN-01 handshake on `socket` with the challenge's certificate, then closes. */
function answerChallenge(socket: Socket, acme: AcmeResponder, servername: string): void {
  const context = acme.alpnContext(servername);
  if (!context) return void socket.destroy();
  const tls = new TLSSocket(socket, {
    isServer: true,
    secureContext: context,
    ALPNProtocols: [ACME_TLS_ALPN],
  });
  const timer = setTimeout(() => tls.destroy(), HELLO_TIMEOUT_MS);
  tls.once('secure', () => {
    clearTimeout(timer);
    tls.end();
  });
  tls.once('error', () => {
    clearTimeout(timer);
    tls.destroy();
  });
  tls.once('close', () => clearTimeout(timer));
}

/**
 * Puts the TLS-ALPN-01 answer in front of `server`'s TLS (an https.Server): its own
 * `connection` listeners are called for every connection that is not a challenge.
 */
export function answerTlsAlpn(server: NetServer, acme: AcmeResponder): void {
  const tlsListeners = server.listeners('connection') as ((s: Socket) => void)[];
  server.removeAllListeners('connection');
  const pass = (socket: Socket) => {
    for (const l of tlsListeners) l.call(server, socket);
  };
  server.on('connection', (socket: Socket) => {
    if (!acme.hasAlpnChallenges()) return pass(socket);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => finish(null), HELLO_TIMEOUT_MS);
    const onData = (d: Buffer) => {
      chunks.push(d);
      const hello = parseClientHello(Buffer.concat(chunks));
      if (hello !== 'more') finish(hello);
    };
    const onGone = () => {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.destroy();
    };
    const finish = (hello: HelloInfo | null) => {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('end', onGone);
      socket.removeListener('error', onGone);
      socket.pause();
      // What was read goes back: the TLS server reads it first.
      if (chunks.length) socket.unshift(Buffer.concat(chunks));
      const challenge =
        hello?.servername &&
        hello.alpn.length === 1 &&
        hello.alpn[0] === ACME_TLS_ALPN &&
        acme.alpnContext(hello.servername);
      if (challenge) answerChallenge(socket, acme, hello.servername!);
      else pass(socket);
    };
    socket.on('data', onData);
    socket.once('end', onGone);
    socket.once('error', onGone);
  });
}
