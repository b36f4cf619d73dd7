import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Db } from './db';
import { openDb } from './open-db';
import { createFreshDatabase } from './testing';

// Transactions whose statements are pipelined (issued together, a write sent with the COMMIT):
// the same outcome on both backends as one statement after another — all or nothing.
const baseUrl = process.env.KOPITRA_TEST_DATABASE_URL;
const backends: Array<{ name: string; open(): Promise<{ db: Db; url?: string; drop(): Promise<void> }> }> = [
  {
    name: 'pglite',
    async open() {
      const db = await openDb({ inMemory: true, migrate: false });
      return { db, drop: () => db.close() };
    },
  },
];
if (baseUrl) {
  backends.push({
    name: 'postgres',
    async open() {
      const fresh = await createFreshDatabase(baseUrl);
      // One connection: whatever a failed transaction left on it would show in the next one.
      const db = await openDb({ databaseUrl: fresh.url, poolSize: 1, migrate: false });
      return { db, url: fresh.url, drop: async () => { await db.close(); await fresh.drop(); } };
    },
  });
}

for (const backend of backends) {
  describe(`transactions with pipelined statements (${backend.name})`, () => {
    let db: Db;
    let url: string | undefined;
    let drop: () => Promise<void>;
    before(async () => {
      ({ db, url, drop } = await backend.open());
      await db.exec('CREATE TABLE pipe (id int PRIMARY KEY, v text NOT NULL)');
    });
    after(() => drop());

    const ids = async () => (await db.query<{ id: number }>('SELECT id FROM pipe ORDER BY id')).rows.map((r) => r.id);

    test('statements issued together answer each its own, in order; a sent write commits with the transaction', async () => {
      const out = await db.tx(async (q) => {
        const [a, b, c] = await Promise.all([
          q.query<{ n: number }>('SELECT $1::int AS n', [1]),
          q.query('INSERT INTO pipe (id, v) VALUES ($1, $2)', [1, 'one']),
          q.query<{ n: number }>('SELECT count(*)::int AS n FROM pipe'),
        ]);
        q.send('INSERT INTO pipe (id, v) VALUES ($1, $2)', [2, 'two']);
        return [a.rows[0]!.n, b.rowCount, c.rows[0]!.n];
      });
      assert.deepEqual(out, [1, 1, 1], 'the count ran after the insert written before it');
      assert.deepEqual(await ids(), [1, 2]);
    });

    test('a sent write that fails rejects the transaction with its own error and nothing of it stays', async () => {
      await assert.rejects(
        db.tx(async (q) => {
          await q.query('INSERT INTO pipe (id, v) VALUES ($1, $2)', [3, 'three']);
          q.send('INSERT INTO pipe (id, v) VALUES ($1, $2)', [1, 'duplicate']);
          return 'answered';
        }),
        (e: Error & { code?: string }) => e.code === '23505',
      );
      assert.deepEqual(await ids(), [1, 2], 'the row written before the failed one was rolled back');
      assert.equal((await db.tx((q) => q.query<{ n: number }>('SELECT 7 AS n'))).rows[0]!.n, 7, 'the connection is clean');
    });

    test('a statement nobody awaited fails the transaction even when fn returned normally', async () => {
      await assert.rejects(
        db.tx(async (q) => {
          void q.query('SELECT 1 / 0').catch(() => {});
          q.send('INSERT INTO pipe (id, v) VALUES ($1, $2)', [4, 'four']);
          return 'answered';
        }),
        /division by zero/,
      );
      assert.deepEqual(await ids(), [1, 2]);
    });

    test('fn throwing while its statements are in flight rolls them all back', async () => {
      await assert.rejects(
        db.tx(async (q) => {
          void q.query('INSERT INTO pipe (id, v) VALUES ($1, $2)', [5, 'five']).catch(() => {});
          q.send('INSERT INTO pipe (id, v) VALUES ($1, $2)', [6, 'six']);
          throw new Error('changed my mind');
        }),
        /changed my mind/,
      );
      assert.deepEqual(await ids(), [1, 2]);
      await db.tx(async (q) => q.send('INSERT INTO pipe (id, v) VALUES ($1, $2)', [7, 'seven']));
      assert.deepEqual(await ids(), [1, 2, 7]);
    });

    test('a write sent with the commit runs after everything fn issued, commits with it, and fails it when it fails', async () => {
      const n = await db.tx(async (q) => {
        q.sendWithCommit('INSERT INTO pipe (id, v) SELECT 9, $1 FROM pipe WHERE id = 8', ['nine: after eight']);
        q.send('INSERT INTO pipe (id, v) VALUES ($1, $2)', [8, 'eight']);
        return (await q.query<{ n: number }>('SELECT count(*)::int AS n FROM pipe WHERE id = 9')).rows[0]!.n;
      });
      assert.equal(n, 0, 'held until fn returned');
      assert.deepEqual(await ids(), [1, 2, 7, 8, 9], 'written after the row fn sent later, before the commit');
      await assert.rejects(
        db.tx(async (q) => {
          q.send('INSERT INTO pipe (id, v) VALUES ($1, $2)', [10, 'ten']);
          q.sendWithCommit('INSERT INTO pipe (id, v) VALUES ($1, $2)', [1, 'duplicate']);
          return 'answered';
        }),
        (e: Error & { code?: string }) => e.code === '23505',
      );
      assert.deepEqual(await ids(), [1, 2, 7, 8, 9], 'nothing of the failed transaction stays');
      assert.equal((await db.tx((q) => q.query<{ n: number }>('SELECT 7 AS n'))).rows[0]!.n, 7, 'the connection is clean');
    });

    test('commitNow: the held write and the COMMIT go out while fn goes on; no statement may follow', async () => {
      // Another connection sees the row before fn returns (PGlite runs one transaction at a time
      // in one process: there, the COMMIT follows fn as before).
      const other = url ? await openDb({ databaseUrl: url, poolSize: 1, migrate: false }) : null;
      try {
        const seen = await db.tx(async (q) => {
          q.sendWithCommit('INSERT INTO pipe (id, v) VALUES ($1, $2)', [11, 'eleven']);
          q.commitNow();
          assert.throws(() => q.send('SELECT 1'), /no statement after commitNow/);
          if (!other) return true;
          for (let i = 0; i < 200; i++) {
            if ((await other.query('SELECT 1 FROM pipe WHERE id = 11')).rows.length > 0) return true;
            await new Promise((r) => setTimeout(r, 5));
          }
          return false;
        });
        assert.equal(seen, true, 'committed before fn returned');
        assert.deepEqual(await ids(), [1, 2, 7, 8, 9, 11]);
      } finally {
        await other?.close();
      }
    });
  });
}
