// A first execution report of an order this gateway handed over is written by one statement that
// commits by itself (recordHandedExecutions), not a transaction that reads the order first. What it
// writes must be what the transaction writes; whatever it cannot do — the order reported or expired
// since, a close giving volume back to its leg, a key used before — the transaction does, as before.
// Real databases, the gateway in-process; its database's transactions counted, nothing replaced.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { expireOrders, type Db } from '@kopitra/store';
import { testBackends } from '@kopitra/store/testing';
import type { GatewayContext } from './gateway-context';
import { eaRequest, openedSignal, snapshotBody, type TestCredential } from './testing/fixtures';
import { startInProcessGateway, type InProcessGateway } from './testing/in-process';

interface Order { orderId: string; action: string; volume: number; masterPositionId: string }

for (const backend of testBackends()) {
  describe(`first execution reports of handed orders on ${backend.name}`, () => {
    let g: InProcessGateway;
    let db: Db;
    let app: FastifyInstance;
    let ctx: GatewayContext;
    let master: TestCredential;
    let follower: TestCredential;
    let sequence = 0;
    let transactions = 0;

    before(async () => {
      // The gateway's database with its transactions counted: the report's path shows in the count.
      g = await startInProcessGateway(backend, {}, (d) => ({ ...d, tx: (fn) => { transactions++; return d.tx(fn); } }));
      ({ db, app, ctx, master, follower } = g);
      assert.equal((await eaRequest(app, follower, 'POST', '/trade-agent/v1/telemetry', snapshotBody())).statusCode, 202);
    });
    after(async () => g.close());

    const signal = async (body: Record<string, unknown>) => {
      const r = await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', body, { idempotencyKey: `sig-${body.sequence}` });
      assert.equal(r.statusCode, 202, r.body);
    };
    /** The follower's pending orders (handed over: their delivery is stamped). */
    const poll = async () => ((await eaRequest(app, follower, 'GET', '/trade-agent/v1/orders')).json() as { orders: Order[] }).orders;
    /** A new master position and the follower's open order for it, handed over. */
    async function openOrder(volume = 1): Promise<Order> {
      const id = `P${++sequence}`;
      await signal(openedSignal(sequence, { id, volume }));
      return (await poll()).find((o) => o.masterPositionId === id)!;
    }
    const report = (orderId: string, status: string, key: string, volume?: number) => eaRequest(app, follower, 'POST', '/trade-agent/v1/executions', {
      orderId, status, executedAt: '2026-11-27T10:00:00.000Z', ...(volume === undefined ? {} : { volume, price: 1.085 }), followerPositionId: `F-${orderId}`,
    }, { idempotencyKey: key });
    /** The report's transactions: how many it opened, its answer. */
    async function counting(send: () => ReturnType<typeof report>): Promise<{ tx: number; status: number; body: string }> {
      const from = transactions;
      const r = await send();
      return { tx: transactions - from, status: r.statusCode, body: r.body };
    }
    /** What a report wrote for an order, without ids and times (two orders' rows compared). */
    async function written(orderId: string): Promise<unknown> {
      const o = await db.query<{ status: string; finished: boolean; delivered: boolean }>(
        'SELECT status, finished_at IS NOT NULL AS finished, first_delivered_at IS NOT NULL AS delivered FROM orders WHERE id = $1', [orderId]);
      const ex = await db.query<{ status: string; terminal: boolean; body: Record<string, unknown> }>('SELECT status, terminal, body FROM executions WHERE order_id = $1 ORDER BY id', [orderId]);
      const leg = await db.query<{ volume: string; follower_position_id: string | null }>('SELECT volume, follower_position_id FROM copy_legs WHERE open_order_id = $1', [orderId]);
      const keys = await db.query<{ status: number; response: Record<string, unknown> }>(
        `SELECT status, response FROM idempotency_records WHERE account_id = $1 AND response->>'orderId' = $2`, [follower.accountId, orderId]);
      const neutral = (v: unknown) => JSON.parse(JSON.stringify(v).replaceAll(orderId, '<order>')) as unknown;
      return neutral({
        order: o.rows[0], executions: ex.rows, leg: leg.rows.map((l) => ({ volume: Number(l.volume), fp: l.follower_position_id })), keys: keys.rows,
      });
    }

    test('a first report of a handed order is one statement, and writes what the transaction writes', async () => {
      const handed = await openOrder(1);
      const direct = await counting(() => report(handed.orderId, 'filled', `k-${handed.orderId}`, 1));
      assert.deepEqual([direct.status, direct.tx], [202, 0], direct.body);
      assert.deepEqual(JSON.parse(direct.body), { accepted: true, orderId: handed.orderId });

      // The same report of an order whose delivery was written meanwhile (the gateway holds nothing of it).
      const other = await openOrder(1);
      await ctx.stamps.flush(true);
      const viaTx = await counting(() => report(other.orderId, 'filled', `k-${other.orderId}`, 1));
      assert.deepEqual([viaTx.status, viaTx.tx], [202, 1], viaTx.body);
      const a = await written(handed.orderId);
      assert.deepEqual(a, await written(other.orderId));
      assert.deepEqual((a as { order: unknown }).order, { status: 'filled', finished: true, delivered: true });

      // Repeated under its key: replayed from the stored answer (by the transaction: the order is reported).
      const again = await counting(() => report(handed.orderId, 'filled', `k-${handed.orderId}`, 1));
      assert.deepEqual([again.status, JSON.parse(again.body)], [202, { accepted: true, orderId: handed.orderId }]);
      assert.equal(((await db.query('SELECT 1 FROM executions WHERE order_id = $1', [handed.orderId])).rows).length, 1);
    });

    test('a partial fill, then the rest: the first by the statement, the second by the transaction', async () => {
      const o = await openOrder(1);
      const partial = await counting(() => report(o.orderId, 'partially_filled', `p-${o.orderId}`, 0.4));
      assert.deepEqual([partial.status, partial.tx], [202, 0], partial.body);
      const rest = await counting(() => report(o.orderId, 'filled', `f-${o.orderId}`, 1));
      assert.deepEqual([rest.status, rest.tx], [202, 1], rest.body);
      const w = await written(o.orderId) as { order: { status: string }; leg: unknown[]; executions: unknown[] };
      assert.equal(w.order.status, 'filled');
      assert.deepEqual(w.leg, [{ volume: 1, fp: 'F-<order>' }]);
      assert.equal(w.executions.length, 2);
    });

    test('an order expired after it was handed over: the statement writes nothing, the transaction takes the fill', async () => {
      const o = await openOrder(1);
      await db.query(`UPDATE orders SET expires_at = now() - interval '1 second' WHERE id = $1`, [o.orderId]);
      assert.equal(await expireOrders(db, follower.accountId), 1);
      assert.equal(await legVolume(o.orderId), 0, 'the expiry gave the planned volume back');
      const r = await counting(() => report(o.orderId, 'filled', `x-${o.orderId}`, 1));
      assert.deepEqual([r.status, r.tx], [202, 1], r.body);
      const w = await written(o.orderId) as { order: { status: string }; executions: unknown[]; keys: unknown[] };
      assert.equal(w.order.status, 'filled');
      assert.equal(w.executions.length, 1, 'one execution row: the guarded statement wrote none');
      assert.equal(w.keys.length, 1);
      assert.equal(await legVolume(o.orderId), 1, 'the EA had it in hand: the leg holds what it opened');
    });

    /** An open order of `volume`, filled; the master closes the position: the close, handed over. */
    async function closeOfFilledCopy(volume: number): Promise<{ open: Order; close: Order }> {
      const open = await openOrder(volume);
      assert.equal((await report(open.orderId, 'filled', `o-${open.orderId}`, volume)).statusCode, 202);
      await signal({ sequence: ++sequence, type: 'position.closed', occurredAt: new Date().toISOString(), position: { id: open.masterPositionId, volume, price: 1.086, volumeAfter: 0 } });
      const close = (await poll()).find((c) => c.action === 'close' && c.masterPositionId === open.masterPositionId)!;
      assert.equal(await legVolume(open.orderId), 0, 'the close took the volume off the leg when planned');
      return { open, close };
    }

    test('a rejected close gives its volume back to the leg: the transaction (the leg is not known here)', async () => {
      const { open: o, close } = await closeOfFilledCopy(2);
      const r = await counting(() => report(close.orderId, 'rejected', `c-${close.orderId}`));
      assert.deepEqual([r.status, r.tx], [202, 1], r.body);
      assert.equal(await legVolume(o.orderId), 2, 'given back');
    });

    test('a filled close needs no leg: one statement', async () => {
      const { open: o, close } = await closeOfFilledCopy(1);
      const r = await counting(() => report(close.orderId, 'filled', `c-${close.orderId}`, 1));
      assert.deepEqual([r.status, r.tx], [202, 0], r.body);
      assert.equal(await legVolume(o.orderId), 0);
      const { rows } = await db.query<{ status: string }>('SELECT status FROM orders WHERE id = $1', [close.orderId]);
      assert.equal(rows[0]!.status, 'filled');
    });

    test('a key used before for another order: refused, and the order stays unreported', async () => {
      const a = await openOrder(1);
      const b = await openOrder(1);
      assert.equal((await report(a.orderId, 'filled', 'shared-key', 1)).statusCode, 202);
      const r = await report(b.orderId, 'filled', 'shared-key', 1);
      assert.equal(r.statusCode, 409, r.body);
      assert.equal((JSON.parse(r.body) as { error: { code: string } }).error.code, 'idempotency_key_reused');
      const w = await written(b.orderId) as { order: { status: string }; executions: unknown[] };
      assert.deepEqual([w.order.status, w.executions.length], ['pending', 0]);
    });

    const legVolume = async (orderId: string) =>
      Number((await db.query<{ volume: string }>('SELECT volume FROM copy_legs WHERE open_order_id = $1', [orderId])).rows[0]!.volume);
  });
}
