// Fuzz-ish malformed input: random JSON values shaped like (and unlike) the contract's bodies, raw
// broken bytes and odd queries, all correctly signed so they reach validation. None may produce a
// 5xx; every error must be in the contract's shape.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import type { Db } from '@kopitra/store';
import { testBackends } from '@kopitra/store/testing';
import { buildGatewayApp } from './app';
import { DEFAULT_GATEWAY_CONFIG } from './config';
import { eaRequest, seedAccount, seedSubscription, testSecretBox, type TestCredential } from './testing/fixtures';

const backend = testBackends()[0]!; // PGlite: the same code path; the PostgreSQL run is covered by the other suites

function assertContractAnswer(res: { statusCode: number; body: string }, what: string) {
  assert.ok(res.statusCode < 500, `${what} → ${res.statusCode} ${res.body}`);
  if (res.statusCode >= 400) {
    const body = JSON.parse(res.body) as { error?: { code?: unknown; message?: unknown } };
    assert.equal(typeof body.error?.code, 'string', `${what}: ${res.body}`);
    assert.equal(typeof body.error?.message, 'string', `${what}: ${res.body}`);
  }
}

const anyScalar = fc.oneof(fc.string({ maxLength: 20 }), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(1e308), fc.constant(-0));
const position = fc.record({
  id: fc.oneof(fc.string({ maxLength: 70 }), fc.integer()), symbol: fc.oneof(fc.string({ maxLength: 40 }), fc.constant('EURUSD')),
  side: fc.oneof(fc.constantFrom('buy', 'sell', 'long'), anyScalar), volume: fc.oneof(fc.double({ min: -10, max: 1e7 }), anyScalar),
  price: fc.oneof(fc.double({ min: -1, max: 1e13 }), anyScalar), volumeAfter: fc.oneof(fc.double({ min: -1, max: 10 }), anyScalar),
  sl: fc.oneof(fc.double(), fc.constant(null), anyScalar), tp: fc.oneof(fc.double(), fc.constant(null)),
}, { requiredKeys: [] });
const signalLike = fc.record({
  sequence: fc.oneof(fc.integer({ min: -5, max: 1e6 }), fc.double(), anyScalar),
  type: fc.oneof(fc.constantFrom('position.opened', 'position.modified', 'position.increased', 'position.closed', 'order.placed', 'order.modified', 'order.cancelled', 'bogus'), anyScalar),
  occurredAt: fc.oneof(fc.constant(new Date().toISOString()), fc.string({ maxLength: 30 }), anyScalar),
  position: fc.oneof(position, anyScalar),
  order: fc.oneof(position, anyScalar),
}, { requiredKeys: [] });
const telemetryLike = fc.record({
  kind: fc.oneof(fc.constantFrom('heartbeat', 'snapshot', 'x'), anyScalar),
  sentAt: fc.oneof(fc.constant(new Date().toISOString()), anyScalar),
  account: fc.oneof(fc.record({ balance: anyScalar, equity: anyScalar }, { requiredKeys: [] }), anyScalar),
  positions: fc.oneof(fc.array(position, { maxLength: 3 }), anyScalar),
  symbols: fc.oneof(fc.array(fc.record({ name: anyScalar, volumeMin: anyScalar, volumeMax: anyScalar, volumeStep: anyScalar }), { maxLength: 3 }), anyScalar),
}, { requiredKeys: [] });
const executionLike = fc.record({
  orderId: fc.oneof(fc.string({ maxLength: 80 }), anyScalar), status: fc.oneof(fc.constantFrom('filled', 'rejected', 'nope'), anyScalar),
  executedAt: fc.oneof(fc.constant(new Date().toISOString()), anyScalar), volume: anyScalar, price: anyScalar,
}, { requiredKeys: [] });
const rawBytes = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constantFrom('{', '[', '{"a":', 'null', '""', '[]', '{"sequence":1e999}', '\u0000', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}'),
  fc.integer({ min: 1, max: 3000 }).map((d) => '['.repeat(d) + ']'.repeat(d)),
  fc.integer({ min: 1, max: 3000 }).map((d) => '{"a":'.repeat(d) + '1' + '}'.repeat(d)),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
);

describe(`hostile input on ${backend.name}`, () => {
  let db: Db;
  let drop: () => Promise<void>;
  let app: FastifyInstance;
  let master: TestCredential;
  let follower: TestCredential;

  before(async () => {
    ({ db, drop } = await backend.open());
    app = await buildGatewayApp({ db, secretBox: testSecretBox, config: { ...DEFAULT_GATEWAY_CONFIG, rateLimitPerSecond: 1e6, rateLimitBurst: 1e6 } });
    master = await seedAccount(db, 'master');
    follower = await seedAccount(db, 'follower');
    await seedSubscription(db, master.accountId, follower.accountId);
  });
  after(async () => {
    await app.close();
    await drop();
  });

  test('random contract-shaped bodies never produce a 5xx', async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(signalLike, telemetryLike, executionLike, async (s, t, e) => {
      n += 3;
      assertContractAnswer(await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', s), `signal ${JSON.stringify(s)}`);
      assertContractAnswer(await eaRequest(app, master, 'POST', '/trade-agent/v1/telemetry', t), `telemetry ${JSON.stringify(t)}`);
      assertContractAnswer(await eaRequest(app, follower, 'POST', '/trade-agent/v1/executions', e), `execution ${JSON.stringify(e)}`);
    }), { numRuns: 150 });
    assert.ok(n >= 450);
  });

  test('raw malformed bytes and odd queries never produce a 5xx', async () => {
    await fc.assert(fc.asyncProperty(rawBytes, fc.constantFrom('/signals', '/telemetry', '/executions'), async (raw, path) => {
      const who = path === '/executions' ? follower : master;
      assertContractAnswer(await eaRequest(app, who, 'POST', `/trade-agent/v1${path}`, undefined, { rawBody: raw }), `${path} ${JSON.stringify(raw.slice(0, 80))}`);
    }), { numRuns: 200 });
    await fc.assert(fc.asyncProperty(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), async (w, l) => {
      const path = `/trade-agent/v1/orders?wait=${encodeURIComponent(w)}&limit=${encodeURIComponent(l)}`;
      assertContractAnswer(await eaRequest(app, follower, 'GET', path), path);
    }), { numRuns: 100 });
  });

  test('odd headers are refused in the contract\'s shape', async () => {
    const cases: Array<Record<string, string>> = [
      { 'x-kopitra-timestamp': '9'.repeat(40) }, { 'x-kopitra-timestamp': '-1' }, { 'x-kopitra-key-id': 'x'.repeat(500) },
      { 'x-kopitra-signature': 'v1=' + 'g'.repeat(64) }, { 'content-type': 'application/json; charset=latin1' }, { 'idempotency-key': 'ü' },
    ];
    for (const headers of cases) {
      assertContractAnswer(await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', { sequence: 1 }, { headers }), JSON.stringify(headers));
    }
  });
});
