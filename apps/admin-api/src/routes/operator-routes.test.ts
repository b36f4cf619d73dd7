import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testBackends } from '../../../../packages/store/src/testing';
import { listAuditLog, verifyAuditChain } from '../store';
import { openHarness, ROOT_EMAIL, type Harness } from '../test-harness';

for (const backend of testBackends()) {
  describe(`operators on ${backend.name}`, () => {
    let h: Harness;
    before(async () => (h = await openHarness(backend)));
    after(async () => h.close());

    test('create: 201 without the password, stored hashed, audited without it', async () => {
      const res = await h.call(h.tokens.admin, 'POST', '/operators', { email: 'Ana@Example.com', password: 'ana-secret-pw', role: 'operator' });
      assert.equal(res.statusCode, 201);
      const op = res.json();
      assert.deepEqual(Object.keys(op).sort(), ['createdAt', 'disabled', 'email', 'id', 'role', 'updatedAt']);
      const row = await h.db.query<{ password_hash: string }>('SELECT password_hash FROM operators WHERE id = $1', [op.id]);
      assert.match(row.rows[0]!.password_hash, /^scrypt\$/);
      const audit = await listAuditLog(h.db, { target: op.id });
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.action, 'operator.create');
      assert.ok(!JSON.stringify(audit).includes('ana-secret-pw') && !JSON.stringify(audit).includes('scrypt$'));
      assert.equal((await h.login('ana@example.com', 'ana-secret-pw')).statusCode, 200);
    });

    test('duplicate email (any case) is 409; bad fields are 400 naming them', async () => {
      const dup = await h.call(h.tokens.admin, 'POST', '/operators', { email: ROOT_EMAIL.toUpperCase(), password: 'whatever-1', role: 'viewer' });
      assert.equal(dup.statusCode, 409);
      assert.equal(dup.json().error.code, 'conflict');
      for (const [body, field] of [
        [{ email: 'x', password: 'whatever-1', role: 'viewer' }, 'email'],
        [{ email: 'x@y.z', password: 'short', role: 'viewer' }, 'password'],
        [{ email: 'x@y.z', password: 'whatever-1', role: 'root' }, 'role'],
        [{ email: 'x@y.z', password: 'whatever-1', role: 'viewer', extra: 1 }, 'extra'],
      ] as const) {
        const res = await h.call(h.tokens.admin, 'POST', '/operators', body);
        assert.equal(res.statusCode, 400, JSON.stringify(body));
        assert.match(res.json().error.message, new RegExp(`^${field}:`));
      }
    });

    test('list pages with a cursor', async () => {
      for (let i = 0; i < 3; i++) await h.newOperator('viewer');
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await h.call(h.tokens.admin, 'GET', `/operators?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(res.statusCode, 200);
        const page = res.json();
        assert.ok(page.items.length <= 2);
        seen.push(...page.items.map((o: { id: string }) => o.id));
        cursor = page.nextCursor;
      } while (cursor);
      const total = await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM operators');
      assert.equal(seen.length, total.rows[0]!.n);
      assert.equal(new Set(seen).size, seen.length);
      assert.equal((await h.call(h.tokens.admin, 'GET', '/operators?cursor=!!!')).statusCode, 400);
      assert.equal((await h.call(h.tokens.admin, 'GET', '/operators?limit=201')).statusCode, 400);
    });

    test('patch role and disabled, audited with before and after; unknown id 404; the last admin stays', async () => {
      const op = await h.newOperator('viewer');
      const res = await h.call(h.tokens.admin, 'PATCH', `/operators/${op.id}`, { role: 'operator', disabled: true });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().role, 'operator');
      assert.equal(res.json().disabled, true);
      const audit = (await listAuditLog(h.db, { target: op.id })).at(-1)!;
      assert.equal(audit.action, 'operator.update');
      assert.deepEqual([(audit.before as { role: string }).role, (audit.after as { role: string }).role], ['viewer', 'operator']);
      assert.equal((await h.call(h.tokens.admin, 'PATCH', '/operators/op_nope', { role: 'viewer' })).statusCode, 404);

      const me = (await h.call(h.tokens.admin, 'GET', '/auth/me')).json();
      const last = await h.call(h.tokens.admin, 'PATCH', `/operators/${me.id}`, { role: 'viewer' });
      assert.equal(last.statusCode, 409);
      const second = await h.newOperator('admin');
      assert.equal((await h.call(second.token, 'PATCH', `/operators/${me.id}`, { disabled: true })).statusCode, 200);
      assert.equal((await h.call(second.token, 'PATCH', `/operators/${second.id}`, { disabled: true })).statusCode, 409);
      assert.equal((await verifyAuditChain(h.db)).ok, true);
    });
  });
}
