// The signal path's context read: only the copy legs and pending copies of the master positions and
// orders a batch touches — except for a subscription with a position cap, which counts them all —
// and everything when asked for no narrowing (reconciliation, stop-out). Both backends.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Db } from '../db';
import { testBackends } from '../testing';
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
