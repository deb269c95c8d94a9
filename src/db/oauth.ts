import { createHash } from 'node:crypto';
import type { Db } from './connection.js';
import { QueryShapes } from './query-shapes.js';
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

/** A client as written: its secret in clear (hashed before it is stored). */
interface ClientFields {
  id: string;
  secret: string;
  redirectUri: string;
  description: string;
  allowedScopes: string[];
  serverId: number | null;
}

/** OAuth clients (one per server / service) and single-use authorization codes. */
export class OAuthRepo {
  /** The spawn and stop path's statements, compiled once. */
  private readonly shapes: QueryShapes;
  constructor(private readonly db: Db) {
    this.shapes = new QueryShapes(db);
  }

  async upsertClient(c: ClientFields): Promise<void> {
    await this.upsert(c, false);
  }

  /**
   * {@link upsertClient} for a user server's client, in one statement with the collision check:
   * false (and nothing written) when the id belongs to another server that is not stopped.
   */
  async upsertServerClient(c: ClientFields & { serverId: number }): Promise<boolean> {
    return this.upsert(c, true);
  }

  private async upsert(c: ClientFields, unlessTaken: boolean): Promise<boolean> {
    const values = [
      c.id,
      hashToken(c.secret, false),
      c.redirectUri,
      c.description,
      JSON.stringify(c.allowedScopes),
      c.serverId,
      isoNow(),
    ];
    // On conflict every column but `created` takes the new row's value (`excluded.<column>`).
    const r = await this.shapes.exec(
      unlessTaken ? 'upsertServerClient' : 'upsertClient',
      values,
      (slot) =>
        this.db
          .insertInto('oauth_clients')
          .values({
            id: slot(0),
            secret_hash: slot(1),
            redirect_uri: slot(2),
            description: slot(3),
            allowed_scopes: slot(4),
            server_id: slot(5),
            created: slot(6),
          })
          .onConflict((oc) => {
            const update = oc.column('id').doUpdateSet((eb) => ({
              secret_hash: eb.ref('excluded.secret_hash'),
              redirect_uri: eb.ref('excluded.redirect_uri'),
              description: eb.ref('excluded.description'),
              allowed_scopes: eb.ref('excluded.allowed_scopes'),
              server_id: eb.ref('excluded.server_id'),
            }));
            if (!unlessTaken) return update;
            // Taken: the client names another server, and that server exists and is not stopped.
            return update.where((eb) =>
              eb.or([
                eb('oauth_clients.server_id', 'is', null),
                eb('oauth_clients.server_id', '=', eb.ref('excluded.server_id')),
                eb.not(
                  eb.exists(
                    eb
                      .selectFrom('servers')
                      .select('servers.id')
                      .whereRef('servers.id', '=', 'oauth_clients.server_id')
                      .where('servers.status', '!=', 'stopped'),
                  ),
                ),
              ]),
            );
          }),
    );
    return Number(r.numAffectedRows ?? 0n) > 0;
  }

  async client(id: string): Promise<OAuthClient | null> {
    const [r] = await this.shapes.run('client', [id], (slot) =>
      this.db.selectFrom('oauth_clients').selectAll().where('id', '=', slot(0)),
    );
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
    await this.shapes.run('deleteClient', [id], (slot) =>
      this.db.deleteFrom('oauth_clients').where('id', '=', slot(0)),
    );
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
