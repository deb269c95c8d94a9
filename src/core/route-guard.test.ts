import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHubError } from '../errors.js';
import { checkServiceRouteSpec, userRouteSpec } from './route-guard.js';
import { findDotSegment, isDotSegment } from '../util/dot-segments.js';

function refused(fn: () => unknown, what: string): void {
  assert.throws(
    fn,
    (e: unknown) => isHubError(e) && e.code === 'LABHUB_ERR_UNSAFE_ROUTE',
    `${what} must be refused with LABHUB_ERR_UNSAFE_ROUTE`,
  );
}

test('route guard: ordinary users and servers get their own prefix, escaped as JupyterHub does', () => {
  assert.equal(userRouteSpec('/', 'alice', ''), '/user/alice/');
  assert.equal(userRouteSpec('/', 'alice', 'gpu'), '/user/alice/gpu/');
  assert.equal(userRouteSpec('/jupyter/', 'a@b.c', ''), '/jupyter/user/a@b.c/');
  assert.equal(userRouteSpec('/jupyter', 'a b', 'x'), '/jupyter/user/a%20b/x/');
  assert.equal(userRouteSpec('/', 'jürgen', ''), '/user/j%C3%BCrgen/');
});

test('route guard: a name that would leave /user/<name>/ is refused, never turned into "/" or "/user"', () => {
  const cases: Array<[string, string]> = [
    ['..', ''],
    ['.', ''],
    ['alice', '..'],
    ['alice', '.'],
    ['\uff0e\uff0e', ''],
    ['\u2025', ''],
    ['a/..', ''],
    ['a', 'b/../..'],
    ['', ''],
  ];
  for (const [u, s] of cases)
    refused(
      () => userRouteSpec('/', u, s),
      `user ${JSON.stringify(u)} server ${JSON.stringify(s)}`,
    );
  refused(() => userRouteSpec('/base/', '..', ''), 'user ".." under a base_url');
});

test('route guard: refusals name the route, the owner and what to do', () => {
  try {
    userRouteSpec('/', '..', '');
    assert.fail('should throw');
  } catch (e) {
    assert.ok(isHubError(e));
    assert.match(e.userMessage, /'\/user\/\.\.\/'/);
    assert.match(e.userMessage, /user "\.\."/);
    assert.match(e.userMessage, /Rename or delete it/);
  }
});

test('route guard: service routes must be exactly <base>services/<name>/', () => {
  assert.equal(checkServiceRouteSpec('/', 'svc', '/services/svc/'), '/services/svc/');
  refused(() => checkServiceRouteSpec('/', '..', '/services/../'), 'service ".."');
  refused(() => checkServiceRouteSpec('/', 'svc', '/'), 'the hub route');
  refused(() => checkServiceRouteSpec('/', 'svc', '/services/other/'), 'another service route');
});

test('dot segments: raw, percent-encoded in any case, double-encoded, and behind backslashes', () => {
  for (const s of ['.', '..', '%2e', '%2E%2e', '.%2E', '%2e.'])
    assert.equal(isDotSegment(s), true, s);
  for (const s of ['...', 'a.', '%2e%2e%2e', '%252e', '']) assert.equal(isDotSegment(s), false, s);
  for (const p of [
    '/user/../',
    '/user/%2e%2e/',
    '/user/.%2E',
    '/user/a%2F..',
    '/user/%252e%252e/',
    '/user\\..\\',
    '/user/a%5C..',
  ])
    assert.notEqual(findDotSegment(p), null, p);
  for (const p of ['/', '/user/alice/', '/user/a.b/', '/user/.../', '/user/%25/'])
    assert.equal(findDotSegment(p), null, p);
});
