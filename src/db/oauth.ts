import { createHash } from 'node:crypto';
import type { Db } from './connection.js';
import { isoNow } from './time.js';
import { hashToken, verifyToken } from './token-hash.js';

export interface OAuthClient {
  id: string;
  secretHash: string;
  redirectUri: string;
  description: string;
  allowedScopes: string[];
  serverId: number | null;
}

export interface OAuthCode {
  id: number;
  clientId: string;
  userId: number;
  scopes: string[];
  redirectUri: string;
  sessionId: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  expiresAt: Date;
}

const codeHash = (code: string) => createHash('sha256').update(code).digest('hex');

/** OAuth clients (one per server / service) and single-use authorization codes. */
export class OAuthRepo {
  constructor(private readonly db: Db) {}

  async upsertClient(c: {
    id: string;
    secret: string;
    redirectUri: string;
    description: string;
    allowedScopes: string[];
    serverId: number | null;
  }): Promise<void> {
    const values = {
      id: c.id,
      secret_hash: hashToken(c.secret, false),
      redirect_uri: c.redirectUri,
      description: c.description,
      allowed_scopes: JSON.stringify(c.allowedScopes),
      server_id: c.serverId,
      created: isoNow(),
    };
    await this.db
      .insertInto('oauth_clients')
      .values(values)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          secret_hash: values.secret_hash,
          redirect_uri: values.redirect_uri,
          description: values.description,
          allowed_scopes: values.allowed_scopes,
          server_id: values.server_id,
        }),
      )
      .execute();
  }

  async client(id: string): Promise<OAuthClient | null> {
    const r = await this.db
      .selectFrom('oauth_clients')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!r) return null;
    return {
      id: r.id,
      secretHash: r.secret_hash,
      redirectUri: r.redirect_uri,
      description: r.description,
      allowedScopes: JSON.parse(r.allowed_scopes),
      serverId: r.server_id,
    };
  }

  verifySecret(client: OAuthClient, secret: string): boolean {
    return !!client.secretHash && verifyToken(secret, client.secretHash);
  }

  /** Deleting a client deletes its codes (cascade) and, via the caller, its tokens. */
  async deleteClient(id: string): Promise<void> {
    await this.db.deleteFrom('oauth_clients').where('id', '=', id).execute();
  }

  async createCode(code: string, c: Omit<OAuthCode, 'id'>): Promise<void> {
    await this.db
      .insertInto('oauth_codes')
      .values({
        code_hash: codeHash(code),
        client_id: c.clientId,
        user_id: c.userId,
        scopes: JSON.stringify(c.scopes),
        redirect_uri: c.redirectUri,
        session_id: c.sessionId,
        code_challenge: c.codeChallenge,
        code_challenge_method: c.codeChallengeMethod,
        expires_at: c.expiresAt.toISOString(),
      })
      .execute();
  }

  /** Look up a code without consuming it (null when unknown or expired). */
  async findCode(code: string): Promise<OAuthCode | null> {
    const r = await this.db
      .selectFrom('oauth_codes')
      .selectAll()
      .where('code_hash', '=', codeHash(code))
      .executeTakeFirst();
    if (!r || r.expires_at <= isoNow()) return null;
    return {
      id: r.id,
      clientId: r.client_id,
      userId: r.user_id,
      scopes: JSON.parse(r.scopes),
      redirectUri: r.redirect_uri,
      sessionId: r.session_id,
      codeChallenge: r.code_challenge,
      codeChallengeMethod: r.code_challenge_method,
      expiresAt: new Date(r.expires_at),
    };
  }

  /** Single use: returns true only for the one caller that deleted it. */
  async consumeCode(id: number): Promise<boolean> {
    const r = await this.db.deleteFrom('oauth_codes').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  async purgeExpiredCodes(): Promise<void> {
    await this.db.deleteFrom('oauth_codes').where('expires_at', '<=', isoNow()).execute();
  }
}
