// A fan-out planned and written in slices (each slice's rows sent while the next is planned) must
// leave exactly what the same batch written at once leaves: the same orders in the same order, the
// same copy legs and pending copies — including legs and pending copies that a later signal of the
// same batch changes after their slice was sent. So must a fan-out committed as a copy-journal
// row and projected afterwards — by its writer, or by the master's next signal that finds it
// pending.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SignalBody } from '@kopitra/protocol';
import { projectJournal, projectStaleJournal, recordExecutions, type Db } from '@kopitra/store';
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

    /**
     * A master with FOLLOWERS followers (in subscription order), all six signals ingested in one
     * batch — or in two (`split`: signals 1–3, then 4–6). `journalFrom`: the batches go through the
     * copy journal; the second batch finds the first one's row pending, and the last row is
     * projected at the end.
     */
    async function ingestAll(fanOutSlice: number, journalFrom?: number, split = false) {
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
      const journals: string[] = [];
      for (const part of split ? [items.slice(0, 3), items.slice(3)] : [items]) {
        const { outcomes, journal } = await db.tx((q) => ingestSignals(q, part, nowMs, { copyPendingOrders: true, fanOutSlice, ...(journalFrom ? { journalFrom } : {}) }));
        assert.deepEqual(outcomes.map((o) => o.ok && o.status), part.map(() => 202));
        assert.equal(journal !== null, journalFrom !== undefined);
        if (journal) {
          journals.push(journal);
          // Committed as one row: none of the follower rows exist yet, the master's sequence does.
          assert.equal((await db.query(`SELECT 1 FROM orders o JOIN subscriptions s ON s.id = o.subscription_id WHERE s.master_account_id = $1`, [master.accountId])).rows.length, split && journals.length === 2 ? FOLLOWERS * 3 : 0);
          assert.equal((await db.query<{ n: number }>(`SELECT last_sequence::int AS n FROM account_state WHERE account_id = $1`, [master.accountId])).rows[0]!.n, part.at(-1)!.body.sequence);
        }
      }
      if (journals.length > 0) {
        await db.tx((q) => projectJournal(q, journals.at(-1)!));
        // Projected once: the row is gone, a second projection writes nothing.
        await db.tx((q) => projectJournal(q, journals.at(-1)!));
        assert.equal((await db.query(`SELECT 1 FROM copy_journal WHERE id = ANY($1::text[])`, [journals])).rows.length, 0);
      }
      const perFollower = [];
      for (const id of followers) {
        // Each order's whole payload but the values that name this run's rows or its time.
        const orders = await db.query<{ action: string; volume: string | null; price: string | null; master_position_id: string | null; rest: unknown }>(
          `SELECT action, payload->>'volume' AS volume, payload->>'price' AS price, master_position_id,
                  payload - 'orderId' - 'runId' - 'subscriptionId' - 'createdAt' - 'expiresAt' - 'tag' - 'openTag' AS rest,
                  (payload->>'openTag' IS NULL) AS no_open_tag
             FROM orders WHERE follower_account_id = $1 ORDER BY seq`, [id]);
        const legs = await db.query<{ master_position_id: string; volume: string }>(
          `SELECT l.master_position_id, l.volume::text AS volume FROM copy_legs l JOIN subscriptions s ON s.id = l.subscription_id WHERE s.follower_account_id = $1 ORDER BY l.master_position_id`, [id]);
        const pending = await db.query<{ master_order_id: string; price: number; active: boolean }>(
          `SELECT p.master_order_id, p.price, p.active FROM pending_copies p JOIN subscriptions s ON s.id = p.subscription_id WHERE s.follower_account_id = $1`, [id]);
        perFollower.push({ orders: orders.rows, legs: legs.rows.map((l) => ({ ...l, volume: Number(l.volume) })), pending: pending.rows });
      }
      const runs = await db.query<{ n: number }>(`SELECT json_array_length(decisions) AS n FROM audit_runs WHERE account_id = $1 ORDER BY (trigger->>'sequence')::int`, [master.accountId]);
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

    test('through the copy journal: projected after the commit, it leaves what the rows written at once leave', async () => {
      assert.deepEqual(await ingestAll(1000, 1), await ingestAll(1000));
    });

    test('through the copy journal in two batches: the second projects the first before it reads the copy state', async () => {
      assert.deepEqual(await ingestAll(3, FOLLOWERS, true), await ingestAll(1000));
    });

    test('an execution report for an order still in the journal projects it, and is accepted; a stale row is projected by the sweep', async () => {
      const master = await seedAccount(db, 'master');
      const followers: string[] = [];
      for (let i = 0; i < 3; i++) {
        const f = await seedAccount(db, 'follower');
        await seedSubscription(db, master.accountId, f.accountId);
        await db.query(`INSERT INTO account_state (account_id, balance, equity, symbols, positions) VALUES ($1, 10000, 10000, $2, '[]')`, [f.accountId, JSON.stringify(snapshotBody().symbols)]);
        followers.push(f.accountId);
      }
      const nowMs = Date.now();
      const [open, close] = signals(new Date(nowMs).toISOString());
      const submit = (body: SignalBody) => ({ accountId: master.accountId, idempotencyKey: `k-${body.sequence}`, requestHash: `h-${body.sequence}`, body, receivedAtMs: nowMs });
      const first = await db.tx((q) => ingestSignals(q, [submit(open!)], nowMs, { copyPendingOrders: true, journalFrom: 3 }));
      const order = first.wake.get(followers[0]!)![0]!;
      const report = { orderId: String(order.orderId), status: 'filled' as const, volume: Number(order.volume), price: 1.085, followerPositionId: 'T-1', executedAt: new Date(nowMs).toISOString() };
      const { results } = await db.tx((q) => recordExecutions(q, [{ followerAccountId: followers[0]!, idempotencyKey: 'e-1', requestHash: 'eh-1', report }], new Date(nowMs).toISOString()));
      assert.deepEqual(results.map((r) => r.kind), ['answer']);
      const leg = await db.query<{ follower_position_id: string }>(`SELECT follower_position_id FROM copy_legs WHERE open_order_id = $1`, [report.orderId]);
      assert.deepEqual(leg.rows, [{ follower_position_id: 'T-1' }]);
      assert.equal((await db.query(`SELECT 1 FROM copy_journal WHERE id = $1`, [first.journal])).rows.length, 0);

      // A writer killed before its projection: the row waits for the sweep (or a start-up).
      const second = await db.tx((q) => ingestSignals(q, [submit(close!)], nowMs, { copyPendingOrders: true, journalFrom: 3 }));
      assert.equal(await projectStaleJournal(db, 60_000), 0, 'a fresh row is its writer\'s to project');
      assert.equal(await projectStaleJournal(db, 0), 1);
      const closes = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM orders WHERE run_id = (SELECT run_id FROM orders WHERE id = $1)`, [String(second.wake.get(followers[0]!)![0]!.orderId)]);
      assert.deepEqual(closes.rows, [{ n: 3 }]);
    });
  });
}
