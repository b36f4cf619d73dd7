// Long-polls: woken the moment an order commits, and — when a notification is lost — by the
// gateway's periodic sweep, one query for every waiting follower.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { wakePayloads } from '@kopitra/store';
import { testBackends } from '@kopitra/store/testing';
import { eaRequest, openedSignal } from './testing/fixtures';
import { startInProcessGateway, type InProcessGateway } from './testing/in-process';

/** A pending order for the gateway's follower, written without any wake-up notification. */
async function insertUnannouncedOrder(g: InProcessGateway, name: string): Promise<void> {
  const now = new Date().toISOString();
  const expires = new Date(Date.now() + 60_000).toISOString();
  await g.db.query(
    `INSERT INTO orders (id, run_id, subscription_id, follower_account_id, action, tag, payload, created_at, expires_at)
     VALUES ($6, $7, $1, $2, 'modify', $8, $3, $4, $5)`,
    [g.subscriptionId, g.follower.accountId, JSON.stringify({ orderId: `ord_${name}`, action: 'modify', tag: `kp:${name}` }), now, expires, `ord_${name}`, `run_${name}`, `kp:${name}`],
  );
}

for (const backend of testBackends()) {
  describe(`long-polls on ${backend.name}`, () => {
    let g: InProcessGateway;

    before(async () => {
      g = await startInProcessGateway(backend, { longPollFallbackMs: 1000 });
    });
    after(async () => g.close());

    async function untilWaiting(): Promise<void> {
      for (let i = 0; i < 200 && g.ctx.hub.waitingFor(g.follower.accountId) === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(g.ctx.hub.waitingFor(g.follower.accountId), 1, 'the long-poll is waiting');
    }

    test('a commit wakes the waiting long-poll at once', async () => {
      const poll = eaRequest(g.app, g.follower, 'GET', '/trade-agent/v1/orders?wait=10');
      await untilWaiting();
      const sent = performance.now();
      await eaRequest(g.app, g.master, 'POST', '/trade-agent/v1/signals', openedSignal(1));
      const res = await poll;
      assert.equal((res.json() as { orders: unknown[] }).orders.length, 1);
      assert.ok(performance.now() - sent < 500, 'woken, not left to the 1 s sweep');
      const orderId = (res.json() as { orders: Array<{ orderId: string }> }).orders[0]!.orderId;
      await eaRequest(g.app, g.follower, 'POST', '/trade-agent/v1/executions', { orderId, status: 'filled', executedAt: new Date().toISOString(), volume: 1, price: 1.085, followerPositionId: 'F1' });
    });

    test("a woken long-poll's answer, serialised with the orders handed over, is a read's answer (same orders, same content type)", async () => {
      const poll = eaRequest(g.app, g.follower, 'GET', '/trade-agent/v1/orders?wait=10');
      await untilWaiting();
      await eaRequest(g.app, g.master, 'POST', '/trade-agent/v1/signals', openedSignal(2, { id: 'P-handed' }));
      const woken = await poll;
      const read = await eaRequest(g.app, g.follower, 'GET', '/trade-agent/v1/orders');
      assert.equal((woken.json() as { orders: unknown[] }).orders.length, 1);
      // The read's payloads come back from jsonb, keys in its order: the same JSON, not the same bytes.
      assert.deepEqual(woken.json(), read.json());
      assert.equal(woken.headers['content-type'], read.headers['content-type']);
      assert.equal(woken.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(Number(woken.headers['content-length']), Buffer.byteLength(woken.body));
      const orderId = (woken.json() as { orders: Array<{ orderId: string }> }).orders[0]!.orderId;
      await eaRequest(g.app, g.follower, 'POST', '/trade-agent/v1/executions', { orderId, status: 'filled', executedAt: new Date().toISOString(), volume: 1, price: 1.085, followerPositionId: 'F2' });
    });

    test('a lost notification: the sweep finds the order within its interval', async () => {
      const poll = eaRequest(g.app, g.follower, 'GET', '/trade-agent/v1/orders?wait=10');
      await untilWaiting();
      // An order that arrives without any wake-up (as if its NOTIFY had been lost).
      await insertUnannouncedOrder(g, 'lost');
      const sent = performance.now();
      const res = await poll;
      const took = performance.now() - sent;
      assert.deepEqual((res.json() as { orders: Array<{ orderId: string }> }).orders.map((o) => o.orderId), ['ord_lost']);
      assert.ok(took < 2500, `swept within the interval (took ${took.toFixed(0)} ms)`);
    });
  });

  describe(`wake notifications on ${backend.name}`, () => {
    let g: InProcessGateway;

    // No sweep within the test: only a notification can wake the long-poll.
    before(async () => {
      g = await startInProcessGateway(backend, { longPollFallbackMs: 60_000 });
    });
    after(async () => g.close());

    test("the gateway skips its own commits' notifications (it hands those orders over itself); another writer's wake the long-poll", async () => {
      const poll = eaRequest(g.app, g.follower, 'GET', '/trade-agent/v1/orders?wait=10');
      let answered = false;
      void poll.then(() => { answered = true; });
      for (let i = 0; i < 200 && g.ctx.hub.waitingFor(g.follower.accountId) === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(g.ctx.hub.waitingFor(g.follower.accountId), 1, 'the long-poll is waiting');
      // Its first read of the queue was sent when it registered: a read sent now ends after it, so
      // the order below is not in what the long-poll read.
      assert.deepEqual(await g.ctx.pendingOrders.get(`${g.follower.accountId}\u000050`), []);
      await insertUnannouncedOrder(g, 'quiet');
      const notify = (origin: string) => g.db.query(`SELECT pg_notify('kopitra_orders', $1)`, [wakePayloads([g.follower.accountId], origin)[0]]);
      await notify(g.ctx.hub.origin);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(answered, false, 'its own notification did not wake the long-poll');
      await notify('another-gateway');
      const res = await poll;
      assert.deepEqual((res.json() as { orders: Array<{ orderId: string }> }).orders.map((o) => o.orderId), ['ord_quiet']);
    });
  });
}
