// Benchmark upstream: small and 64 KiB HTTP responses, and a minimal WebSocket echo (RFC 6455
// handshake + frame echo, written raw so the upstream costs as little CPU as possible and the
// proxies get the machine). Prints its port.
import http from 'node:http';
import { createHash } from 'node:crypto';

const big = Buffer.alloc(64 * 1024, 120);
const small = Buffer.from('{"status":"ok","n":1}');
const server = http.createServer((req, res) => {
  if (req.url.endsWith('/big')) {
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': big.length,
    });
    res.end(big);
  } else {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': small.length });
    res.end(small);
  }
});
server.keepAliveTimeout = 60_000;
server.on('upgrade', (req, socket, head) => {
  const key = req.headers['sec-websocket-key'];
  const accept = createHash('sha1')
    .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
    .digest('base64');
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
  );
  socket.setNoDelay(true);
  let buf = head.length ? head : Buffer.alloc(0);
  const onData = (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      if (buf.length < 2) return;
      const op = buf[0] & 0x0f;
      let len = buf[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        len = Number(buf.readBigUInt64BE(2));
        off = 10;
      }
      const masked = buf[1] & 0x80;
      const total = off + (masked ? 4 : 0) + len;
      if (buf.length < total) return;
      const payload = Buffer.from(buf.subarray(total - len, total));
      if (masked) {
        const m = buf.subarray(off, off + 4);
        for (let i = 0; i < len; i++) payload[i] ^= m[i & 3];
      }
      buf = buf.subarray(total);
      const hdr =
        len < 126
          ? Buffer.from([0x80 | op, len])
          : Buffer.from([0x80 | op, 126, len >> 8, len & 255]);
      socket.write(Buffer.concat([hdr, payload]));
      if (op === 8) {
        socket.end();
        return;
      }
    }
  };
  if (buf.length) {
    const b = buf;
    buf = Buffer.alloc(0);
    onData(b);
  }
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`PORT ${server.address().port}\n`));
