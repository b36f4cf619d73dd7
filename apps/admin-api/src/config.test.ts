import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadAdminConfig, loadAdminServerConfig } from './config';

test('defaults', () => {
  const c = loadAdminConfig({});
  assert.equal(c.tokenTtlSeconds, 8 * 3600);
  assert.equal(c.onlineWindowMs, 30_000);
  assert.deepEqual(c.loginThrottle, { maxFailuresPerEmail: 5, maxFailuresPerIp: 50, windowMs: 900_000 });
  assert.deepEqual(c.bootstrapAdmin, { email: undefined, password: undefined });
});

test('reads every setting', () => {
  const c = loadAdminConfig({
    KOPITRA_ADMIN_TOKEN_TTL_SECONDS: '600', KOPITRA_ONLINE_WINDOW_SECONDS: '10', KOPITRA_ADMIN_LOGIN_MAX_FAILURES_PER_EMAIL: '3',
    KOPITRA_ADMIN_LOGIN_MAX_FAILURES_PER_IP: '9', KOPITRA_ADMIN_LOGIN_WINDOW_SECONDS: '60',
    KOPITRA_ADMIN_EMAIL: 'ops@example.com', KOPITRA_ADMIN_PASSWORD: 'long-enough',
  });
  assert.equal(c.tokenTtlSeconds, 600);
  assert.equal(c.onlineWindowMs, 10_000);
  assert.deepEqual(c.loginThrottle, { maxFailuresPerEmail: 3, maxFailuresPerIp: 9, windowMs: 60_000 });
  assert.deepEqual(c.bootstrapAdmin, { email: 'ops@example.com', password: 'long-enough' });
});

test('lists every problem in one error', () => {
  assert.throws(() => loadAdminConfig({
    KOPITRA_ADMIN_TOKEN_TTL_SECONDS: 'soon', KOPITRA_ONLINE_WINDOW_SECONDS: '0', KOPITRA_ADMIN_EMAIL: 'not-an-email',
    KOPITRA_ADMIN_LOGIN_WINDOW_SECONDS: '-5',
  }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.problems.length, 5, e.message);
    for (const name of ['TOKEN_TTL', 'ONLINE_WINDOW', 'must be set together', 'must be an email', 'LOGIN_WINDOW']) assert.match(e.message, new RegExp(name));
    return true;
  });
  assert.throws(() => loadAdminConfig({ KOPITRA_ADMIN_EMAIL: 'a@b.c', KOPITRA_ADMIN_PASSWORD: 'short' }), /at least 8/);
});

test('server config needs a database and a 32-byte key', () => {
  assert.throws(() => loadAdminServerConfig({ KOPITRA_SECRET_KEY: 'abcd', PORT: 'x' }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.problems.length, 3, e.message);
    return true;
  });
  const c = loadAdminServerConfig({ DATABASE_URL: 'postgres://x/y', KOPITRA_SECRET_KEY: 'ab'.repeat(32), PORT: '9000' });
  assert.equal(c.port, 9000);
  assert.equal(c.secretKey.length, 32);
});
