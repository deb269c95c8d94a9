import { request } from 'node:http';

/** A tiny browser-like HTTP client for tests: keeps cookies, reads the XSRF token of pages. */
export class CookieClient {
  readonly jar = new Map<string, string>();
  constructor(readonly base: string) {}

  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.jar.size) headers.set('Cookie', this.cookieHeader());
    const res = await fetch(path.startsWith('http') ? path : this.base + path, {
      ...init,
      headers,
      redirect: 'manual',
    });
    this.keep(res);
    return res;
  }

  /** Keep the response's cookies (a cleared or expired one is dropped). */
  private keep(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const [k, ...rest] = pair.split('=');
      const v = rest.join('=');
      const expired = attrs.some(
        (a) => /max-age=0/i.test(a.trim()) || /expires=Thu, 01 Jan 1970/i.test(a.trim()),
      );
      if (expired || v === '') this.jar.delete(k.trim());
      else this.jar.set(k.trim(), v);
    }
  }

  /**
   * A GET as a browser makes it when following a link (`Sec-Fetch-Mode: navigate`, which Node's
   * fetch cannot send: it always says `cors`). Pages that change state on GET (/hub/spawn,
   * /hub/logout) answer only navigations.
   */
  async navigate(path: string, headers: Record<string, string> = {}): Promise<Response> {
    const url = new URL(path, this.base);
    const all: Record<string, string> = {
      'Sec-Fetch-Mode': 'navigate',
      'Sec-Fetch-Dest': 'document',
      'Sec-Fetch-Site': 'same-origin',
      ...headers,
    };
    if (this.jar.size) all.Cookie = this.cookieHeader();
    const res = await new Promise<Response>((resolve, reject) => {
      const req = request(url, { headers: all }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('error', reject);
        r.on('end', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(r.headers))
            for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) h.append(k, one);
          const status = r.statusCode ?? 0;
          const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
          resolve(new Response(body, { status, headers: h }));
        });
      });
      req.on('error', reject);
      req.end();
    });
    this.keep(res);
    return res;
  }

  /** The XSRF token a page embeds (<meta name="xsrf">). */
  async xsrf(path = '/hub/login'): Promise<string> {
    const html = await (await this.fetch(path)).text();
    const m = /<meta name="xsrf" content="([^"]+)"/.exec(html);
    if (!m) throw new Error(`no xsrf meta on ${path}`);
    return m[1];
  }

  /** Log in through the form. Returns the login response. */
  async login(username: string, password = 'pw', next?: string): Promise<Response> {
    const xsrf = await this.xsrf();
    const body = new URLSearchParams({ username, password, _xsrf: xsrf });
    return this.fetch(`/hub/login${next ? `?next=${encodeURIComponent(next)}` : ''}`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
  }
}

/**
 * After a login with a one-time password: choose the new one on /hub/new-password (the ticket
 * cookie from the login is in `client`'s jar). Returns the response of the form POST.
 */
export async function choosePassword(
  client: CookieClient,
  password: string,
  confirm = password,
  next?: string,
): Promise<Response> {
  const q = next ? `?next=${encodeURIComponent(next)}` : '';
  const xsrf = await client.xsrf(`/hub/new-password${q}`);
  return client.fetch(`/hub/new-password${q}`, {
    method: 'POST',
    body: new URLSearchParams({
      username: '',
      new_password: password,
      new_password_confirm: confirm,
      _xsrf: xsrf,
    }),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
}
