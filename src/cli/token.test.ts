import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Store } from '../db/index.js';
import { runToken } from './token.js';

/** Runs `labhub token` in-process with a config in a fresh directory; returns the printed token. */
async function labhubToken(
  dir: string,
  config: Record<string, unknown>,
  user: string,
  opts: { scopes?: string } = {},
): Promise<string> {
  const file = join(dir, 'labhub.yaml');
  writeFileSync(file, stringify(config));
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  // The test runner talks to its parent over stdout in binary chunks: pass those through.
  process.stdout.write = ((chunk: unknown, ...rest: never[]) =>
    typeof chunk === 'string'
      ? ((out += chunk), true)
      : write(chunk as Uint8Array, ...rest)) as typeof process.stdout.write;
  try {
    await runToken(user, { config: file, note: 'cli', ...opts });
  } finally {
    process.stdout.write = write;
  }
  return out.trim();
}

test('labhub token obeys token_expires_in_max_seconds and normalizes the name as the authenticator does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-cli-token-'));
  try {
    const db = `sqlite:///${join(dir, 'hub.sqlite')}`;
    const config = {
      JupyterHub: {
        db_url: db,
        token_expires_in_max_seconds: 600,
        authenticator_class: 'dummy',
      },
      Authenticator: { username_map: { Chief: 'boss' } },
    };
    const token = await labhubToken(dir, config, ' Chief ');
    assert.match(token, /^\S{32,}$/);
    const store = await Store.open({ kind: 'sqlite', location: join(dir, 'hub.sqlite') });
    try {
      const record = (await store.tokens.find(token))!;
      const owner = await store.users.byId(record.userId!);
      assert.equal(owner?.name, 'boss');
      const left = (record.expiresAt!.getTime() - Date.now()) / 1000;
      assert.ok(left > 500 && left <= 600, `expires in ${left} s`);
      assert.equal(record.note, 'cli');
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('labhub token refuses scopes the user does not hold, as the REST API does, and names the hub refuses', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'labhub-cli-token-'));
  try {
    const config = {
      JupyterHub: { db_url: `sqlite:///${join(dir, 'hub.sqlite')}`, authenticator_class: 'dummy' },
    };
    await assert.rejects(labhubToken(dir, config, 'alice', { scopes: 'admin:users' }), {
      status: 400,
      userMessage: /Not assigning requested scopes .*admin:users.* not held by user alice/,
    });
    assert.match(
      await labhubToken(dir, config, 'alice', { scopes: 'read:users!user=alice' }),
      /\S/,
    );
    await assert.rejects(labhubToken(dir, config, '..'), {
      code: 'LABHUB_ERR_CONFIG',
      userMessage: /^labhub token "\.\.": the username is "\.\."/,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
