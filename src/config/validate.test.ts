import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HubError } from '../errors.js';
import type { ConfigWarning } from './raw.js';
import { fromObject, readConfigText } from './sources.js';
import { checkKeys, validateEntries } from './validate.js';

function fails(fn: () => unknown, code: string, ...res: RegExp[]) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof HubError);
    assert.equal(e.code, code);
    for (const re of res) assert.match(e.userMessage, re);
    return true;
  });
}

test('unknown keys fail with a did-you-mean and file:line', () => {
  const raw = readConfigText(
    "c.JupyterHub.admin_user = {'a'}\nc.Spawner.notebookdir = '/x'\n",
    'py',
    'jupyterhub_config.py',
  );
  fails(
    () => checkKeys(raw, []),
    'LABHUB_ERR_CONFIG_UNKNOWN_KEY',
    /JupyterHub\.admin_user \(jupyterhub_config\.py:1\) is not a known setting\. Did you mean Authenticator\.admin_users\?/,
    /Spawner\.notebookdir \(jupyterhub_config\.py:2\) is not a known setting\. Did you mean Spawner\.notebook_dir\?/,
  );
  fails(
    () => checkKeys(fromObject({ Nonsense: { x: 1 } }, undefined), []),
    'LABHUB_ERR_CONFIG_UNKNOWN_KEY',
    /Nonsense\.x is not a known setting\.$/m,
  );
});

test('recognised JupyterHub settings labhub does not support are warnings, also through inheritance', () => {
  const raw = fromObject(
    {
      JupyterHub: { subdomain_host: 'x' },
      PAMAuthenticator: { otp_prompt: 'OTP:' },
      SystemdSpawner: { unit_name_template: 'x' },
    },
    'labhub.yaml',
  );
  const w: ConfigWarning[] = [];
  checkKeys(raw, w);
  assert.deepEqual(
    w.map((x) => [x.code, x.key]),
    [
      ['LABHUB_WARN_CONFIG_UNSUPPORTED', 'JupyterHub.subdomain_host'],
      ['LABHUB_WARN_CONFIG_UNSUPPORTED', 'PAMAuthenticator.otp_prompt'],
      ['LABHUB_WARN_CONFIG_UNSUPPORTED', 'SystemdSpawner.unit_name_template'],
    ],
  );
  assert.equal(raw.classes.size, 0);
  assert.equal(raw.dropped.length, 3);
});

test('KubeSpawner keys labhub implements pass; the ones it does not are refused, not ignored', () => {
  const ok = fromObject({ KubeSpawner: { image: 'x', enable_user_namespaces: false } }, undefined);
  checkKeys(ok, []);
  assert.deepEqual([...(ok.classes.get('KubeSpawner')?.keys() ?? [])], ['image']);
  fails(
    () => checkKeys(fromObject({ KubeSpawner: { enable_user_namespaces: true } }, undefined), []),
    'LABHUB_ERR_CONFIG',
    /KubeSpawner\.enable_user_namespaces \(a namespace per user\) is not implemented by labhub, so it is refused rather than ignored\. .*docs\/kubernetes\.md/,
  );
});

test('NativeAuthenticator features labhub lacks are refused, not ignored; "off" values pass', () => {
  const raw = readConfigText(
    "c.NativeAuthenticator.allow_2fa = True\nc.NativeAuthenticator.tos = 'I agree'\nc.NativeAuthenticator.open_signup = True\n",
    'py',
    'jupyterhub_config.py',
  );
  fails(
    () => checkKeys(raw, []),
    'LABHUB_ERR_CONFIG',
    /NativeAuthenticator\.allow_2fa \(jupyterhub_config\.py:1\) \(two-factor codes at sign-up and login\) is not implemented by labhub, so it is refused rather than ignored\./,
    /NativeAuthenticator\.tos \(jupyterhub_config\.py:2\)/,
    /labhub implements enable_signup, open_signup, ask_email_on_signup/,
  );
  const off = fromObject(
    {
      NativeAuthenticator: {
        allow_2fa: false,
        recaptcha_key: '',
        enable_signup: false,
        check_common_password: true,
        ask_email_on_signup: true,
      },
    },
    'labhub.yaml',
  );
  const w: ConfigWarning[] = [];
  checkKeys(off, w);
  assert.deepEqual(w, []);
  assert.deepEqual(validateEntries(off).NativeAuthenticator, {
    enable_signup: false,
    check_common_password: true,
    ask_email_on_signup: true,
  });
  fails(
    () =>
      checkKeys(
        fromObject({ NativeAuthenticator: { signup_requires_approval: true } }, undefined),
        [],
      ),
    'LABHUB_ERR_CONFIG_UNKNOWN_KEY',
    /NativeAuthenticator\.signup_requires_approval is not a known setting/,
  );
});

test('type errors name the key, what was expected, what was received, and file:line', () => {
  const raw = readConfigText(
    "c.JupyterHub.port = 'eighty'\nc.Authenticator.admin_users = 'alice'\nc.Spawner.mem_limit = '2 gigs'\n",
    'py',
    'jupyterhub_config.py',
  );
  fails(
    () => validateEntries(raw),
    'LABHUB_ERR_CONFIG',
    /JupyterHub\.port: expected number, received string \(got "eighty"\) \(jupyterhub_config\.py:1\)/,
    /Authenticator\.admin_users: expected array, received string \(got "alice"\) \(jupyterhub_config\.py:2\)/,
    /Spawner\.mem_limit: .*512M, 2G.*\(jupyterhub_config\.py:3\)/,
  );
});

test('nested values are checked too (service fields)', () => {
  const raw = fromObject(
    { JupyterHub: { services: [{ name: 'a', api_tokn: 'x' }] } },
    'labhub.yaml',
    () => 4,
  );
  fails(
    () => validateEntries(raw),
    'LABHUB_ERR_CONFIG',
    /JupyterHub\.services\[0\]: unknown field\(s\) "api_tokn" \(did you mean "api_token"\?\); known fields: name, api_token, .* \(labhub\.yaml:4\)/,
  );
});

test('lazy .append/.update apply to the default value', () => {
  const raw = readConfigText(
    "c.Spawner.env_keep.append('TZ')\nc.Spawner.cmd.append('--x')\nc.Spawner.environment['A'] = '1'\n",
    'py',
    'f.py',
  );
  const ex = validateEntries(raw);
  assert.equal((ex.Spawner!.env_keep as string[]).at(-1), 'TZ');
  assert.deepEqual(ex.Spawner!.cmd, ['jupyterhub-singleuser', '--x']);
  assert.deepEqual(ex.Spawner!.environment, { A: '1' });
  fails(
    () => validateEntries(readConfigText("c.Spawner.environment.append('x')", 'py', 'f.py')),
    'LABHUB_ERR_CONFIG',
    /needs a list or set/,
    /f\.py:1/,
  );
});
