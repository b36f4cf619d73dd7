// A fan-out through the copy journal, seen from the followers: a long-polling follower gets its
// order when the journal row commits, one not waiting then gets it once the row is projected (not
// from the 60 s sweep), its report is accepted whether or not the row was projected yet, and a row
// a killed writer left behind is projected by the next gateway that starts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SignalBody } from '@kopitra/protocol';
import { testBackends } from '@kopitra/store/testing';
import { buildGatewayApp } from './app';
import { DEFAULT_GATEWAY_CONFIG } from './config';
import { eaRequest, openedSignal, seedAccount, seedSubscription, testSecretBox } from './testing/fixtures';
import { startInProcessGateway, type InProcessGateway } from './testing/in-process';
import { ingestSignals } from './services/ingest-signal';

type Orders = { orders: Array<{ orderId: string; volume: number }> };

for (const backend of testBackends()) {
  describe(`the copy journal on ${backend.name}`, () => {
    let g: InProcessGateway;

    // Every signal through the journal; no sweep of the long-polls within a test.
    before(async () => {
      g = await startInProcessGateway(backend, { journalFromFollowers: 1, longPollFallbackMs: 60_000 });
    });
    after(async () => g.close());

    const journalRows = async () => (await g.db.query('SELECT id FROM copy_journal')).rows.length;
    const report = (orderId: string, volume: number, position: string) =>
      eaRequest(g.app, g.follower, 'POST', '/trade-agent/v1/executions', { orderId, status: 'filled', executedAt: new Date().toISOString(), volume, price: 1.085, followerPositionId: position });

    test('a waiting follower is handed its order at the commit; its report is accepted, and the rows are projected', async () => {
      const poll = eaRequest(g.app, g.follower, 'GET', '/trade-agent/v1/orders?wait=10');
      for (let i = 0; i < 200 && g.ctx.hub.waitingFor(g.follower.accountId) === 0; i++) await new Promise((r) => setTimeout(r, 10));
      const sent = await eaRequest(g.app, g.master, 'POST', '/trade-agent/v1/signals', openedSignal(1, { id: 'J1' }));
      assert.equal(sent.statusCode, 202);
      const [order] = ((await poll).json() as Orders).orders;
      assert.ok(order, 'handed over');
      // Reported at once: found in the journal if the projector has not got there yet.
      assert.equal((await report(order.orderId, order.volume, 'T-J1')).statusCode, 202);
      await g.ctx.journal.drained();
      assert.equal(await journalRows(), 0);
      const { rows } = await g.db.query<{ status: string; fp: string }>(
        `SELECT o.status, l.follower_position_id AS fp FROM orders o JOIN copy_legs l ON l.open_order_id = o.id WHERE o.id = $1`, [order.orderId]);
      assert.deepEqual(rows, [{ status: 'filled', fp: 'T-J1' }]);
    });

    test('a follower that was not waiting gets its order once the row is projected, not from the sweep', async () => {
      assert.equal((await eaRequest(g.app, g.master, 'POST', '/trade-agent/v1/signals', openedSignal(2, { id: 'J2' }))).statusCode, 202);
      const asked = performance.now();
      const res = await eaRequest(g.app, g.follower, 'GET', '/trade-agent/v1/orders?wait=10');
      const [order] = (res.json() as Orders).orders;
      assert.ok(order, 'delivered');
      assert.ok(performance.now() - asked < 2000, 'woken by the projection');
      assert.equal((await report(order.orderId, order.volume, 'T-J2')).statusCode, 202);
    });

    test('a row a killed writer left behind is projected by the next gateway to start, and wakes the waiting follower', async () => {
      // The journal row committed by a writer that never projected it (no process of its own now).
      const body = openedSignal(3, { id: 'J3' }) as SignalBody;
      const nowMs = Date.now();
      const left = await g.db.tx((q) => ingestSignals(q, [{ accountId: g.master.accountId, idempotencyKey: 'k-J3', requestHash: 'h-J3', body, receivedAtMs: nowMs }], nowMs, { copyPendingOrders: true, journalFrom: 1 }));
      assert.ok(left.journal);
      assert.equal(await journalRows(), 1);
      const poll = eaRequest(g.app, g.follower, 'GET', '/trade-agent/v1/orders?wait=10');
      for (let i = 0; i < 200 && g.ctx.hub.waitingFor(g.follower.accountId) === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(g.ctx.hub.waitingFor(g.follower.accountId), 1, 'nothing to deliver before the projection');
      const second = await buildGatewayApp({ db: g.db, secretBox: testSecretBox, config: { ...DEFAULT_GATEWAY_CONFIG, longPollFallbackMs: 60_000 } });
      try {
        assert.equal(await journalRows(), 0, 'projected before the gateway took requests');
        const orders = ((await poll).json() as Orders).orders;
        assert.deepEqual(orders.map((o) => o.orderId), [String(left.wake.get(g.follower.accountId)![0]!.orderId)]);
      } finally {
        await second.close();
      }
    });

    test('a master with fewer subscriptions than the threshold writes its rows at once', async () => {
      const h = await startInProcessGateway(backend, { journalFromFollowers: 2 });
      try {
        assert.equal((await eaRequest(h.app, h.master, 'POST', '/trade-agent/v1/signals', openedSignal(1))).statusCode, 202);
        assert.equal((await h.db.query('SELECT 1 FROM orders')).rows.length, 1, 'written with the commit');
        const other = await seedAccount(h.db, 'follower');
        await seedSubscription(h.db, h.master.accountId, other.accountId);
        await h.db.query(`INSERT INTO account_state (account_id, balance, equity) VALUES ($1, 10000, 10000) ON CONFLICT DO NOTHING`, [other.accountId]);
        assert.equal((await eaRequest(h.app, h.master, 'POST', '/trade-agent/v1/signals', openedSignal(2, { id: 'P2' }))).statusCode, 202);
        await h.ctx.journal.drained();
        assert.equal((await h.db.query('SELECT 1 FROM orders')).rows.length, 3, 'two subscriptions: through the journal, projected');
      } finally {
        await h.close();
      }
    });
  });
}
