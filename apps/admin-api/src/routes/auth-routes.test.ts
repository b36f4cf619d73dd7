import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testBackends } from '../../../../packages/store/src/testing';
import { signToken } from '../auth/jwt';
import { openHarness, ROOT_EMAIL, ROOT_PASSWORD, type Harness } from '../test-harness';

for (const backend of testBackends()) {
  describe(`sign-in on ${backend.name}`, () => {
    let h: Harness;
    before(async () => {
      h = await openHarness(backend, { KOPITRA_ADMIN_LOGIN_MAX_FAILURES_PER_EMAIL: '3', KOPITRA_ADMIN_LOGIN_MAX_FAILURES_PER_IP: '6', KOPITRA_ADMIN_TOKEN_TTL_SECONDS: '3600' });
    });
    after(async () => h.close());

    test('login returns a token, its expiry and the operator; /auth/me answers with it', async () => {
      const res = await h.login(ROOT_EMAIL.toUpperCase(), ROOT_PASSWORD);
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.deepEqual(Object.keys(body).sort(), ['expiresAt', 'operator', 'token']);
      assert.equal(body.operator.email, ROOT_EMAIL);
      assert.equal(body.operator.role, 'admin');
      const ttl = Date.parse(body.expiresAt) - Date.now();
      assert.ok(ttl > 3_590_000 && ttl <= 3_600_000, `ttl ${ttl}`);
      const [, payload] = body.token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      assert.equal(claims.sub, body.operator.id);
      assert.equal(claims.role, 'admin');
      const me = await h.call(body.token, 'GET', '/auth/me');
      assert.equal(me.statusCode, 200);
      assert.deepEqual(me.json(), body.operator);
    });

    test('wrong password and unknown email get the same 401', async () => {
      const wrong = await h.login(ROOT_EMAIL, 'nope-nope-nope', '10.0.0.1');
      const unknown = await h.login('nobody@example.com', 'nope-nope-nope', '10.0.0.1');
      assert.equal(wrong.statusCode, 401);
      assert.equal(unknown.statusCode, 401);
      assert.deepEqual(wrong.json(), unknown.json());
      assert.equal(wrong.json().error.code, 'unauthenticated');
      assert.ok(!wrong.body.includes(ROOT_EMAIL));
    });

    test('bad bodies are 400 naming the field', async () => {
      const res = await h.app.inject({ method: 'POST', url: '/admin/v1/auth/login', payload: { email: 'a@b.c' } });
      assert.equal(res.statusCode, 400);
      assert.match(res.json().error.message, /^password:/);
      const junk = await h.app.inject({ method: 'POST', url: '/admin/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: '{' });
      assert.equal(junk.statusCode, 400);
      assert.equal(junk.json().error.code, 'invalid_payload');
      const text = await h.app.inject({ method: 'POST', url: '/admin/v1/auth/login', headers: { 'content-type': 'text/plain' }, payload: 'x' });
      assert.equal(text.statusCode, 415);
    });

    test('repeated failures for one email are throttled with Retry-After, even with the right password', async () => {
      const { email } = await h.newOperator('viewer');
      for (let i = 0; i < 3; i++) assert.equal((await h.login(email, 'bad-password', `10.1.0.${i}`)).statusCode, 401);
      const blocked = await h.login(email, 'bad-password', '10.1.0.9');
      assert.equal(blocked.statusCode, 429);
      assert.equal(blocked.json().error.code, 'rate_limited');
      const retry = Number(blocked.headers['retry-after']);
      assert.ok(retry > 0 && retry <= 900, `Retry-After ${retry}`);
      // After the window the email may try again.
      h.advance(16 * 60_000);
      assert.equal((await h.login(email, 'bad-password', '10.1.0.10')).statusCode, 401);
    });

    test('repeated failures from one IP are throttled across emails', async () => {
      for (let i = 0; i < 6; i++) assert.equal((await h.login(`x${i}@example.com`, 'bad', '10.2.0.1')).statusCode, 401);
      const blocked = await h.login(ROOT_EMAIL, ROOT_PASSWORD, '10.2.0.1');
      assert.equal(blocked.statusCode, 429);
      assert.ok(blocked.headers['retry-after']);
      assert.equal((await h.login(ROOT_EMAIL, ROOT_PASSWORD, '10.2.0.2')).statusCode, 200, 'other IPs unaffected');
    });

    test('a disabled operator is locked out at once: token refused and sign-in refused', async () => {
      const op = await h.newOperator('operator');
      const pw = await h.call(h.tokens.admin, 'PATCH', `/operators/${op.id}`, { disabled: true });
      assert.equal(pw.statusCode, 200);
      assert.equal((await h.call(op.token, 'GET', '/auth/me')).statusCode, 401);
      // Demotion also applies to existing tokens.
      const other = await h.newOperator('operator');
      await h.call(h.tokens.admin, 'PATCH', `/operators/${other.id}`, { role: 'viewer' });
      const me = await h.call(other.token, 'GET', '/auth/me');
      assert.equal(me.json().role, 'viewer');
      assert.equal((await h.call(other.token, 'DELETE', '/subscriptions/sub_x')).statusCode, 403);
    });

    test('unknown routes under the prefix are 404 in the contract shape', async () => {
      const res = await h.call(h.tokens.viewer, 'GET', '/nope');
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().error.code, 'not_found');
    });

    test('missing, malformed, forged and expired tokens are 401', async () => {
      assert.equal((await h.call(null, 'GET', '/auth/me')).statusCode, 401);
      assert.equal((await h.call('not-a-jwt', 'GET', '/auth/me')).statusCode, 401);
      const forged = signToken(Buffer.alloc(32, 7), { sub: 'op_x', role: 'admin', iat: 0, exp: 4_000_000_000 });
      assert.equal((await h.call(forged, 'GET', '/accounts')).statusCode, 401);
      const [hd, pl] = h.tokens.viewer.split('.');
      const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${pl}.`;
      assert.equal((await h.call(none, 'GET', '/auth/me')).statusCode, 401);
      const upgraded = `${hd}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(pl!, 'base64url').toString()), role: 'admin' })).toString('base64url')}.${h.tokens.viewer.split('.')[2]}`;
      assert.equal((await h.call(upgraded, 'GET', '/auth/me')).statusCode, 401);
      const res = await h.login(ROOT_EMAIL, ROOT_PASSWORD, '10.3.0.1');
      h.advance(3_601_000); // last test: every token of this suite is now expired
      const expired = await h.call(res.json().token, 'GET', '/auth/me');
      assert.equal(expired.statusCode, 401);
      assert.equal(expired.json().error.code, 'unauthenticated');
    });
  });
}
