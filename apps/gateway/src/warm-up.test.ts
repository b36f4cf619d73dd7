// The start-up warm-up plans real fan-outs and must leave nothing behind: no row in any table, no
// notification — a gateway that starts twice a day (or scales from zero every morning) must not
// grow the database or wake anybody.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '@kopitra/store';
import { testBackends } from '@kopitra/store/testing';
import { warmUpCopyPath } from './warm-up';

/** Every table's row count (the whole public schema, not a list that could miss one). */
async function rowCounts(db: Db): Promise<Record<string, number>> {
  const { rows } = await db.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
  const out: Record<string, number> = {};
  for (const { t } of rows) out[t] = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${t}"`)).rows[0]!.n;
  return out;
}

for (const backend of testBackends()) {
  describe(`the copy path's warm-up on ${backend.name}`, () => {
    let db: Db;
    let drop: () => Promise<void>;
    before(async () => {
      ({ db, drop } = await backend.open());
    });
    after(async () => drop());

    test('plans an order for every follower, through the journal or not, rehearses the everyday path, and leaves no row and no notification', async () => {
      const heard: string[] = [];
      const unlisten = await Promise.all(['kopitra_events', 'kopitra_orders', 'kopitra_cache'].map((c) => db.listen(c, (p) => heard.push(`${c}: ${p}`))));
      const before = await rowCounts(db);
      assert.ok(Object.keys(before).includes('audit_runs') && Object.keys(before).includes('orders'), Object.keys(before).join());
      // Through the copy journal (the gateway's default threshold), and written as rows.
      const journaled = await warmUpCopyPath(db, { followers: 120, rounds: 2, journalFrom: 100 });
      const rows = await warmUpCopyPath(db, { followers: 30, rounds: 1 });
      // The everyday path: the first signal in a transaction, every later one as the one statement
      // (which reads what the one before it wrote), each order reported as handed over.
      const everyday = await warmUpCopyPath(db, { followers: 0, rounds: 0, signals: 12 });
      assert.deepEqual(journaled.orders, [120, 120]);
      assert.deepEqual(rows.orders, [30]);
      assert.equal(journaled.roundsMs.length, 2);
      assert.equal(rows.signals, undefined);
      assert.deepEqual({ held: everyday.signals?.held, reported: everyday.signals?.reported }, { held: 11, reported: 12 });
      assert.deepEqual(await rowCounts(db), before);
      // A notification committed meanwhile would have arrived by now (the listener's own round trip).
      await db.query(`SELECT pg_notify('kopitra_events', 'marker')`);
      for (let i = 0; i < 50 && !heard.includes('kopitra_events: marker'); i++) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(heard, ['kopitra_events: marker']);
      await Promise.all(unlisten.map((u) => u()));
    });
  });
}
