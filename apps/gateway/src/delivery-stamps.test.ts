// Delivery stamps: an order's first delivery time is written by its execution report when that
// comes soon; an order left unreported is stamped (and marked delivered) after the delay; what
// is left at shutdown is written then. Real databases, the gateway in-process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testBackends } from '@kopitra/store/testing';
import { eaRequest, openedSignal, seedAccount, type TestCredential } from './testing/fixtures';
import { startInProcessGateway, type InProcessGateway } from './testing/in-process';

const DELAY_MS = 300;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const backend of testBackends()) {
  describe(`delivery stamps on ${backend.name}`, () => {
    let g: InProcessGateway;
    let other: TestCredential;
    let sequence = 0;

    before(async () => {
      g = await startInProcessGateway(backend, { deliveryStampDelayMs: DELAY_MS });
      other = await seedAccount(g.db, 'follower');
    });
    after(async () => g.close());

    /** A new order for the follower, fetched (delivered) now; returns its id and the delivery time. */
    async function deliverOne(): Promise<{ orderId: string; deliveredAt: number }> {
      const sent = await eaRequest(g.app, g.master, 'POST', '/trade-agent/v1/signals', openedSignal(++sequence));
      assert.equal(sent.statusCode, 202, sent.body);
      const before = Date.now();
      const res = await eaRequest(g.app, g.follower, 'GET', '/trade-agent/v1/orders');
      const orders = (res.json() as { orders: Array<{ orderId: string }> }).orders;
      assert.equal(orders.length, 1);
      return { orderId: orders[0]!.orderId, deliveredAt: before };
    }

    async function row(orderId: string): Promise<{ status: string; first_delivered_at: Date | null }> {
      const { rows } = await g.db.query<{ status: string; first_delivered_at: Date | string | null }>('SELECT status, first_delivered_at FROM orders WHERE id = $1', [orderId]);
      const r = rows[0]!;
      return { status: r.status, first_delivered_at: r.first_delivered_at === null ? null : new Date(r.first_delivered_at) };
    }

    const report = (cred: TestCredential, orderId: string) => eaRequest(g.app, cred, 'POST', '/trade-agent/v1/executions', {
      orderId, status: 'filled', executedAt: new Date().toISOString(), volume: 1, price: 1.085, followerPositionId: `F-${orderId}`,
    });

    test('a prompt report writes the delivery time, not its own arrival; nothing is written before it', async () => {
      const { orderId, deliveredAt } = await deliverOne();
      await sleep(60);
      assert.deepEqual(await row(orderId), { status: 'pending', first_delivered_at: null }, 'no statement per delivery');
      const reportedAt = Date.now();
      assert.equal((await report(g.follower, orderId)).statusCode, 202);
      const r = await row(orderId);
      assert.equal(r.status, 'filled');
      const stamped = r.first_delivered_at!.getTime();
      assert.ok(stamped >= deliveredAt - 5 && stamped < reportedAt - 40, `stamped ${stamped - deliveredAt} ms after delivery (report came ${reportedAt - deliveredAt} ms after)`);
      assert.equal(g.ctx.stamps.size, 0);
    });

    test('an order left unreported is stamped and marked delivered after the delay', async () => {
      const { orderId, deliveredAt } = await deliverOne();
      for (let i = 0; i < 100 && (await row(orderId)).status === 'pending'; i++) await sleep(20);
      const r = await row(orderId);
      assert.equal(r.status, 'delivered');
      assert.ok(Math.abs(r.first_delivered_at!.getTime() - deliveredAt) < 50, 'the delivery time, not the flush time');
      // Its report later keeps that stamp.
      assert.equal((await report(g.follower, orderId)).statusCode, 202);
      assert.equal((await row(orderId)).first_delivered_at!.getTime(), r.first_delivered_at!.getTime());
    });

    test("another account's report cannot take a follower's stamp", async () => {
      const { orderId } = await deliverOne();
      assert.equal((await report(other, orderId)).statusCode, 404);
      assert.equal(g.ctx.stamps.size, 1, 'still held for the follower');
      assert.equal((await report(g.follower, orderId)).statusCode, 202);
      assert.equal(g.ctx.stamps.size, 0);
    });

    test('stamps not yet written are written at shutdown', async () => {
      const { orderId, deliveredAt } = await deliverOne();
      assert.equal(g.ctx.stamps.size, 1);
      await g.app.close();
      const r = await row(orderId);
      assert.equal(r.status, 'delivered');
      assert.ok(Math.abs(r.first_delivered_at!.getTime() - deliveredAt) < 50);
    });
  });
}
