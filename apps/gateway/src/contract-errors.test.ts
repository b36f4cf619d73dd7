import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { openPgDb, type Db } from '@kopitra/store';
import { testBackends } from '@kopitra/store/testing';
import { buildGatewayApp } from './app';
import { DEFAULT_GATEWAY_CONFIG } from './config';
import { eaRequest, openedSignal, seedAccount, seedCredential, seedSubscription, snapshotBody, testSecretBox, type TestCredential } from './testing/fixtures';

function assertError(res: { statusCode: number; json(): unknown }, status: number, code: string, messageIncludes?: string) {
  const body = res.json() as { error?: { code: string; message: string } };
  assert.equal(res.statusCode, status, JSON.stringify(body));
  assert.equal(body.error?.code, code);
  assert.equal(typeof body.error?.message, 'string');
  if (messageIncludes) assert.ok(body.error!.message.includes(messageIncludes), `${body.error!.message} should name ${messageIncludes}`);
}

for (const backend of testBackends()) {
  describe(`EA contract error table on ${backend.name}`, () => {
    let db: Db;
    let drop: () => Promise<void>;
    let app: FastifyInstance;
    let master: TestCredential;
    let follower: TestCredential;
    let other: TestCredential;

    before(async () => {
      ({ db, drop } = await backend.open());
      app = await buildGatewayApp({ db, secretBox: testSecretBox, config: { ...DEFAULT_GATEWAY_CONFIG, rateLimitPerSecond: 5, rateLimitBurst: 20 } });
      master = await seedAccount(db, 'master');
      follower = await seedAccount(db, 'follower');
      other = await seedAccount(db, 'follower');
      await seedSubscription(db, master.accountId, follower.accountId);
      const snap = await eaRequest(app, follower, 'POST', '/trade-agent/v1/telemetry', snapshotBody());
      assert.equal(snap.statusCode, 202, snap.body);
    });
    after(async () => {
      await app.close();
      await drop();
    });

    test('400 invalid_payload: not JSON, missing field, unknown type, negative volume — message names the field', async () => {
      assertError(await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', undefined, { rawBody: '{"sequence": 1,' }), 400, 'invalid_payload');
      const s = openedSignal(1);
      const { occurredAt: _o, ...noTime } = s;
      assertError(await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', noTime), 400, 'invalid_payload', 'occurredAt');
      assertError(await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', { ...s, type: 'position.exploded' }), 400, 'invalid_payload', 'type');
      assertError(await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', { ...s, position: { ...s.position, volume: -1 } }), 400, 'invalid_payload', 'position.volume');
      assertError(await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', undefined, { rawBody: '' }), 400, 'invalid_payload');
      assertError(await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', undefined, { rawBody: '{"sequence":1e999}' }), 400, 'invalid_payload');
      assertError(await eaRequest(app, follower, 'GET', '/trade-agent/v1/orders?wait=99'), 400, 'invalid_payload', 'wait');
    });

    test('400 missing_header: each required header', async () => {
      for (const [h, name] of [['x-kopitra-key-id', 'X-Kopitra-Key-Id'], ['x-kopitra-timestamp', 'X-Kopitra-Timestamp'], ['x-kopitra-signature', 'X-Kopitra-Signature'], ['idempotency-key', 'Idempotency-Key']] as const) {
        assertError(await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', openedSignal(1), { omit: [h] }), 400, 'missing_header', name);
      }
      assertError(await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', openedSignal(1), { headers: { 'idempotency-key': 'has spaces' } }), 400, 'missing_header', 'Idempotency-Key');
    });

    test('401 unauthenticated: unknown key, bad signature, stale timestamp, revoked key', async () => {
      assertError(await eaRequest(app, { keyId: 'kid_unknown', secret: master.secret }, 'POST', '/trade-agent/v1/signals', openedSignal(1)), 401, 'unauthenticated');
      assertError(await eaRequest(app, { keyId: master.keyId, secret: 'wrong-secret' }, 'POST', '/trade-agent/v1/signals', openedSignal(1)), 401, 'unauthenticated');
      assertError(await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', openedSignal(1), { timestamp: Date.now() - 301_000 }), 401, 'unauthenticated');
      assertError(await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', openedSignal(1), { timestamp: Date.now() + 301_000 }), 401, 'unauthenticated');
      const extra = await seedCredential(db, master.accountId);
      const ok = await eaRequest(app, { keyId: extra.keyId, secret: extra.secret }, 'POST', '/trade-agent/v1/telemetry', { kind: 'heartbeat', sentAt: new Date().toISOString() });
      assert.equal(ok.statusCode, 202);
      await db.tx(async (q) => {
        await q.query('UPDATE ea_credentials SET revoked_at = now() WHERE key_id = $1', [extra.keyId]);
        await q.query(`SELECT pg_notify('kopitra_cache', $1)`, [`credential:${extra.keyId}`]);
      });
      await new Promise((r) => setTimeout(r, 20));
      assertError(await eaRequest(app, { keyId: extra.keyId, secret: extra.secret }, 'POST', '/trade-agent/v1/telemetry', { kind: 'heartbeat', sentAt: new Date().toISOString() }), 401, 'unauthenticated');
    });

    test('403 forbidden: wrong role, disabled account', async () => {
      assertError(await eaRequest(app, follower, 'POST', '/trade-agent/v1/signals', openedSignal(1)), 403, 'forbidden');
      assertError(await eaRequest(app, master, 'GET', '/trade-agent/v1/orders'), 403, 'forbidden');
      assertError(await eaRequest(app, master, 'POST', '/trade-agent/v1/executions', { orderId: 'x', status: 'filled', executedAt: new Date().toISOString() }), 403, 'forbidden');
      const disabled = await seedAccount(db, 'master');
      await db.query(`UPDATE accounts SET status = 'disabled' WHERE id = $1`, [disabled.accountId]);
      assertError(await eaRequest(app, disabled, 'POST', '/trade-agent/v1/signals', openedSignal(1)), 403, 'forbidden');
    });

    test('404 not_found: an execution for another account\'s order, never revealed', async () => {
      const r = await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', openedSignal(1));
      assert.equal(r.statusCode, 202, r.body);
      const polled = await eaRequest(app, follower, 'GET', '/trade-agent/v1/orders');
      const orderId = (polled.json() as { orders: Array<{ orderId: string }> }).orders[0]!.orderId;
      assertError(await eaRequest(app, other, 'POST', '/trade-agent/v1/executions', { orderId, status: 'filled', executedAt: new Date().toISOString(), volume: 1, price: 1.085 }), 404, 'not_found');
      assertError(await eaRequest(app, other, 'POST', '/trade-agent/v1/executions', { orderId: 'ord_nonexistent', status: 'filled', executedAt: new Date().toISOString() }), 404, 'not_found');
    });

    test('409 idempotency_key_reused, sequence_conflict, execution_conflict; repeats replay the first answer', async () => {
      const first = await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', openedSignal(2), { idempotencyKey: 'sig-2' });
      assert.equal(first.statusCode, 202, first.body);
      assertError(await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', openedSignal(3), { idempotencyKey: 'sig-2' }), 409, 'idempotency_key_reused');
      assertError(await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', openedSignal(2), { idempotencyKey: 'sig-2b' }), 409, 'sequence_conflict');

      const polled = (await eaRequest(app, follower, 'GET', '/trade-agent/v1/orders')).json() as { orders: Array<{ orderId: string }> };
      const orderId = polled.orders[0]!.orderId;
      const report = { orderId, status: 'filled', executedAt: new Date().toISOString(), volume: 1, price: 1.0851, followerPositionId: '7001', brokerCode: '10009' };
      assert.equal((await eaRequest(app, follower, 'POST', '/trade-agent/v1/executions', report, { idempotencyKey: 'e1' })).statusCode, 202);
      assert.equal((await eaRequest(app, follower, 'POST', '/trade-agent/v1/executions', report, { idempotencyKey: 'e1-again' })).statusCode, 202, 'same content under a new key is a repeat');
      assertError(await eaRequest(app, follower, 'POST', '/trade-agent/v1/executions', { ...report, status: 'rejected' }, { idempotencyKey: 'e2' }), 409, 'execution_conflict');
    });

    test('same key, same body: the first answer again, and no second effect', async () => {
      const body = JSON.stringify(openedSignal(10));
      const a = await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', undefined, { idempotencyKey: 'sig-10', rawBody: body });
      const b = await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', undefined, { idempotencyKey: 'sig-10', rawBody: body });
      assert.equal(a.statusCode, 202);
      assert.equal(b.statusCode, 202);
      assert.deepEqual(b.json(), a.json());
      const n = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM signals WHERE account_id = $1 AND sequence = 10', [master.accountId]);
      assert.equal(n.rows[0]!.n, 1);
      assert.equal((a.json() as { gap: boolean }).gap, true, 'sequence 10 after 2 is a gap');
    });

    test('413 payload_too_large and 415 unsupported_media_type', async () => {
      const big = JSON.stringify({ ...openedSignal(11), pad: 'x'.repeat(70 * 1024) });
      assertError(await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', undefined, { rawBody: big }), 413, 'payload_too_large');
      assertError(await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', openedSignal(11), { contentType: 'text/plain' }), 415, 'unsupported_media_type');
      assertError(await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', openedSignal(11), { contentType: null }), 415, 'unsupported_media_type');
    });

    test('429 rate_limited with Retry-After', async () => {
      const limited = await seedAccount(db, 'master');
      let res;
      for (let i = 0; i < 40; i++) {
        res = await eaRequest(app, limited, 'POST', '/trade-agent/v1/telemetry', { kind: 'heartbeat', sentAt: new Date().toISOString() });
        if (res.statusCode === 429) break;
      }
      assertError(res!, 429, 'rate_limited');
      assert.ok(Number(res!.headers['retry-after']) >= 1);
    });

    test('429 beyond the cap of concurrent long-polls per account', async () => {
      const polls = Array.from({ length: DEFAULT_GATEWAY_CONFIG.maxLongPollsPerAccount }, () => eaRequest(app, other, 'GET', '/trade-agent/v1/orders?wait=1'));
      await new Promise((r) => setTimeout(r, 100));
      const refused = await eaRequest(app, other, 'GET', '/trade-agent/v1/orders?wait=1');
      assertError(refused, 429, 'rate_limited', 'long-polls');
      assert.equal(refused.headers['retry-after'], '1');
      for (const p of await Promise.all(polls)) assert.equal(p.statusCode, 200);
      assert.equal((await eaRequest(app, other, 'GET', '/trade-agent/v1/orders?wait=0.1')).statusCode, 200, 'the slots are free again');
    });
  });
}

describe('EA contract error table: database down', () => {
  test('503 unavailable with Retry-After, /health says down', async () => {
    const db = await openPgDb({ connectionString: 'postgres://postgres@127.0.0.1:1/none', connectTimeoutMs: 300 });
    const app = await buildGatewayApp({ db, secretBox: testSecretBox, config: DEFAULT_GATEWAY_CONFIG });
    try {
      const res = await eaRequest(app, { keyId: 'kid_x', secret: 's' }, 'POST', '/trade-agent/v1/signals', openedSignal(1));
      assertError(res, 503, 'unavailable');
      assert.equal(res.headers['retry-after'], '1');
      const health = await app.inject({ method: 'GET', url: '/trade-agent/v1/health' });
      assert.equal(health.statusCode, 503);
      assert.equal((health.json() as { status: string }).status, 'down');
    } finally {
      await app.close();
      await db.close();
    }
  });
});
