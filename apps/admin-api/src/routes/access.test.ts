import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testBackends } from '../../../../packages/store/src/testing';
import { createAccount, openHarness, type Harness } from '../test-harness';

type Role = 'viewer' | 'operator' | 'admin';

for (const backend of testBackends()) {
  describe(`role guard on ${backend.name}`, () => {
    let h: Harness;
    let master: string;
    let follower: string;
    let subId: string;
    before(async () => {
      h = await openHarness(backend);
      master = await createAccount(h, 'master');
      follower = await createAccount(h, 'follower');
      const sub = await h.call(h.tokens.admin, 'POST', '/subscriptions', { masterAccountId: master, followerAccountId: follower, sizing: { mode: 'fixed', lots: 0.1 } });
      subId = sub.json().id;
    });
    after(async () => h.close());

    /** [method, url, body, least role]. Writes are checked for refusal only (403 comes before validation). */
    const calls = (): Array<[string, string, unknown, Role]> => [
      ['GET', '/auth/me', undefined, 'viewer'],
      ['GET', '/accounts', undefined, 'viewer'],
      ['GET', `/accounts/${master}`, undefined, 'viewer'],
      ['GET', '/subscriptions', undefined, 'viewer'],
      ['GET', `/subscriptions/${subId}`, undefined, 'viewer'],
      ['PATCH', `/subscriptions/${subId}`, { status: 'paused' }, 'operator'],
      ['POST', '/subscriptions', { masterAccountId: master, followerAccountId: follower, sizing: { mode: 'fixed', lots: 1 } }, 'operator'],
      ['DELETE', '/subscriptions/sub_missing', undefined, 'operator'],
      ['POST', '/accounts', { name: 'n', role: 'master', platform: 'mt4', broker: { name: 'b', server: 's' }, login: 1 }, 'admin'],
      ['PATCH', `/accounts/${master}`, { name: 'renamed' }, 'admin'],
      ['POST', `/accounts/${master}/credentials`, undefined, 'admin'],
      ['DELETE', `/accounts/${master}/credentials/kid_missing`, undefined, 'admin'],
      ['GET', '/operators', undefined, 'admin'],
      ['POST', '/operators', { email: 'new@example.com', password: 'password-1', role: 'viewer' }, 'admin'],
      ['PATCH', '/operators/op_missing', { role: 'viewer' }, 'admin'],
    ];
    const rank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

    for (const role of ['viewer', 'operator', 'admin'] as const) {
      test(`${role}: allowed calls pass the guard, the others are 403`, async () => {
        for (const [method, url, body, least] of calls()) {
          const res = await h.call(h.tokens[role], method as 'GET', url, body);
          if (rank[role] >= rank[least]) assert.notEqual(res.statusCode, 403, `${role} ${method} ${url}: ${res.body}`);
          else {
            assert.equal(res.statusCode, 403, `${role} ${method} ${url} should be refused: ${res.body}`);
            assert.equal(res.json().error.code, 'forbidden');
          }
        }
      });
    }

    test('no token: every route but login is 401', async () => {
      for (const [method, url, body] of calls()) {
        const res = await h.call(null, method as 'GET', url, body);
        assert.equal(res.statusCode, 401, `${method} ${url}`);
        assert.equal(res.json().error.code, 'unauthenticated');
      }
    });

    test('a viewer reads accounts without secrets', async () => {
      await h.call(h.tokens.admin, 'POST', `/accounts/${master}/credentials`);
      const res = await h.call(h.tokens.viewer, 'GET', `/accounts/${master}`);
      assert.equal(res.statusCode, 200);
      assert.ok(res.json().credentials.length > 0);
      for (const c of res.json().credentials) assert.deepEqual(Object.keys(c).sort(), ['createdAt', 'keyId', 'revokedAt']);
    });
  });
}
