import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EaHttpClient, isResponse } from '@kopitra/ea-client';
import { openDb, type Db } from '@kopitra/store';
import { createFreshDatabase } from '@kopitra/store/testing';
import { TEST_SECRET_KEY, openedSignal, seedAccount, seedSubscription, snapshotBody } from './testing/fixtures';
import { spawnGateway, type SpawnedGateway } from './testing/spawn-gateway';

const baseUrl = process.env.KOPITRA_TEST_DATABASE_URL;

describe('two gateway processes on one PostgreSQL', { skip: baseUrl ? false : 'KOPITRA_TEST_DATABASE_URL not set' }, () => {
  let db: Db;
  let dropDb: () => Promise<void>;
  let a: SpawnedGateway;
  let b: SpawnedGateway;

  before(async () => {
    const fresh = await createFreshDatabase(baseUrl!);
    dropDb = fresh.drop;
    db = await openDb({ databaseUrl: fresh.url });
    const env = { DATABASE_URL: fresh.url, KOPITRA_SECRET_KEY: TEST_SECRET_KEY };
    [a, b] = await Promise.all([spawnGateway(env), spawnGateway(env)]);
  });
  after(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
    await db.close();
    await dropDb();
  });

  test('an order created through one reaches a follower long-polling the other, woken by NOTIFY', async () => {
    const master = await seedAccount(db, 'master');
    const follower = await seedAccount(db, 'follower');
    await seedSubscription(db, master.accountId, follower.accountId, { sizing: { mode: 'multiplier', multiplier: 0.5 } });
    const m = new EaHttpClient({ baseUrl: a.url, keyId: master.keyId, secret: master.secret });
    const f = new EaHttpClient({ baseUrl: b.url, keyId: follower.keyId, secret: follower.secret });
    const snap = await f.post('/trade-agent/v1/telemetry', snapshotBody(), 'snap-1');
    assert.ok(isResponse(snap) && snap.status === 202, JSON.stringify(snap));

    for (let i = 1; i <= 5; i++) {
      const poll = f.get('/trade-agent/v1/orders?wait=10', { extraTimeoutMs: 10_000 });
      await new Promise((r) => setTimeout(r, 100)); // the follower is waiting on gateway B
      const sentAt = performance.now();
      const posted = await m.post('/trade-agent/v1/signals', openedSignal(i, { volume: 1 }), `sig-${i}`);
      assert.ok(isResponse(posted) && posted.status === 202, JSON.stringify(posted));
      const got = await poll;
      const latency = performance.now() - sentAt;
      assert.ok(isResponse(got) && got.status === 200);
      const orders = (got.body as { orders: Array<{ orderId: string; volume: number; action: string }> }).orders;
      assert.ok(orders.length >= 1, 'the long-poll on B returned the order');
      const order = orders[orders.length - 1]!;
      assert.equal(order.action, 'open');
      assert.equal(order.volume, 0.5);
      assert.ok(latency < 900, `woken by NOTIFY, not by the 1 s fallback (took ${latency.toFixed(1)} ms)`);
      const ex = await f.post('/trade-agent/v1/executions', { orderId: order.orderId, status: 'filled', executedAt: new Date().toISOString(), volume: 0.5, price: 1.085, followerPositionId: `F${i}` }, `ex-${i}`);
      assert.ok(isResponse(ex) && ex.status === 202);
    }
  });
});
