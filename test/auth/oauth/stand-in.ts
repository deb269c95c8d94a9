/**
 * A local STAND-IN for GitHub, GitLab, Google and Microsoft Entra ID (which cannot be reached
 * from the tests): one loopback HTTP server that speaks each provider's documented OAuth
 * endpoints and the JSON shapes of the APIs the presets call. The authorization endpoint
 * approves at once for `nextUser` and the token endpoint checks the client secret and PKCE.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { freePort } from '../../helpers/ports.js';

export interface StandIn {
  url: string;
  clientId: string;
  clientSecret: string;
  /** The account the next authorization approves (a key of the provider's user table). */
  nextUser: string;
  github: {
    users: Record<string, { login: string; id: number }>;
    orgMembers: Record<string, string[]>;
    teams: Record<string, { org: string; slug: string; members: string[] }[]>;
  };
  gitlab: {
    users: Record<string, { id: number; username: string }>;
    groups: Record<string, number[]>;
    /** Project id or full path → user id → access level (10 guest … 30 developer … 50 owner). */
    projects: Record<string, Record<number, number>>;
  };
  google: Record<string, { sub: string; email: string; email_verified: boolean; hd?: string }>;
  azure: Record<
    string,
    { oid: string; name: string; preferred_username: string; groups?: string[] }
  >;
  close(): Promise<void>;
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

export async function startStandIn(): Promise<StandIn> {
  const port = await freePort();
  const url = `http://127.0.0.3:${port}`;
  const codes = new Map<string, { user: string; challenge: string; redirect: string }>();
  const tokens = new Map<string, string>();
  const s: StandIn = {
    url,
    clientId: 'stand-in-client',
    clientSecret: 'stand-in-secret',
    nextUser: '',
    github: { users: {}, orgMembers: {}, teams: {} },
    gitlab: { users: {}, groups: {}, projects: {} },
    google: {},
    azure: {},
    close: () => new Promise((r) => server.close(() => r())),
  };
  const json = (res: ServerResponse, status: number, body?: unknown) => {
    res.statusCode = status;
    if (body === undefined) return res.end();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(body));
  };
  const bearer = (req: IncomingMessage) =>
    tokens.get(/^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '') ?? null;

  async function token(req: IncomingMessage, res: ServerResponse, provider: string) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const f = new URLSearchParams(Buffer.concat(chunks).toString());
    const c = codes.get(f.get('code') ?? '');
    codes.delete(f.get('code') ?? '');
    const verifier = f.get('code_verifier') ?? '';
    const pkceOk = !!c && createHash('sha256').update(verifier).digest('base64url') === c.challenge;
    if (
      !c ||
      !pkceOk ||
      f.get('client_secret') !== s.clientSecret ||
      f.get('redirect_uri') !== c.redirect
    )
      return json(res, 400, { error: 'invalid_grant' });
    const access = randomBytes(12).toString('hex');
    tokens.set(access, c.user);
    const body: Record<string, unknown> = { access_token: access, token_type: 'bearer' };
    if (provider === 'azure') {
      const a = s.azure[c.user]!;
      body.id_token = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ ...a, tid: 'tenant-1', aud: s.clientId })}.c2lnbmF0dXJl`;
      body.expires_in = 3600;
    }
    json(res, 200, body);
  }

  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', url);
    const p = u.pathname;
    void (async () => {
      // Authorization endpoints of each provider: approve for nextUser at once.
      if (
        /^\/(login\/oauth\/authorize|gitlab\/oauth\/authorize|google\/auth|azure\/[^/]+\/oauth2\/v2\.0\/authorize)$/.test(
          p,
        )
      ) {
        const q = u.searchParams;
        if (q.get('client_id') !== s.clientId || q.get('code_challenge_method') !== 'S256')
          return json(res, 400, { error: 'invalid_request' });
        const code = randomBytes(8).toString('hex');
        codes.set(code, {
          user: s.nextUser,
          challenge: q.get('code_challenge')!,
          redirect: q.get('redirect_uri')!,
        });
        const back = new URL(q.get('redirect_uri')!);
        back.searchParams.set('code', code);
        back.searchParams.set('state', q.get('state') ?? '');
        res.statusCode = 302;
        res.setHeader('location', back.href);
        return res.end();
      }
      if (p === '/login/oauth/access_token') return token(req, res, 'github');
      if (p === '/gitlab/oauth/token') return token(req, res, 'gitlab');
      if (p === '/google/token') return token(req, res, 'google');
      if (/^\/azure\/[^/]+\/oauth2\/v2\.0\/token$/.test(p)) return token(req, res, 'azure');
      const who = bearer(req);
      if (!who) return json(res, 401, { message: 'Bad credentials' });
      // GitHub Enterprise REST API (/api/v3).
      if (p === '/api/v3/user') return json(res, 200, { ...s.github.users[who], name: who });
      if (p === '/api/v3/user/teams')
        return json(
          res,
          200,
          (s.github.teams[who] ?? []).map((t) => ({
            slug: t.slug,
            organization: { login: t.org },
          })),
        );
      let m = /^\/api\/v3\/orgs\/([^/]+)\/members\/([^/]+)$/.exec(p);
      if (m)
        return json(
          res,
          (s.github.orgMembers[decodeURIComponent(m[1]!)] ?? []).includes(decodeURIComponent(m[2]!))
            ? 204
            : 404,
        );
      m = /^\/api\/v3\/orgs\/([^/]+)\/teams\/([^/]+)\/members\/([^/]+)$/.exec(p);
      if (m) {
        const [org, team, login] = m.slice(1).map((x) => decodeURIComponent(x!));
        const member = Object.values(s.github.teams).some((ts) =>
          ts.some((t) => t.org === org && t.slug === team && t.members.includes(login!)),
        );
        return json(res, member ? 204 : 404);
      }
      // GitLab REST API v4.
      if (p === '/gitlab/api/v4/user') return json(res, 200, s.gitlab.users[who]);
      m = /^\/gitlab\/api\/v4\/groups\/([^/]+)\/members\/all\/(\d+)$/.exec(req.url ?? '');
      if (m) {
        const ids = s.gitlab.groups[decodeURIComponent(m[1]!)] ?? [];
        return ids.includes(Number(m[2]))
          ? json(res, 200, { id: Number(m[2]) })
          : json(res, 404, { message: '404 Not found' });
      }
      // GET /projects/:id/members/all/:user_id: the member (direct or inherited) with access_level.
      m = /^\/gitlab\/api\/v4\/projects\/([^/]+)\/members\/all\/(\d+)$/.exec(req.url ?? '');
      if (m) {
        const level = s.gitlab.projects[decodeURIComponent(m[1]!)]?.[Number(m[2])];
        return level === undefined
          ? json(res, 404, { message: '404 Not found' })
          : json(res, 200, {
              id: Number(m[2]),
              username: 'member',
              state: 'active',
              access_level: level,
            });
      }
      // Google's OpenID Connect user-info.
      if (p === '/google/userinfo') return json(res, 200, s.google[who]);
      json(res, 404, { message: 'Not Found' });
    })().catch((e: Error) => json(res, 500, { message: e.message }));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.3', r));
  return s;
}
