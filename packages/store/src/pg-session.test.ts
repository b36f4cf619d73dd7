import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openDb } from './open-db';
import { createFreshDatabase } from './testing';

const baseUrl = process.env.KOPITRA_TEST_DATABASE_URL;

describe('PostgreSQL sessions', { skip: baseUrl ? false : 'needs KOPITRA_TEST_DATABASE_URL' }, () => {
  test('the copy path plans once per connection without sequential scans; the management API keeps the defaults', async () => {
    const fresh = await createFreshDatabase(baseUrl!);
    const copyPath = await openDb({ databaseUrl: fresh.url, copyPath: true });
    const plain = await openDb({ databaseUrl: fresh.url, migrate: false });
    try {
      const show = async (db: typeof plain, name: string) => (await db.query<Record<string, string>>(`SHOW ${name}`)).rows[0]![name];
      assert.equal(await show(copyPath, 'enable_seqscan'), 'off');
      assert.equal(await show(copyPath, 'enable_bitmapscan'), 'off');
      assert.equal(await show(copyPath, 'plan_cache_mode'), 'force_generic_plan');
      assert.equal(await show(copyPath, 'jit'), 'off');
      // A scan left disabled (no index serves it) is costed far above jit_above_cost: not compiled.
      const plan = (await copyPath.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE) SELECT id FROM copy_journal WHERE master_account_ids && ARRAY['acc_x']`)).rows.map((r) => r['QUERY PLAN']).join('\n');
      assert.match(plan, /Seq Scan on copy_journal/);
      assert.doesNotMatch(plan, /JIT/);
      assert.equal(await show(copyPath, 'synchronous_commit'), 'on', 'durability untouched');
      assert.equal(await show(plain, 'enable_seqscan'), 'on');
      assert.equal(await show(plain, 'enable_bitmapscan'), 'on');
      assert.equal(await show(plain, 'plan_cache_mode'), 'auto');
    } finally {
      await copyPath.close();
      await plain.close();
      await fresh.drop();
    }
  });

  test('a prepared statement whose table gained a column (a migration meanwhile) answers, in and out of a transaction', async () => {
    const fresh = await createFreshDatabase(baseUrl!);
    const db = await openDb({ databaseUrl: fresh.url, poolSize: 1, migrate: false });
    try {
      await db.exec('CREATE TABLE t (a int); INSERT INTO t VALUES (1)');
      const read = () => db.query<Record<string, unknown>>('SELECT * FROM t WHERE a = $1', [1]);
      assert.deepEqual((await read()).rows, [{ a: 1 }]);
      await db.exec('ALTER TABLE t ADD COLUMN b int DEFAULT 2');
      assert.deepEqual((await read()).rows, [{ a: 1, b: 2 }]);
      await db.exec('ALTER TABLE t ADD COLUMN c int DEFAULT 3');
      // In a transaction the first attempt is lost (PostgreSQL aborted it); the retry prepares anew.
      await assert.rejects(db.tx((q) => q.query('SELECT * FROM t WHERE a = $1', [1])), /cached plan must not change result type/);
      assert.deepEqual((await db.tx((q) => q.query('SELECT * FROM t WHERE a = $1', [1]))).rows, [{ a: 1, b: 2, c: 3 }]);
    } finally {
      await db.close();
      await fresh.drop();
    }
  });
});
