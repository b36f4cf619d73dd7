import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../db';
import { testBackends } from '../testing';
import { appendAuditLog, auditHash, listAuditLog, verifyAuditChain } from './audit-log';
import { canonicalJson } from './canonical-json';

test('canonicalJson sorts keys at every depth and drops undefined', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[{"y":2,"z":1}]},"b":1}');
  assert.equal(canonicalJson(undefined), 'null');
});

for (const backend of testBackends()) {
  describe(`audit log on ${backend.name}`, () => {
    let db: Db;
    let drop: () => Promise<void>;
    before(async () => ({ db, drop } = await backend.open()));
    after(async () => drop());

    test('appends chain to each other, concurrent appends included, and verify', async () => {
      const first = await db.tx((q) => appendAuditLog(q, { actor: 'op_1', action: 'account.create', target: 'acc_1', before: null, after: { b: 2, a: 1 } }));
      assert.equal(first.prevHash, '');
      await Promise.all(Array.from({ length: 8 }, (_, i) =>
        db.tx((q) => appendAuditLog(q, { actor: 'op_1', action: 'account.update', target: 'acc_1', before: { n: i }, after: { n: i + 1 } }))));
      const rows = await listAuditLog(db, { target: 'acc_1' });
      assert.equal(rows.length, 9);
      for (let i = 1; i < rows.length; i++) assert.equal(rows[i]!.prevHash, rows[i - 1]!.hash);
      assert.deepEqual(rows[0]!.after, { a: 1, b: 2 });
      assert.deepEqual(await verifyAuditChain(db), { ok: true, rows: 9, brokenAt: null });
    });

    test('a rolled-back change leaves no audit row', async () => {
      const n = (await listAuditLog(db)).length;
      await assert.rejects(db.tx(async (q) => {
        await appendAuditLog(q, { actor: 'op_1', action: 'x', target: null, before: null, after: null });
        throw new Error('boom');
      }));
      assert.equal((await listAuditLog(db)).length, n);
    });

    test('a forged row breaks verification where it was inserted', async () => {
      const last = (await listAuditLog(db)).at(-1)!;
      const forged = { at: new Date().toISOString(), actor: 'evil', action: 'x', target: null, before: null, after: { a: 1 } };
      const ins = await db.query<{ id: number }>(`INSERT INTO audit_log (at, actor, action, prev_hash, hash, after) VALUES ($1, $2, $3, $4, $5, $6::jsonb) RETURNING id`,
        [forged.at, forged.actor, forged.action, last.hash, auditHash(last.hash, { ...forged, after: { a: 2 } }), '{"a":1}']);
      const r = await verifyAuditChain(db);
      assert.equal(r.ok, false);
      assert.equal(r.brokenAt, ins.rows[0]!.id);
    });
  });
}
