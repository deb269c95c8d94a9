// WebSocket echo load over raw sockets (cheap client, so the proxy gets the CPU): CONNS
// connections do the RFC 6455 handshake, then each sends a masked 32-byte binary frame and waits
// for its echo (34 bytes), repeatedly, for DURATION ms. Prints JSON {msgs, rate, p50, p99, errors}.
import net from 'node:net';
import { randomBytes } from 'node:crypto';

const [url, connsS, durS] = process.argv.slice(2);
const u = new URL(url);
const conns = Number(connsS);
const duration = Number(durS);
const frame = Buffer.concat([Buffer.from([0x82, 0x80 | 32]), randomBytes(4), Buffer.alloc(32, 97)]);
const ECHO = 34;
const lat = [];
let errors = 0;

function open() {
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname);
    s.setNoDelay(true);
    s.once('error', reject);
    s.once('connect', () =>
      s.write(
        `GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    );
    let head = '';
    const onData = (d) => {
      head += d.toString('latin1');
      const i = head.indexOf('\r\n\r\n');
      if (i === -1) return;
      s.removeListener('data', onData);
      if (!head.startsWith('HTTP/1.1 101')) {
        s.destroy();
        reject(new Error(head.split('\r\n')[0]));
        return;
      }
      resolve(s);
    };
    s.on('data', onData);
  });
}

const sockets = [];
for (let i = 0; i < conns; i += 50) {
  const batch = await Promise.allSettled(Array.from({ length: Math.min(50, conns - i) }, open));
  for (const b of batch) b.status === 'fulfilled' ? sockets.push(b.value) : errors++;
}
const start = Date.now();
const end = start + duration;
await Promise.all(
  sockets.map(
    (s) =>
      new Promise((resolve) => {
        let t0 = 0n;
        let got = 0;
        const send = () => {
          if (Date.now() >= end) {
            resolve();
            return;
          }
          t0 = process.hrtime.bigint();
          s.write(frame);
        };
        s.on('data', (d) => {
          got += d.length;
          while (got >= ECHO) {
            got -= ECHO;
            lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
            send();
          }
        });
        s.on('error', () => {
          errors++;
          resolve();
        });
        s.on('close', () => resolve());
        send();
      }),
  ),
);
const elapsed = (Date.now() - start) / 1000;
for (const s of sockets) s.destroy();
lat.sort((a, b) => a - b);
const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : NaN);
process.stdout.write(
  JSON.stringify({
    msgs: lat.length,
    rate: lat.length / elapsed,
    p50: q(0.5),
    p99: q(0.99),
    errors,
  }) + '\n',
);
process.exit(0);
