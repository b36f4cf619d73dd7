// A fan-out planned and written in slices (each slice's rows sent while the next is planned) must
// leave exactly what the same batch written at once leaves: the same orders in the same order, the
// same copy legs and pending copies — including legs and pending copies that a later signal of the
// same batch changes after their slice was sent.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SignalBody } from '@kopitra/protocol';
import type { Db } from '@kopitra/store';
import { testBackends } from '@kopitra/store/testing';
import { seedAccount, seedSubscription, snapshotBody } from '../testing/fixtures';
import { ingestSignals, type SignalSubmission } from './ingest-signal';

const FOLLOWERS = 7;
/** The batch's six signals, occurring at `at` (opens older than the subscription's maximum age are skipped). */
const signals = (at: string): SignalBody[] => [
  { sequence: 1, type: 'position.opened', occurredAt: at, position: { id: 'P1', symbol: 'EURUSD', side: 'buy', volume: 1, price: 1.085, sl: null, tp: null } },
  { sequence: 2, type: 'position.closed', occurredAt: at, position: { id: 'P1', volume: 0.4, price: 1.086, volumeAfter: 0.6 } },
  { sequence: 3, type: 'order.placed', occurredAt: at, order: { id: 'O1', symbol: 'EURUSD', kind: 'buy_limit', volume: 0.5, price: 1.08 } },
  { sequence: 4, type: 'order.modified', occurredAt: at, order: { id: 'O1', price: 1.07 } },
  { sequence: 5, type: 'position.opened', occurredAt: at, position: { id: 'P2', symbol: 'EURUSD', side: 'sell', volume: 2, price: 1.085, sl: null, tp: null } },
  { sequence: 6, type: 'position.closed', occurredAt: at, position: { id: 'P2', volume: 2, price: 1.084, volumeAfter: 0 } },
] as SignalBody[];

for (const backend of testBackends()) {
  describe(`a fan-out written in slices on ${backend.name}`, () => {
    let db: Db;
    let drop: () => Promise<void>;
    before(async () => {
      ({ db, drop } = await backend.open());
    });
    after(async () => drop());

    /** A master with FOLLOWERS followers (in subscription order), all six signals ingested in one batch. */
    async function ingestAll(fanOutSlice: number) {
      const master = await seedAccount(db, 'master');
      const followers: string[] = [];
      for (let i = 0; i < FOLLOWERS; i++) {
        const f = await seedAccount(db, 'follower');
        await seedSubscription(db, master.accountId, f.accountId);
        await db.query(`INSERT INTO account_state (account_id, balance, equity, symbols, positions) VALUES ($1, 10000, 10000, $2, '[]')`, [f.accountId, JSON.stringify(snapshotBody().symbols)]);
        followers.push(f.accountId);
      }
      const nowMs = Date.now();
      const items: SignalSubmission[] = signals(new Date(nowMs).toISOString()).map((body) => ({ accountId: master.accountId, idempotencyKey: `k-${body.sequence}`, requestHash: `h-${body.sequence}`, body, receivedAtMs: nowMs }));
      const { outcomes } = await db.tx((q) => ingestSignals(q, items, nowMs, { copyPendingOrders: true, fanOutSlice }));
      assert.deepEqual(outcomes.map((o) => o.ok && o.status), items.map(() => 202));
      const perFollower = [];
      for (const id of followers) {
        const orders = await db.query<{ action: string; volume: string | null; price: string | null; master_position_id: string | null }>(
          `SELECT action, payload->>'volume' AS volume, payload->>'price' AS price, master_position_id FROM orders WHERE follower_account_id = $1 ORDER BY seq`, [id]);
        const legs = await db.query<{ master_position_id: string; volume: string }>(
          `SELECT l.master_position_id, l.volume::text AS volume FROM copy_legs l JOIN subscriptions s ON s.id = l.subscription_id WHERE s.follower_account_id = $1 ORDER BY l.master_position_id`, [id]);
        const pending = await db.query<{ master_order_id: string; price: number; active: boolean }>(
          `SELECT p.master_order_id, p.price, p.active FROM pending_copies p JOIN subscriptions s ON s.id = p.subscription_id WHERE s.follower_account_id = $1`, [id]);
        perFollower.push({ orders: orders.rows, legs: legs.rows.map((l) => ({ ...l, volume: Number(l.volume) })), pending: pending.rows });
      }
      const runs = await db.query<{ n: number }>(`SELECT jsonb_array_length(decisions) AS n FROM audit_runs WHERE account_id = $1 ORDER BY (trigger->>'sequence')::int`, [master.accountId]);
      return { perFollower, decisionsPerRun: runs.rows.map((r) => r.n) };
    }

    test('slices of 3 followers leave what one write leaves, legs and pending copies changed after their slice was sent included', async () => {
      const sliced = await ingestAll(3);
      const whole = await ingestAll(1000);
      assert.deepEqual(sliced, whole);
      // And what that is: every follower got all six orders, in signal order; P1's copy is down to
      // 0.6 (closed 0.4 after its slice was sent), P2's closed whole, the pending copy amended.
      assert.deepEqual(sliced.decisionsPerRun, [1, 2, 3, 4, 5, 6].map(() => FOLLOWERS));
      for (const f of sliced.perFollower) {
        assert.deepEqual(f.orders.map((o) => o.action), ['open', 'close', 'place', 'amend', 'open', 'close']);
        assert.deepEqual(f.legs, [{ master_position_id: 'P1', volume: 0.6 }, { master_position_id: 'P2', volume: 0 }]);
        assert.deepEqual(f.pending, [{ master_order_id: 'O1', price: 1.07, active: true }]);
      }
    });
  });
}
