import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HubError } from '../errors.js';
import { parsePyConfig } from './py-parser.js';

const refusal = (src: string): string => {
  try {
    parsePyConfig(`c = get_config()\n${src}\n`, 'jupyterhub_config.py');
  } catch (e) {
    return (e as HubError).userMessage;
  }
  assert.fail('accepted');
};

test('a callable username_claim is refused with the template to write instead', () => {
  const cases: [string, string][] = [
    ['lambda u: u["email"].split("@")[0]', '{email|localpart}'],
    ["lambda userdata: userdata.get('preferred_username').lower()", '{preferred_username|lower}'],
    ['lambda u: "gh-" + u["login"]', 'gh-{login}'],
    ['lambda u: u["attributes"]["uid"].strip()', '{attributes.uid}'],
  ];
  for (const [fn, template] of cases) {
    const m = refusal(`c.GenericOAuthenticator.username_claim = ${fn}`);
    assert.match(m, /^jupyterhub_config\.py:2: /);
    assert.ok(
      m.includes(
        `write the template instead: c.GenericOAuthenticator.username_claim = "${template}"`,
      ),
      m,
    );
  }
});

test('a def assigned to username_claim: the def line names the template', () => {
  const m = refusal(
    'def claim(user):\n    return user["email"].split("@")[0].lower()\nc.OpenIDOAuthenticator.username_claim = claim',
  );
  assert.match(
    m,
    /^jupyterhub_config\.py:2: .*c\.OpenIDOAuthenticator\.username_claim = "\{email\|localpart\|lower\}"/,
  );
});

test('a callable labhub cannot translate still gets a template example; other code keeps the general message', () => {
  const m = refusal('c.GenericOAuthenticator.username_claim = lambda u: u["sub"][:8]');
  assert.match(
    m,
    /write a template instead, e\.g\. .*"\{preferred_username\}" or "\{email\|localpart\}"/,
  );
  assert.doesNotMatch(refusal('c.Spawner.pre_spawn_hook = lambda s: None'), /template/);
});
