// Flows driven by snapshots: the stop-out guard and the reconciliation that follows a sequence gap.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Db } from '@kopitra/store';
import { testBackends } from '@kopitra/store/testing';
import { buildGatewayApp } from './app';
import { DEFAULT_GATEWAY_CONFIG } from './config';
import { eaRequest, openedSignal, seedAccount, seedSubscription, snapshotBody, testSecretBox } from './testing/fixtures';

interface Order { orderId: string; action: string; volume: number | null; masterPositionId: string; followerPositionId: string | null; tag: string }

for (const backend of testBackends()) {
  describe(`snapshot-driven flows on ${backend.name}`, () => {
    let db: Db;
    let drop: () => Promise<void>;
    let app: FastifyInstance;

    before(async () => {
      ({ db, drop } = await backend.open());
      app = await buildGatewayApp({ db, secretBox: testSecretBox, config: DEFAULT_GATEWAY_CONFIG });
    });
    after(async () => {
      await app.close();
      await drop();
    });

    const poll = async (cred: { keyId: string; secret: string }) => ((await eaRequest(app, cred, 'GET', '/trade-agent/v1/orders')).json() as { orders: Order[] }).orders;
    const fill = async (cred: { keyId: string; secret: string }, o: Order, positionId: string) => {
      const r = await eaRequest(app, cred, 'POST', '/trade-agent/v1/executions', { orderId: o.orderId, status: 'filled', executedAt: new Date().toISOString(), volume: o.volume, price: 1.085, followerPositionId: positionId });
      assert.equal(r.statusCode, 202, r.body);
    };

    test('stop-out: a follower snapshot below stopOutEquity closes every copy and pauses the subscription', async () => {
      const master = await seedAccount(db, 'master');
      const follower = await seedAccount(db, 'follower');
      const subId = await seedSubscription(db, master.accountId, follower.accountId, { stopOutEquity: 5000 });
      assert.equal((await eaRequest(app, follower, 'POST', '/trade-agent/v1/telemetry', snapshotBody({ balance: 10_000 }))).statusCode, 202);
      assert.equal((await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', openedSignal(1, { id: 'S1', volume: 1 }))).statusCode, 202);
      const [open] = await poll(follower);
      await fill(follower, open!, 'F-S1');

      const snap = await eaRequest(app, follower, 'POST', '/trade-agent/v1/telemetry', snapshotBody({ balance: 10_000, equity: 4_000, positions: [{ id: 'F-S1', symbol: 'EURUSD', side: 'buy', volume: 1, price: 1.085, comment: open!.tag }] }));
      assert.equal(snap.statusCode, 202, snap.body);
      const [close] = await poll(follower);
      assert.deepEqual([close!.action, close!.volume, close!.followerPositionId], ['close', 1, 'F-S1']);
      const sub = await db.query<{ status: string; paused_reason: string }>('SELECT status, paused_reason FROM subscriptions WHERE id = $1', [subId]);
      assert.deepEqual(sub.rows[0], { status: 'paused', paused_reason: 'stop_out' });
      const run = await db.query<{ kind: string; summary: string }>(`SELECT kind, summary FROM audit_runs WHERE account_id = $1 AND kind = 'stop_out'`, [follower.accountId]);
      assert.equal(run.rows.length, 1);

      // Paused: new opens skip, with the reason in the audit run.
      const next = await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', openedSignal(2, { id: 'S2' }));
      assert.equal((next.json() as { orders: number }).orders, 0);
      const d = await db.query<{ decisions: Array<{ reason: string }> }>(`SELECT decisions FROM audit_runs WHERE id = $1`, [(next.json() as { runId: string }).runId]);
      assert.equal(d.rows[0]!.decisions[0]!.reason, 'subscription_paused');
      // A second low snapshot does nothing more: the subscription is already paused.
      await eaRequest(app, follower, 'POST', '/trade-agent/v1/telemetry', snapshotBody({ balance: 10_000, equity: 3_900 }));
      assert.equal((await poll(follower)).length, 1, 'only the one close is pending');
    });

    test('sequence gap: accepted with gap=true, then the next master snapshot reconciles the followers', async () => {
      const master = await seedAccount(db, 'master');
      const follower = await seedAccount(db, 'follower');
      await seedSubscription(db, master.accountId, follower.accountId);
      await eaRequest(app, follower, 'POST', '/trade-agent/v1/telemetry', snapshotBody());
      await eaRequest(app, master, 'POST', '/trade-agent/v1/telemetry', snapshotBody());
      assert.equal((await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', openedSignal(1, { id: 'G1', volume: 1 }))).statusCode, 202);
      const [open] = await poll(follower);
      await fill(follower, open!, 'F-G1');
      await eaRequest(app, follower, 'POST', '/trade-agent/v1/telemetry', snapshotBody({ positions: [{ id: 'F-G1', symbol: 'EURUSD', side: 'buy', volume: 1, price: 1.085, comment: open!.tag }] }));

      // Sequence 2 (the close of G1) never arrives; sequence 3 does.
      const gap = await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', { ...openedSignal(3, { id: 'G3', volume: 0.5 }) });
      assert.equal(gap.statusCode, 202);
      assert.equal((gap.json() as { gap: boolean }).gap, true);
      const afterGap = await poll(follower);
      const openG3 = afterGap.find((o) => o.masterPositionId === 'G3')!;
      await fill(follower, openG3, 'F-G3');

      // The master's snapshot shows G1 gone: the follower's copy of it is closed.
      const snap = await eaRequest(app, master, 'POST', '/trade-agent/v1/telemetry', snapshotBody({ positions: [{ id: 'G3', symbol: 'EURUSD', side: 'buy', volume: 0.5, price: 1.085 }] }));
      assert.equal(snap.statusCode, 202, snap.body);
      const corrective = await poll(follower);
      assert.deepEqual(corrective.map((o) => [o.action, o.masterPositionId, o.volume, o.followerPositionId]), [['close', 'G1', 1, 'F-G1']]);
      const runs = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_runs WHERE account_id = $1 AND kind = 'reconcile'`, [master.accountId]);
      assert.equal(runs.rows[0]!.n, 1);
      // The gap is handled: the next snapshot plans nothing more.
      await eaRequest(app, master, 'POST', '/trade-agent/v1/telemetry', snapshotBody({ positions: [{ id: 'G3', symbol: 'EURUSD', side: 'buy', volume: 0.5, price: 1.085 }] }));
      assert.equal((await poll(follower)).length, 1);
    });
  });
}

describe('feature flags read by the gateway without a restart', () => {
  test('copy.pending_orders off: new pending orders are not copied; on again: they are', async () => {
    const backend = testBackends()[0]!;
    const { db, drop } = await backend.open();
    const app = await buildGatewayApp({ db, secretBox: testSecretBox, config: DEFAULT_GATEWAY_CONFIG });
    try {
      const master = await seedAccount(db, 'master');
      const follower = await seedAccount(db, 'follower');
      await seedSubscription(db, master.accountId, follower.accountId);
      await eaRequest(app, follower, 'POST', '/trade-agent/v1/telemetry', snapshotBody());
      const place = (sequence: number, id: string) => ({ sequence, type: 'order.placed', occurredAt: new Date().toISOString(), order: { id, symbol: 'EURUSD', kind: 'buy_limit', volume: 1, price: 1.08 } });
      const setFlag = async (enabled: boolean) => {
        await db.query(`UPDATE feature_flags SET enabled = $1 WHERE name = 'copy.pending_orders'`, [enabled]);
        await db.query(`SELECT pg_notify('kopitra_cache', 'flags:*')`);
        await new Promise((r) => setTimeout(r, 50));
      };
      await setFlag(false);
      const off = await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', place(1, 'O1'));
      assert.equal((off.json() as { orders: number }).orders, 0);
      const d = await db.query<{ decisions: Array<{ reason: string }> }>('SELECT decisions FROM audit_runs WHERE id = $1', [(off.json() as { runId: string }).runId]);
      assert.equal(d.rows[0]!.decisions[0]!.reason, 'pending_not_copied');
      await setFlag(true);
      const on = await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', place(2, 'O2'));
      assert.equal((on.json() as { orders: number }).orders, 1);
    } finally {
      await app.close();
      await drop();
    }
  });
});
