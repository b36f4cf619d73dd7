import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testBackends } from '../testing';
import { findIdempotencyRecord, pruneIdempotencyRecords, saveIdempotencyRecord } from './idempotency';

for (const backend of testBackends()) {
  describe(`idempotency records on ${backend.name}`, () => {
    test('kept for the retention, then pruned; a repeat insert is a unique violation', async () => {
      const { db, drop } = await backend.open();
      try {
        await db.query(`INSERT INTO accounts (id, name, role, platform, broker_name, broker_server, login) VALUES ('a1', 'a', 'master', 'mt5', 'b', 's', '1')`);
        await saveIdempotencyRecord(db, 'a1', 'fresh', { requestHash: 'h', status: 202, response: { ok: 1 } });
        await saveIdempotencyRecord(db, 'a1', 'old', { requestHash: 'h', status: 202, response: { ok: 2 } });
        await db.query(`UPDATE idempotency_records SET created_at = now() - interval '49 hours' WHERE key = 'old'`);
        await db.query(`INSERT INTO idempotency_records (account_id, key, request_hash, status, response, created_at) VALUES ('a1', 'day-old', 'h', 202, '{}', now() - interval '25 hours')`);
        await assert.rejects(saveIdempotencyRecord(db, 'a1', 'fresh', { requestHash: 'x', status: 202, response: {} }), (e: { code?: string }) => e.code === '23505');
        assert.equal(await pruneIdempotencyRecords(db, 48 * 3600_000), 1);
        assert.deepEqual(await findIdempotencyRecord(db, 'a1', 'fresh'), { requestHash: 'h', status: 202, response: { ok: 1 } });
        assert.ok(await findIdempotencyRecord(db, 'a1', 'day-old'), 'a record older than 24 h but inside the retention stays');
        assert.equal(await findIdempotencyRecord(db, 'a1', 'old'), null);
      } finally {
        await drop();
      }
    });
  });
}
