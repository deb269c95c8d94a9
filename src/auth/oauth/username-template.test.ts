import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileUsernameClaim } from './username-template.js';

const data = {
  preferred_username: 'Ann',
  email: 'Ann.Lee@Example.org',
  sub: 1234,
  attributes: { uid: 'alee' },
  blank: '  ',
};
const name = (claim: string) => compileUsernameClaim(claim, 'X.username_claim')(data);

test('a plain claim name or dotted path reads the field, as OAuthenticator', () => {
  assert.equal(name('preferred_username'), 'Ann');
  assert.equal(name('attributes.uid'), 'alee');
  assert.equal(name('sub'), '1234');
  assert.equal(name('missing'), null);
  assert.equal(name('blank'), null);
});

test('a template places fields with filters and keeps the text around them', () => {
  assert.equal(name('{email|localpart}'), 'Ann.Lee');
  assert.equal(name('{email | localpart | lower}'), 'ann.lee');
  assert.equal(name('gh-{preferred_username|lower}'), 'gh-ann');
  assert.equal(name('{attributes.uid}@{sub}'), 'alee@1234');
  assert.equal(name('{missing|lower}'), null, 'a missing field: no name');
  assert.deepEqual(compileUsernameClaim('{a}-{b.c}', 'k').fields, ['a', 'b.c']);
});

test('a malformed template or unknown filter is refused naming the key and the filters', () => {
  assert.throws(
    () => name('{email|upper}'),
    /X\.username_claim = "\{email\|upper\}": unknown filter \|upper.*\|localpart, \|lower/,
  );
  assert.throws(() => name('{email'), /unbalanced \{ or \}/);
  assert.throws(() => name('{}'), /names no field/);
});
