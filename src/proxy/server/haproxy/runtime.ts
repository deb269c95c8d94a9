/**
 * HAProxy's runtime API over its stats socket, in prompt mode on one connection: commands are
 * written one per line and answered in order, each answer ending with the "\n> " prompt.
 */
import net from 'node:net';

/** The longest command line sent (HAProxy's buffer, 16 kB, less its 1 kB rewrite reserve). */
const MAX_LINE = 15360;

export class RuntimeApi {
  private sock: net.Socket | undefined;
  private buf = '';
  private waiting: Array<{ resolve: (s: string) => void; reject: (e: Error) => void }> = [];
  private greeted = false;

  constructor(private readonly path: string) {}

  /** Connect and switch to prompt mode; rejects when nothing listens on the socket. */
  connect(): Promise<void> {
    this.buf = '';
    this.greeted = false;
    return new Promise((resolve, reject) => {
      const s = net.connect(this.path);
      s.setEncoding('utf8');
      s.once('error', reject);
      s.once('connect', () => {
        s.removeListener('error', reject);
        this.sock = s;
        s.on('data', (d: string) => this.onData(d));
        const fail = (e?: Error) => {
          this.sock = undefined;
          const err = e ?? new Error('HAProxy runtime API connection closed');
          for (const w of this.waiting.splice(0)) w.reject(err);
        };
        s.on('error', fail);
        s.on('close', () => fail());
        // The first prompt answers "prompt" itself (no output before it).
        this.waiting.push({ resolve: () => resolve(), reject });
        s.write('prompt\n');
      });
    });
  }

  get connected(): boolean {
    return this.sock !== undefined && !this.sock.destroyed;
  }

  private onData(d: string): void {
    this.buf += d;
    let pos = 0;
    for (;;) {
      // Answers end with "\n> "; the answer to "prompt" is the bare prompt "> ".
      let end: number;
      let skip: number;
      if (!this.greeted && this.buf.startsWith('> ', pos)) {
        end = pos;
        skip = pos + 2;
        this.greeted = true;
      } else {
        const i = this.buf.indexOf('\n> ', pos);
        if (i === -1) break;
        end = i + 1;
        skip = i + 3;
      }
      const answer = this.buf.slice(pos, end);
      pos = skip;
      this.waiting.shift()?.resolve(answer);
    }
    if (pos) this.buf = this.buf.slice(pos);
  }

  /** Send one command line (already escaped); resolves with its answer. */
  run(cmd: string): Promise<string> {
    const s = this.sock;
    if (!s) return Promise.reject(new Error('HAProxy runtime API is not connected'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      s.write(cmd + '\n');
    });
  }

  /**
   * Send several command lines in one write (HAProxy answers them in order); resolves with the
   * answers, one per command, so each one's error stays its own. A line longer than HAProxy
   * reads at once (its 16 kB buffer; it would close the connection, losing the commands after
   * it) is not sent: its answer is the reason. (Commands joined by `;` on one line would be
   * ~10x cheaper for HAProxy, but 2.6 then drops the error of every command but the last.)
   */
  runAll(cmds: readonly string[]): Promise<string[]> {
    const s = this.sock;
    if (!s) return Promise.reject(new Error('HAProxy runtime API is not connected'));
    const lines: string[] = [];
    const answers = cmds.map((cmd) => {
      const n = Buffer.byteLength(cmd) + 1;
      if (n > MAX_LINE)
        return Promise.resolve(`command of ${n} bytes, longer than HAProxy's runtime API takes`);
      lines.push(cmd + '\n');
      return new Promise<string>((resolve, reject) => this.waiting.push({ resolve, reject }));
    });
    if (lines.length) s.write(lines.join(''));
    return Promise.all(answers);
  }

  /**
   * Swap the certificate HAProxy loaded from `file` for `pem` (`set ssl cert` + `commit ssl cert`).
   * @throws Error when HAProxy refuses or cannot commit it.
   */
  async replaceCertificate(file: string, pem: string): Promise<void> {
    const set = await this.run(`set ssl cert ${file} <<\n${pem}`);
    if (!/transaction (created|updated)/i.test(set)) {
      await this.run(`abort ssl cert ${file}`).catch(() => '');
      throw new Error(`HAProxy refused the certificate: ${set.trim()}`);
    }
    const commit = await this.run(`commit ssl cert ${file}`);
    if (!/success/i.test(commit))
      throw new Error(`HAProxy could not commit the certificate: ${commit.trim()}`);
  }

  close(): void {
    this.sock?.destroy();
    this.sock = undefined;
  }
}
