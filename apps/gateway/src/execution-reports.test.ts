// Execution reports that need the order's history: a first report reads none (the order was still
// pending or delivered); a later one reads the reports before it (execution-batch.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Db } from '@kopitra/store';
import { testBackends } from '@kopitra/store/testing';
import { buildGatewayApp } from './app';
import { DEFAULT_GATEWAY_CONFIG } from './config';
import { eaRequest, openedSignal, seedAccount, seedSubscription, snapshotBody, testSecretBox, type TestCredential } from './testing/fixtures';

for (const backend of testBackends()) {
  describe(`execution reports after earlier ones on ${backend.name}`, () => {
    let db: Db;
    let drop: () => Promise<void>;
    let app: FastifyInstance;
    let master: TestCredential;
    let follower: TestCredential;
    let sequence = 0;

    before(async () => {
      ({ db, drop } = await backend.open());
      app = await buildGatewayApp({ db, secretBox: testSecretBox, config: DEFAULT_GATEWAY_CONFIG });
      master = await seedAccount(db, 'master');
      follower = await seedAccount(db, 'follower');
      await seedSubscription(db, master.accountId, follower.accountId);
      assert.equal((await eaRequest(app, follower, 'POST', '/trade-agent/v1/telemetry', snapshotBody())).statusCode, 202);
    });
    after(async () => {
      await app.close();
      await drop();
    });

    /** A new master position; the follower's open order for it. */
    async function openOrder(volume: number): Promise<string> {
      sequence++;
      const r = await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', openedSignal(sequence, { id: `P${sequence}`, volume }), { idempotencyKey: `sig-${sequence}` });
      assert.equal(r.statusCode, 202, r.body);
      const { orders } = (await eaRequest(app, follower, 'GET', '/trade-agent/v1/orders')).json() as { orders: Array<{ orderId: string; masterPositionId: string }> };
      return orders.find((o) => o.masterPositionId === `P${sequence}`)!.orderId;
    }
    // The same body for the same arguments: a repeat under its key must be byte-for-byte the same request.
    const executedAt = new Date().toISOString();
    const report = (orderId: string, status: string, key: string, volume?: number) =>
      eaRequest(app, follower, 'POST', '/trade-agent/v1/executions', { orderId, status, executedAt, ...(volume === undefined ? {} : { volume, price: 1.085 }), followerPositionId: `F-${orderId}` }, { idempotencyKey: key });
    const legVolume = async (orderId: string) =>
      Number((await db.query<{ volume: string }>('SELECT volume FROM copy_legs WHERE open_order_id = $1', [orderId])).rows[0]!.volume);

    test('partly filled, then cancelled: the copy leg keeps what the partial fill opened', async () => {
      const orderId = await openOrder(1);
      assert.equal((await report(orderId, 'partially_filled', 'p1', 0.4)).statusCode, 202);
      assert.equal(await legVolume(orderId), 0.4);
      // The cancel carries no volume: what stays open comes from the partial report before it.
      assert.equal((await report(orderId, 'cancelled', 'c1')).statusCode, 202);
      assert.equal(await legVolume(orderId), 0.4);
      const { rows } = await db.query<{ status: string }>('SELECT status FROM orders WHERE id = $1', [orderId]);
      assert.equal(rows[0]!.status, 'cancelled');
    });

    test('a report repeated under its key after the order moved on replays its first answer; other content conflicts', async () => {
      const orderId = await openOrder(1);
      const first = await report(orderId, 'partially_filled', 'p2', 0.5);
      assert.equal(first.statusCode, 202);
      assert.equal((await report(orderId, 'filled', 'f2', 1)).statusCode, 202);
      const again = await report(orderId, 'partially_filled', 'p2', 0.5);
      assert.equal(again.statusCode, 202);
      assert.deepEqual(again.json(), first.json());
      assert.equal((await report(orderId, 'filled', 'f2-again', 1)).statusCode, 202, 'the same terminal content under a new key is a repeat');
      assert.equal((await report(orderId, 'rejected', 'r2')).statusCode, 409);
      assert.equal(await legVolume(orderId), 1);
      const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM executions WHERE order_id = $1', [orderId]);
      assert.equal(rows[0]!.n, 2, 'one row per accepted report, none for the repeats');
    });
  });
}
