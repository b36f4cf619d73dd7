import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventPayloads, packPayloads, parseWakePayload, wakePayloads, type KopitraEvent } from './events';

const signal = (i: number): KopitraEvent => ({ kind: 'signal', runId: `run_${i}`, accountId: `acc_${i}`, type: 'position.opened', orders: i, gap: false, at: '2026-11-25T00:00:00.000Z' });

test('a batch of events travels as few NOTIFY payloads as fit, each under the 8000-byte limit, in order', () => {
  const events = Array.from({ length: 500 }, (_, i) => signal(i));
  const payloads = eventPayloads(events);
  assert.ok(payloads.length > 1 && payloads.length < 20, `${payloads.length} payloads`);
  for (const p of payloads) assert.ok(Buffer.byteLength(p) < 8000, `${Buffer.byteLength(p)} bytes`);
  assert.deepEqual(payloads.flatMap((p) => JSON.parse(p) as KopitraEvent[]), events);
});

test('no events, no notification; one event, a one-element array', () => {
  assert.deepEqual(eventPayloads([]), []);
  assert.deepEqual(eventPayloads([signal(1)]).map((p) => JSON.parse(p)), [[signal(1)]]);
});

test('follower ids to wake: comma-separated, no wrapper, every id once, each payload under the limit', () => {
  const ids = Array.from({ length: 2000 }, (_, i) => `acc_${String(i).padStart(24, '0')}`);
  const payloads = packPayloads(ids);
  for (const p of payloads) assert.ok(p.length < 8000 && !p.startsWith(',') && !p.endsWith(','));
  assert.deepEqual(payloads.flatMap((p) => p.split(',')), ids);
});

test('wake payloads name their origin when given one, and read back to it and every id, each payload under the limit', () => {
  const ids = Array.from({ length: 700 }, (_, i) => `acc_${String(i).padStart(24, '0')}`);
  const tagged = wakePayloads(ids, 'gw1');
  assert.ok(tagged.length > 1);
  for (const p of tagged) assert.ok(p.startsWith('@gw1:') && p.length < 8000, p.slice(0, 20));
  assert.deepEqual(tagged.map(parseWakePayload).map((p) => p.origin), tagged.map(() => 'gw1'));
  assert.deepEqual(tagged.flatMap((p) => parseWakePayload(p).followerAccountIds), ids);
  const plain = wakePayloads(ids);
  assert.deepEqual(plain, packPayloads(ids));
  assert.deepEqual(plain.map(parseWakePayload).map((p) => p.origin), plain.map(() => null));
  assert.deepEqual(plain.flatMap((p) => parseWakePayload(p).followerAccountIds), ids);
  assert.deepEqual(parseWakePayload(''), { origin: null, followerAccountIds: [] });
});
