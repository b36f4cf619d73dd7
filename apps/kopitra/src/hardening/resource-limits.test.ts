// Resource limits over real HTTP on a real launcher: the per-credential rate limit (429 +
// Retry-After), the cap on concurrent long-polls per account (429 beyond it), maximum page sizes
// (admin lists ≤ 200, orders ≤ 100), and slow-body clients that do not hurt anyone else.
// (The slow client being cut off at the request timeout, and 1,000 idle long-polls against
// signal ingest, take minutes: chaos/idle-long-polls.chaos.ts.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seedAccount, type TestCredential } from '@kopitra/gateway/testing';
import { ADMIN_EMAIL, signIn, startTestPlatform } from './platform-fixture';
import { rawRequest, signedHeaders, trickle } from './raw-http';

const RPS = 20;

describe('resource limits on a real launcher', () => {
  let fx: Awaited<ReturnType<typeof startTestPlatform>>;
  let token: string;
  const ea = (cred: TestCredential, path: string, timeoutMs = 10_000) => rawRequest(fx.base, { method: 'GET', path, headers: signedHeaders(cred, 'GET', path), timeoutMs });

  before(async () => {
    fx = await startTestPlatform({ KOPITRA_EA_RATE_LIMIT_RPS: String(RPS), KOPITRA_EA_RATE_LIMIT_BURST: String(RPS), KOPITRA_MAX_LONG_POLLS_PER_ACCOUNT: '4' });
    token = await signIn(fx.base, ADMIN_EMAIL, fx.adminPassword);
  });
  after(async () => { await fx?.close(); });

  test('per-credential rate limit: 429 with Retry-After past the burst; other credentials unaffected', async () => {
    const a = await seedAccount(fx.platform.db, 'follower');
    const b = await seedAccount(fx.platform.db, 'follower');
    const t = performance.now();
    const answers = await Promise.all([...Array(RPS * 2).keys()].map(() => ea(a, '/trade-agent/v1/orders?wait=0')));
    const seconds = (performance.now() - t) / 1000;
    const limited = answers.filter((x) => x.status === 429);
    const allowed = answers.filter((x) => x.status === 200).length;
    // The bucket: the burst, plus what refilled while the requests were in flight.
    assert.ok(allowed <= RPS + Math.ceil(seconds * RPS) + 1, `${allowed} allowed in ${seconds.toFixed(2)} s`);
    assert.equal(allowed + limited.length, answers.length);
    assert.ok(limited.length >= 5, `429s: ${limited.length} of ${answers.length}`);
    for (const x of limited) {
      assert.match(String(x.headers['retry-after']), /^\d+$/);
      assert.equal((JSON.parse(x.body) as { error: { code: string } }).error.code, 'rate_limited');
    }
    assert.equal((await ea(b, '/trade-agent/v1/orders?wait=0')).status, 200, 'another credential is not limited');
    console.log(`rate limit: ${limited.length} of ${answers.length} burst requests answered 429 (Retry-After ${limited[0]?.headers['retry-after']} s) at ${RPS} rps / burst ${RPS}`);
  });

  test('at most 4 concurrent long-polls per account; the 5th is 429', async () => {
    const f = await seedAccount(fx.platform.db, 'follower');
    const polls = [...Array(4).keys()].map(() => ea(f, '/trade-agent/v1/orders?wait=3'));
    await new Promise((r) => setTimeout(r, 500));
    const fifth = await ea(f, '/trade-agent/v1/orders?wait=3');
    assert.equal(fifth.status, 429, fifth.body);
    assert.match(String(fifth.headers['retry-after']), /^\d+$/);
    assert.deepEqual((await Promise.all(polls)).map((x) => x.status), [200, 200, 200, 200]);
    assert.equal((await ea(f, '/trade-agent/v1/orders?wait=0')).status, 200, 'free again once they end');
  });

  test('maximum page sizes: orders limit ≤ 100, admin lists limit ≤ 200', async () => {
    const f = await seedAccount(fx.platform.db, 'follower');
    assert.equal((await ea(f, '/trade-agent/v1/orders?limit=100')).status, 200);
    const over = await ea(f, '/trade-agent/v1/orders?limit=101');
    assert.equal(over.status, 400);
    assert.equal((JSON.parse(over.body) as { error: { code: string } }).error.code, 'invalid_payload');
    const lists = ['/admin/v1/accounts', '/admin/v1/subscriptions', '/admin/v1/operators', '/admin/v1/audit/runs', '/admin/v1/artifacts'];
    for (const path of lists) {
      const ok = await fetch(new URL(`${path}?limit=200`, fx.base), { headers: { authorization: `Bearer ${token}` } });
      assert.equal(ok.status, 200, `${path}?limit=200: ${await ok.text()}`);
      const big = await fetch(new URL(`${path}?limit=201`, fx.base), { headers: { authorization: `Bearer ${token}` } });
      const body = (await big.json()) as { error?: { code?: string } };
      assert.equal(big.status, 400, `${path}?limit=201`);
      assert.equal(body.error?.code, 'invalid_payload', path);
    }
  });

  test('slow-body clients do not slow anyone else', async () => {
    const m = await seedAccount(fx.platform.db, 'follower');
    const slow = [...Array(50).keys()].map((i) => trickle(fx.base, i % 2 ? '/trade-agent/v1/signals' : '/admin/v1/accounts', { intervalMs: 200 }));
    await new Promise((r) => setTimeout(r, 1000));
    const t = performance.now();
    for (let i = 0; i < 10; i++) assert.equal((await ea(m, '/trade-agent/v1/orders?wait=0')).status, 200);
    const health = await fetch(new URL('/trade-agent/v1/health', fx.base));
    const ms = (performance.now() - t) / 11;
    for (const s of slow) s.stop();
    assert.equal(health.status, 200);
    console.log(`slow bodies: with 50 trickling clients, a normal request took ${ms.toFixed(1)} ms on average`);
    assert.ok(ms < 500, `${ms} ms`);
  });
});
