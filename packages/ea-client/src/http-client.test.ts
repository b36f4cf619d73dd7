import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EA_BASE_PATH } from '@kopitra/protocol';
import { EaHttpClient } from './http-client';
import { RecordingGateway } from './testing/recording-gateway';
import { newSecret } from './testing/test-support';

async function setup() {
  const secret = newSecret();
  const gw = await RecordingGateway.start({ credentials: { kid_m: { secret, role: 'master' }, kid_f: { secret, role: 'follower' } } });
  return { gw, secret };
}

test('signs a GET with a query exactly as sent; the server verifies it', async (t) => {
  const { gw, secret } = await setup();
  const client = new EaHttpClient({ baseUrl: gw.url, keyId: 'kid_f', secret });
  t.after(async () => { client.close(); await gw.close(); });
  const r = await client.get(`${EA_BASE_PATH}/orders?wait=0&limit=7`);
  assert.equal(r.kind, 'response');
  assert.equal(r.kind === 'response' && r.status, 200);
  assert.deepEqual(r.kind === 'response' && r.body, { orders: [] });
  const seen = gw.requests[0]!;
  assert.equal(seen.path, '/trade-agent/v1/orders?wait=0&limit=7');
  assert.ok(seen.signatureOk);
  assert.equal(seen.headers['idempotency-key'], undefined);
  assert.match(String(seen.headers['x-kopitra-timestamp']), /^\d{13}$/);
});

test('signs a POST over the exact bytes (non-ASCII, key order kept) with Idempotency-Key and JSON content type', async (t) => {
  const { gw, secret } = await setup();
  const client = new EaHttpClient({ baseUrl: gw.url, keyId: 'kid_m', secret });
  t.after(async () => { client.close(); await gw.close(); });
  const body = '{"kind":"heartbeat","sentAt":"2026-11-25T13:00:00.123Z","note":"Zürich ✓"}';
  const r = await client.post(`${EA_BASE_PATH}/telemetry`, body, 'tm.1');
  assert.equal(r.kind === 'response' && r.status, 202);
  const seen = gw.requests[0]!;
  assert.ok(seen.signatureOk);
  assert.equal(seen.body, body);
  assert.equal(seen.headers['idempotency-key'], 'tm.1');
  assert.equal(seen.headers['content-type'], 'application/json');
});

test('a wrong secret or a skewed clock is refused by the verifying server', async (t) => {
  const { gw } = await setup();
  const bad = new EaHttpClient({ baseUrl: gw.url, keyId: 'kid_f', secret: newSecret() });
  const skewed = new EaHttpClient({ baseUrl: gw.url, keyId: 'kid_f', secret: newSecret(), clock: () => Date.now() - 301_000 });
  t.after(async () => { bad.close(); skewed.close(); await gw.close(); });
  const r = await bad.get(`${EA_BASE_PATH}/orders`);
  assert.equal(r.kind === 'response' && r.status, 401);
  assert.equal(gw.requests[0]!.signatureOk, false);
  const s = await skewed.get(`${EA_BASE_PATH}/orders`);
  assert.equal(s.kind === 'response' && s.status, 401);
});

test('keeps connections alive across requests', async (t) => {
  const { gw, secret } = await setup();
  const client = new EaHttpClient({ baseUrl: gw.url, keyId: 'kid_f', secret });
  t.after(async () => { client.close(); await gw.close(); });
  for (let i = 0; i < 5; i++) await client.get(`${EA_BASE_PATH}/orders`);
  assert.equal(new Set(gw.requests.map((r) => r.remotePort)).size, 1);
});

test('network failures come back as values: refused, dropped, timed out, aborted', async (t) => {
  const { gw, secret } = await setup();
  const client = new EaHttpClient({ baseUrl: gw.url, keyId: 'kid_f', secret, timeoutMs: 200 });
  t.after(async () => { client.close(); });
  gw.failNext({ method: 'GET' }, { drop: 'before' });
  const dropped = await client.get(`${EA_BASE_PATH}/orders`);
  assert.equal(dropped.kind, 'network_error');
  const timedOut = await client.get(`${EA_BASE_PATH}/orders?wait=1`);
  assert.deepEqual(timedOut.kind === 'network_error' && timedOut.code, 'timeout');
  const ac = new AbortController();
  const pending = client.get(`${EA_BASE_PATH}/orders?wait=1`, { signal: ac.signal, extraTimeoutMs: 5_000 });
  ac.abort();
  const aborted = await pending;
  assert.equal(aborted.kind === 'network_error' && aborted.code, 'aborted');
  await gw.close();
  const refused = await client.get(`${EA_BASE_PATH}/orders`);
  assert.equal(refused.kind === 'network_error' && refused.code, 'ECONNREFUSED');
});
