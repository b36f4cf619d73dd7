import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '@kopitra/store';
import { testBackends } from '../../../packages/store/src/testing';
import { verifyPassword } from './auth/password-hash';
import { DEFAULT_ADMIN_EMAIL, ensureBootstrapAdmin } from './bootstrap-admin';
import { findOperatorByEmail, listAuditLog } from './store';

for (const backend of testBackends()) {
  describe(`bootstrap admin on ${backend.name}`, () => {
    let db: Db;
    let drop: () => Promise<void>;
    before(async () => ({ db, drop } = await backend.open()));
    after(async () => drop());

    test('generated password: returned once, stored hashed, never again', async () => {
      const first = await ensureBootstrapAdmin(db, {});
      assert.equal(first.created, true);
      assert.equal(first.email, DEFAULT_ADMIN_EMAIL);
      assert.ok(first.password && first.password.length >= 20);
      const op = await findOperatorByEmail(db, DEFAULT_ADMIN_EMAIL);
      assert.equal(op?.role, 'admin');
      assert.ok(!op!.passwordHash.includes(first.password!));
      assert.ok(await verifyPassword(first.password!, op!.passwordHash));
      const audit = await listAuditLog(db, { target: op!.id });
      assert.equal(audit[0]?.action, 'operator.create');
      assert.equal(audit[0]?.actor, 'system:bootstrap');
      assert.ok(!JSON.stringify(audit).includes(first.password!), 'no password in the audit log');

      // Second start (also when env creds appear later): nothing created, nothing printed.
      assert.deepEqual(await ensureBootstrapAdmin(db, {}), { created: false });
      assert.deepEqual(await ensureBootstrapAdmin(db, { email: 'x@example.com', password: 'whatever-1' }), { created: false });
    });
  });

  describe(`bootstrap admin from env on ${backend.name}`, () => {
    let db: Db;
    let drop: () => Promise<void>;
    before(async () => ({ db, drop } = await backend.open()));
    after(async () => drop());

    test('uses the given email and password and returns no password', async () => {
      const [a, b] = await Promise.all([
        ensureBootstrapAdmin(db, { email: 'ops@example.com', password: 'env-password-1' }),
        ensureBootstrapAdmin(db, { email: 'ops@example.com', password: 'env-password-1' }),
      ]);
      assert.deepEqual([a, b].filter((r) => r.created), [{ created: true, email: 'ops@example.com' }], 'exactly one start creates it');
      const op = await findOperatorByEmail(db, 'OPS@example.com');
      assert.ok(await verifyPassword('env-password-1', op!.passwordHash));
      const n = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM operators');
      assert.equal(n.rows[0]!.n, 1);
    });
  });
}
