// Signing negatives: every way a request can be altered or replayed is refused, and the signature
// comparison takes the same time however much of a wrong signature matches.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildGatewayApp, DEFAULT_GATEWAY_CONFIG } from '@kopitra/gateway';
import { eaRequest, openedSignal, seedAccount, seedSubscription, testSecretBox, type TestCredential } from '@kopitra/gateway/testing';
import { signRequest, signatureMatches, type SignedParts } from '@kopitra/protocol';
import type { Db } from '@kopitra/store';
import { testBackends } from '@kopitra/store/testing';

const backend = testBackends()[0]!;
const code = (res: { body: string }) => (JSON.parse(res.body) as { error?: { code?: string } }).error?.code;

describe('signing negatives', () => {
  let db: Db;
  let drop: () => Promise<void>;
  let app: FastifyInstance;
  let master: TestCredential;
  let otherMaster: TestCredential;
  let follower: TestCredential;

  before(async () => {
    ({ db, drop } = await backend.open());
    app = await buildGatewayApp({ db, secretBox: testSecretBox, config: { ...DEFAULT_GATEWAY_CONFIG, rateLimitPerSecond: 1e6, rateLimitBurst: 1e6 } });
    master = await seedAccount(db, 'master');
    otherMaster = await seedAccount(db, 'master');
    follower = await seedAccount(db, 'follower');
    await seedSubscription(db, master.accountId, follower.accountId);
  });
  after(async () => {
    await app?.close();
    await drop?.();
  });

  test('tampered, stale, foreign, revoked and wrong-role requests are refused', async () => {
    const body = JSON.stringify(openedSignal(1, { id: 'SIGN1' }));
    const ts = Date.now();
    const sign = (o: Partial<SignedParts> & { cred?: TestCredential } = {}) => signRequest((o.cred ?? master).secret, { timestamp: String(o.timestamp ?? ts), method: 'POST', path: o.path ?? '/trade-agent/v1/signals', idempotencyKey: o.idempotencyKey ?? 'neg-1', body: o.body ?? body });
    const send = (headers: Record<string, string>, o: { path?: string; payload?: string | Buffer } = {}) => app.inject({
      method: 'POST', url: o.path ?? '/trade-agent/v1/signals', payload: o.payload ?? body,
      headers: { 'content-type': 'application/json', 'x-kopitra-key-id': master.keyId, 'x-kopitra-timestamp': String(ts), 'idempotency-key': 'neg-1', 'x-kopitra-signature': sign(), ...headers },
    });
    // Every bit of the body flipped in turn (a sample of positions): 401 each time.
    const bytes = Buffer.from(body);
    let flips = 0;
    for (let i = 0; i < bytes.length; i += 7) {
      const b = Buffer.from(bytes);
      b[i] = b[i]! ^ (1 << (i % 8));
      const res = await send({}, { payload: b });
      assert.ok(res.statusCode === 401 || (res.statusCode === 400 && code(res) === 'invalid_payload'), `bit flip at ${i}: ${res.statusCode} ${res.body}`);
      if (res.statusCode === 401) flips++;
    }
    const cases: Array<[string, Awaited<ReturnType<typeof send>>, number, string]> = [
      ['path changed', await send({}, { path: '/trade-agent/v1/telemetry' }), 401, 'unauthenticated'],
      ['query added', await send({}, { path: '/trade-agent/v1/signals?x=1' }), 401, 'unauthenticated'],
      ['idempotency key changed', await send({ 'idempotency-key': 'neg-2' }), 401, 'unauthenticated'],
      ['timestamp +301 s (signed)', await send({ 'x-kopitra-timestamp': String(ts + 301_000), 'x-kopitra-signature': sign({ timestamp: String(ts + 301_000) } as never) }), 401, 'unauthenticated'],
      ['timestamp −301 s (signed)', await send({ 'x-kopitra-timestamp': String(ts - 301_000), 'x-kopitra-signature': sign({ timestamp: String(ts - 301_000) } as never) }), 401, 'unauthenticated'],
      ["another account's key id with this secret", await send({ 'x-kopitra-key-id': otherMaster.keyId }), 401, 'unauthenticated'],
      ["another account's secret with this key id", await send({ 'x-kopitra-signature': sign({ cred: otherMaster }) }), 401, 'unauthenticated'],
      ['wrong role (follower key on /signals)', await send({ 'x-kopitra-key-id': follower.keyId, 'x-kopitra-signature': sign({ cred: follower }) }), 403, 'forbidden'],
    ];
    // Query changed on a GET: signed for ?wait=0, sent with ?wait=0&limit=1.
    const getTs = String(Date.now());
    const getSig = signRequest(follower.secret, { timestamp: getTs, method: 'GET', path: '/trade-agent/v1/orders?wait=0', idempotencyKey: '', body: '' });
    cases.push(['GET query changed', await app.inject({ method: 'GET', url: '/trade-agent/v1/orders?wait=0&limit=1', headers: { 'x-kopitra-key-id': follower.keyId, 'x-kopitra-timestamp': getTs, 'x-kopitra-signature': getSig } }), 401, 'unauthenticated']);
    cases.push(['master key on GET /orders', await eaRequest(app, master, 'GET', '/trade-agent/v1/orders'), 403, 'forbidden']);
    for (const [what, res, status, c] of cases) {
      assert.equal(res.statusCode, status, `${what}: ${res.body}`);
      assert.equal(code(res), c, what);
    }
    // ±299 s is inside the window (the control: the same request is accepted).
    const inside = await send({ 'x-kopitra-timestamp': String(ts - 299_000), 'x-kopitra-signature': sign({ timestamp: String(ts - 299_000) } as never) });
    assert.equal(inside.statusCode, 202, inside.body);

    // Revoked key: revoke, let the credential cache hear it, and the key stops working.
    const revoked = await seedAccount(db, 'master');
    assert.equal((await eaRequest(app, revoked, 'POST', '/trade-agent/v1/signals', openedSignal(1))).statusCode, 202);
    await db.query(`UPDATE ea_credentials SET revoked_at = now() - interval '1 second' WHERE key_id = $1`, [revoked.keyId]);
    await db.query(`SELECT pg_notify('kopitra_cache', $1)`, [`credential:${revoked.keyId}`]);
    let after = await eaRequest(app, revoked, 'POST', '/trade-agent/v1/signals', openedSignal(2));
    for (let i = 0; i < 50 && after.statusCode !== 401; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await eaRequest(app, revoked, 'POST', '/trade-agent/v1/signals', openedSignal(2 + i + 1));
    }
    assert.equal(after.statusCode, 401, `revoked key: ${after.body}`);
    console.log(`signing negatives: ${Math.ceil(bytes.length / 7)} body bit flips refused (${flips} × 401 signature, the rest 400 invalid JSON before the signature check), ${cases.length} altered requests refused, revoked key refused`);
  });

  test('a captured request replayed after its idempotency record expired does not double', async () => {
    const body = openedSignal(10, { id: 'REPLAY1' });
    const first = await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', body, { idempotencyKey: 'replay-1' });
    assert.equal(first.statusCode, 202, first.body);
    const again = await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', body, { idempotencyKey: 'replay-1' });
    assert.deepEqual(JSON.parse(again.body), JSON.parse(first.body), 'within the window: the first answer again');
    // The record expires (retention pruned it); the captured request comes back, freshly timed.
    const { rowCount } = await db.query('DELETE FROM idempotency_records WHERE account_id = $1 AND key = $2', [master.accountId, 'replay-1']);
    assert.equal(rowCount, 1);
    const replay = await eaRequest(app, master, 'POST', '/trade-agent/v1/signals', body, { idempotencyKey: 'replay-1' });
    assert.equal(replay.statusCode, 409, replay.body);
    assert.equal(code(replay), 'sequence_conflict');
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM signals WHERE account_id = $1 AND sequence = 10`, [master.accountId]);
    assert.equal(rows[0]!.n, 1, 'stored once');
    const { rows: o } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM orders WHERE signal_id = $1`, [(JSON.parse(first.body) as { signalId: string }).signalId]);
    assert.equal(o[0]!.n, 1, 'one follower order');
  });

  test('signature comparison is constant-time: wrong-prefix and wrong-suffix signatures take the same time', () => {
    const secret = master.secret;
    const parts: SignedParts = { timestamp: '1700000000000', method: 'POST', path: '/trade-agent/v1/signals', idempotencyKey: 'k-1', body: '{"a":1}' };
    const good = signRequest(secret, parts);
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === '0' ? '1' : '0') + s.slice(i + 1);
    const wrongPrefix = flip(good, 3); // first hex digit wrong
    const wrongSuffix = flip(good, good.length - 1); // only the last digit wrong
    // A leaky comparator (early exit), measured by the same harness: proves the harness can see a leak.
    const leaky = (a: string, b: string) => { for (let i = 0; i < a.length; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return false; return a.length === b.length; };
    const measure = (fn: (sig: string) => boolean, rounds: number, batch: number) => {
      // Interleaved batches, so drift and noise hit both sides alike; the median of per-round ratios.
      const ratios: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 === 0 ? [wrongPrefix, wrongSuffix] : [wrongSuffix, wrongPrefix];
        const t: Record<string, number> = {};
        for (const sig of order) {
          const s = process.hrtime.bigint();
          for (let i = 0; i < batch; i++) if (fn(sig)) throw new Error('a wrong signature matched');
          t[sig] = Number(process.hrtime.bigint() - s);
        }
        ratios.push(t[wrongSuffix]! / t[wrongPrefix]!);
      }
      ratios.sort((a, b) => a - b);
      return ratios[Math.floor(ratios.length / 2)]!;
    };
    assert.ok(signatureMatches(secret, parts, good));
    const real = measure((sig) => signatureMatches(secret, parts, sig), 201, 500);
    const control = measure((sig) => leaky(sig, good), 201, 20_000);
    console.log(`constant time: wrong-suffix / wrong-prefix time, median of 201 interleaved rounds: signatureMatches ${real.toFixed(3)}, early-exit control ${control.toFixed(3)}`);
    assert.ok(control > 1.5, `the harness sees the leak of an early-exit comparison (ratio ${control.toFixed(3)})`);
    assert.ok(real > 0.85 && real < 1.15, `signatureMatches: ratio ${real.toFixed(3)} (1 = no difference)`);
  });
});
