import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDashboardCache } from './dashboard-cache';
import { RedisClient, parseReply } from './redis-client';

// The real Redis on this machine (REDIS_URL in CI); the dashboard cache is off without it.
const REDIS_URL = process.env.KOPITRA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

test('RESP replies parse whole or not at all', () => {
  assert.deepEqual(parseReply(Buffer.from('$5\r\nhello\r\n'), 0), { value: 'hello', end: 11 });
  assert.equal(parseReply(Buffer.from('$5\r\nhel'), 0), null);
  assert.deepEqual(parseReply(Buffer.from('$-1\r\n'), 0), { value: null, end: 5 });
  assert.deepEqual(parseReply(Buffer.from('*2\r\n:1\r\n+OK\r\n'), 0), { value: [1, 'OK'], end: 13 });
});

test('GET / SET EX against the real Redis, pipelined, with expiry', async () => {
  const redis = new RedisClient(REDIS_URL);
  const key = `kopitra:test:${randomBytes(4).toString('hex')}`;
  try {
    assert.equal(await redis.get(key), null);
    const value = JSON.stringify({ ünïcode: '✓', big: 'x'.repeat(100_000) });
    await redis.set(key, value, 1);
    const [a, b] = await Promise.all([redis.get(key), redis.get(key)]);
    assert.equal(a, value);
    assert.equal(b, value);
    assert.equal(await redis.command(['TTL', key]), 1);
    await new Promise((r) => setTimeout(r, 2100));
    assert.equal(await redis.get(key), null, 'expired');
  } finally {
    await redis.close();
  }
});

test('the dashboard cache serves a hit, and computes when Redis is unreachable', async () => {
  const cache = createDashboardCache(REDIS_URL);
  const key = `t-${randomBytes(4).toString('hex')}`;
  let computed = 0;
  const compute = async () => ({ n: ++computed });
  assert.deepEqual(await cache.read(key, 5, compute), { value: { n: 1 }, cached: false });
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(await cache.read(key, 5, compute), { value: { n: 1 }, cached: true });
  await cache.close();
  const down = createDashboardCache('redis://127.0.0.1:1');
  assert.deepEqual(await down.read(key, 5, compute), { value: { n: 2 }, cached: false });
  await down.close();
});
