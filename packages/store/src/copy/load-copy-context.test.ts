// The signal path's context read: only the copy legs and pending copies of the master positions and
// orders a batch touches — except for a subscription with a position cap, which counts them all —
// and everything when asked for no narrowing (reconciliation, stop-out). Both backends.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Db } from '../db';
import { openDb } from '../open-db';
import { createFreshDatabase, testBackends } from '../testing';
import { lockMastersWithContexts } from './load-copy-context';

const SETTINGS = { sizing: { mode: 'multiplier', multiplier: 1 } };

for (const backend of testBackends()) {
  describe(`copy context narrowing on ${backend.name}`, () => {
    let db: Db;
    let drop: () => Promise<void>;

    before(async () => {
      ({ db, drop } = await backend.open());
      await db.exec(`
        INSERT INTO accounts (id, name, role, platform, broker_name, broker_server, login) VALUES
          ('m1', 'M', 'master', 'mt5', 'b', 's', '1'), ('f1', 'F1', 'follower', 'mt5', 'b', 's', '2'),
          ('f2', 'F2', 'follower', 'mt5', 'b', 's', '3');
        INSERT INTO account_state (account_id) VALUES ('m1');
        INSERT INTO subscriptions (id, master_account_id, follower_account_id, settings) VALUES
          ('sub_free', 'm1', 'f1', '${JSON.stringify(SETTINGS)}'),
          ('sub_capped', 'm1', 'f2', '${JSON.stringify({ ...SETTINGS, maxOpenPositions: 5 })}');`);
      for (const sub of ['sub_free', 'sub_capped']) {
        for (const p of ['P1', 'P2', 'P3']) {
          await db.query(`INSERT INTO copy_legs (open_order_id, subscription_id, master_position_id, follower_symbol, side, volume, opened_at)
                          VALUES ($1, $2, $3, 'EURUSD', 'buy', $4, now())`, [`${sub}_${p}`, sub, p, p === 'P3' ? 0 : 1]);
        }
        for (const o of ['O1', 'O2']) {
          await db.query(`INSERT INTO pending_copies (subscription_id, master_order_id, place_order_id, follower_symbol, kind, volume, price)
                          VALUES ($1, $2, $3, 'EURUSD', 'buy_limit', 1, 1.08)`, [sub, o, `${sub}_${o}`]);
        }
      }
    });
    after(async () => drop());

    async function load(relevant?: string[], master = 'm1') {
      const { contexts } = await db.tx((q) => lockMastersWithContexts(q, ['m1'], relevant?.map((id) => ({ masterAccountId: master, id }))));
      return Object.fromEntries((contexts.get('m1') ?? []).map((c) => [c.subscription.id, {
        legs: c.copies.map((l) => l.masterPositionId).sort(), pending: c.pendingCopies.map((p) => p.masterOrderId).sort(),
      }]));
    }

    test('narrowed to the positions and orders at hand; a capped subscription gets all of its open ones', async () => {
      assert.deepEqual(await load(['P1', 'O2']), {
        sub_free: { legs: ['P1'], pending: ['O2'] },
        sub_capped: { legs: ['P1', 'P2'], pending: ['O1', 'O2'] },
      });
      assert.deepEqual(await load(['nothing']), {
        sub_free: { legs: [], pending: [] },
        sub_capped: { legs: ['P1', 'P2'], pending: ['O1', 'O2'] },
      });
    });

    test("another master's ids of the same name find nothing", async () => {
      assert.deepEqual(await load(['P1', 'O2'], 'm2'), {
        sub_free: { legs: [], pending: [] },
        sub_capped: { legs: ['P1', 'P2'], pending: ['O1', 'O2'] },
      });
    });

    test('without narrowing: every open leg and active pending copy', async () => {
      assert.deepEqual(await load(), {
        sub_free: { legs: ['P1', 'P2'], pending: ['O1', 'O2'] },
        sub_capped: { legs: ['P1', 'P2'], pending: ['O1', 'O2'] },
      });
    });
  });
}

// The gateway's sessions plan every statement once, generically (openDb({ copyPath: true })), and a
// table never analysed looks nearly empty to the planner: a master's subscriptions must still be
// reached by their master, not by reading every live subscription and dropping the others.
const baseUrl = process.env.KOPITRA_TEST_DATABASE_URL;
describe('a signal reads its own master\'s subscriptions only (PostgreSQL, the gateway\'s session settings)', { skip: baseUrl ? false : 'KOPITRA_TEST_DATABASE_URL not set' }, () => {
  test('300 subscriptions of another master are not read for a signal of a master with two', async () => {
    const fresh = await createFreshDatabase(baseUrl!);
    const db = await openDb({ databaseUrl: fresh.url, copyPath: true });
    try {
      await db.exec(`
        INSERT INTO accounts (id, name, role, platform, broker_name, broker_server, login)
        SELECT 'acc_' || i, 'A' || i, CASE WHEN i <= 2 THEN 'master' ELSE 'follower' END, 'mt5', 'b', 's', i::text FROM generate_series(1, 304) AS i;
        INSERT INTO account_state (account_id) VALUES ('acc_1'), ('acc_2');
        INSERT INTO subscriptions (id, master_account_id, follower_account_id, settings)
        SELECT 'sub_' || i, CASE WHEN i <= 2 THEN 'acc_1' ELSE 'acc_2' END, 'acc_' || (i + 2), '${JSON.stringify(SETTINGS)}' FROM generate_series(1, 302) AS i;`);
      const fetched = async () => Number((await db.query<{ n: string }>(
        `SELECT COALESCE(idx_tup_fetch, 0) + COALESCE(seq_tup_read, 0) AS n FROM pg_stat_user_tables WHERE relname = 'subscriptions'`)).rows[0]!.n);
      const signal = async () => db.tx(async (q) => {
        const { contexts } = await lockMastersWithContexts(q, ['acc_1'], [{ masterAccountId: 'acc_1', id: 'P1' }]);
        // This backend's counters reach pg_stat_user_tables at its commit.
        await q.query('SELECT pg_stat_force_next_flush()');
        return contexts.get('acc_1')!.length;
      });
      assert.equal(await signal(), 2); // the plans are made (once per connection and statement)
      const before = await fetched();
      assert.equal(await signal(), 2);
      const read = (await fetched()) - before;
      // Two statements read the master's subscriptions: 2 rows each. Scanning all would read 604.
      assert.ok(read <= 8, `subscription rows read for one signal: ${read}`);
    } finally {
      await db.close();
      await fresh.drop();
    }
  });
});
