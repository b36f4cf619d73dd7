import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EA_BASE_PATH, type SignalBody } from '@kopitra/protocol';
import { EaHttpClient } from './http-client';
import { Outbox, readAcks } from './outbox';
import { RecordingGateway } from './testing/recording-gateway';
import { newSecret, recordingSleep, tempDir } from './testing/test-support';

const SIGNALS = `${EA_BASE_PATH}/signals`;

function signal(id: string) {
  return (sequence: number) => ({
    sequence, type: 'position.opened', occurredAt: '2026-11-25T13:00:00.123Z',
    position: { id, symbol: 'EURUSD', side: 'buy', volume: 0.1, price: 1.085 },
  });
}

async function setup(t: { after: (fn: () => Promise<void> | void) => void }) {
  const secret = newSecret();
  const gw = await RecordingGateway.start({ credentials: { kid_m: { secret, role: 'master' } } });
  const client = new EaHttpClient({ baseUrl: gw.url, keyId: 'kid_m', secret, timeoutMs: 2_000 });
  const dir = tempDir();
  t.after(async () => { client.close(); await gw.close(); });
  return { gw, client, dir };
}

const posted = (gw: RecordingGateway) => gw.requests.filter((r) => r.method === 'POST');
const seqOf = (body: string) => (JSON.parse(body) as SignalBody).sequence;

test('sequences start at 1, persist before sending, and deliver in order with their acknowledgements', async (t) => {
  const { gw, client, dir } = await setup(t);
  const outbox = new Outbox({ dir, client });
  const m1 = await outbox.enqueue(SIGNALS, signal('1'));
  const m2 = await outbox.enqueue(SIGNALS, signal('2'));
  assert.deepEqual([m1.sequence, m2.sequence], [1, 2]);
  assert.equal(readdirSync(dir).filter((f) => f.startsWith('msg-')).length, 2);
  assert.equal(gw.requests.length, 0);
  const acks = await outbox.flush();
  assert.deepEqual(acks.map((a) => a.sequence), [1, 2]);
  assert.deepEqual(acks.map((a) => (a.response as { sequence: number }).sequence), [1, 2]);
  assert.ok(typeof (acks[0]!.response as { signalId: string }).signalId === 'string');
  assert.deepEqual(gw.signals.map((s) => s.signal.sequence), [1, 2]);
  assert.ok(posted(gw).every((r) => r.signatureOk));
  assert.equal(outbox.pending().length, 0);
  assert.equal(readdirSync(dir).filter((f) => f.startsWith('msg-')).length, 0);
  assert.deepEqual(readAcks(dir).map((a) => a.idempotencyKey), [m1.idempotencyKey, m2.idempotencyKey]);
});

test('500, 503, a dropped connection and 409 request_in_progress are retried with the same key, bytes and sequence, in order', async (t) => {
  const { gw, client, dir } = await setup(t);
  const { sleep, delays } = recordingSleep();
  const outbox = new Outbox({ dir, client, sleep, random: () => 0.5 });
  await outbox.enqueue(SIGNALS, signal('1'));
  await outbox.enqueue(SIGNALS, signal('2'));
  gw.failNext({ pathPrefix: SIGNALS }, { status: 500 }, { status: 503 }, { drop: 'before' },
    { status: 409, body: { error: { code: 'request_in_progress', message: 'busy' } } });
  const acks = await outbox.flush();
  assert.deepEqual(acks.map((a) => a.sequence), [1, 2]);
  const tries = posted(gw);
  assert.equal(tries.length, 6);
  assert.ok(tries.every((r) => r.signatureOk));
  const first = tries.slice(0, 5);
  assert.equal(new Set(first.map((r) => r.idempotencyKey)).size, 1);
  assert.equal(new Set(first.map((r) => r.body)).size, 1);
  assert.deepEqual(tries.map((r) => seqOf(r.body)), [1, 1, 1, 1, 1, 2]);
  // equal jitter with random 0.5: 0.75 × 250·2^n
  assert.deepEqual(delays, [188, 375, 750, 1500]);
});

test('429 with Retry-After is honoured exactly', async (t) => {
  const { gw, client, dir } = await setup(t);
  const { sleep, delays } = recordingSleep();
  const outbox = new Outbox({ dir, client, sleep });
  await outbox.enqueue(SIGNALS, signal('1'));
  gw.failNext({ pathPrefix: SIGNALS }, { status: 429, retryAfter: '3' }, { status: 503, retryAfter: '1' });
  await outbox.flush();
  assert.deepEqual(delays, [3000, 1000]);
  assert.equal(gw.signals.length, 1);
});

test('a definitive 400 goes to the dead-letter file with the answer; the rest keeps its order', async (t) => {
  const { gw, client, dir } = await setup(t);
  const dead: unknown[] = [];
  const outbox = new Outbox({ dir, client, onDeadLetter: (d) => dead.push(d) });
  await outbox.enqueue(SIGNALS, signal('1'));
  await outbox.enqueue(SIGNALS, signal('2'));
  await outbox.enqueue(SIGNALS, signal('3'));
  gw.failNext({ pathPrefix: SIGNALS }, { status: 200, body: { any: '2xx acknowledges' } });
  gw.failNext({ pathPrefix: SIGNALS }, { status: 400, body: { error: { code: 'invalid_payload', message: 'position.volume' } } });
  const acks = await outbox.flush();
  assert.deepEqual(acks.map((a) => a.sequence), [1, 3]);
  assert.deepEqual(acks[0]!.response, { any: '2xx acknowledges' });
  const letters = outbox.readDeadLetters();
  assert.equal(letters.length, 1);
  assert.equal(letters[0]!.message.sequence, 2);
  assert.equal(letters[0]!.status, 400);
  assert.deepEqual(letters[0]!.response, { error: { code: 'invalid_payload', message: 'position.volume' } });
  assert.equal(dead.length, 1);
  assert.deepEqual(posted(gw).map((r) => seqOf(r.body)), [1, 2, 3]);
});

test('it never gives up: after many failures it keeps waiting at the capped delay', async (t) => {
  const { gw, client, dir } = await setup(t);
  const { sleep, delays } = recordingSleep();
  const outbox = new Outbox({ dir, client, sleep, random: () => 1, backoff: { baseMs: 100, maxMs: 1_000 } });
  await outbox.enqueue(SIGNALS, signal('1'));
  gw.failNext({ pathPrefix: SIGNALS }, ...Array.from({ length: 12 }, () => ({ status: 503 })));
  const acks = await outbox.flush();
  assert.equal(acks.length, 1);
  assert.equal(delays.length, 12);
  assert.deepEqual(delays.slice(-3), [1000, 1000, 1000]);
});

test('restart mid-flush: a new Outbox on the same dir resends with the same key, no loss, no duplicate sequence', async (t) => {
  const { gw, client, dir } = await setup(t);
  let crash: () => void = () => undefined;
  const a = new Outbox({ dir, client, sleep: async () => crash() });
  crash = () => a.close();
  const keys = [(await a.enqueue(SIGNALS, signal('1'))).idempotencyKey];
  await a.flush();
  for (const id of ['2', '3']) keys.push((await a.enqueue(SIGNALS, signal(id))).idempotencyKey);
  // #2 takes effect at the gateway but the answer is lost; the process "dies" in the backoff.
  gw.failNext({ pathPrefix: SIGNALS }, { drop: 'after' });
  const firstRun = await a.flush();
  assert.deepEqual(firstRun, []);
  assert.equal(a.closed, true);

  const b = new Outbox({ dir, client });
  assert.deepEqual(b.pending().map((m) => [m.sequence, m.idempotencyKey]), [[2, keys[1]], [3, keys[2]]]);
  assert.equal(b.lastSequence, 3);
  const secondRun = await b.flush();
  assert.deepEqual(secondRun.map((x) => x.sequence), [2, 3]);
  assert.equal((await b.enqueue(SIGNALS, signal('4'))).sequence, 4);
  await b.flush();
  // The gateway accepted #2 once (the resend was an idempotent repeat) and never saw a duplicate sequence.
  assert.deepEqual(gw.signals.map((s) => s.signal.sequence), [1, 2, 3, 4]);
  const tries2 = posted(gw).filter((r) => seqOf(r.body) === 2);
  assert.equal(tries2.length, 2);
  assert.ok(tries2.every((r) => r.idempotencyKey === keys[1]));
  assert.deepEqual(readAcks(dir).map((x) => x.sequence), [1, 2, 3, 4]);
});

test('a torn temp file and a crash between message and state writes are both survived', async (t) => {
  const { client, dir } = await setup(t);
  const a = new Outbox({ dir, client });
  await a.enqueue(SIGNALS, signal('1'));
  writeFileSync(join(dir, 'msg-0000000000000002.json.deadbeef.tmp'), '{"sequence":2,"idem');
  // state.json says 0, as if the process died right after writing message 1's file.
  writeFileSync(join(dir, 'state.json'), '{"lastSequence":0}');
  const b = new Outbox({ dir, client });
  assert.deepEqual(b.pending().map((m) => m.sequence), [1]);
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.tmp')).length, 0);
  assert.equal((await b.enqueue(SIGNALS, signal('2'))).sequence, 2);
});

test('concurrent enqueues get distinct, gap-free sequences', async (t) => {
  const { client, dir } = await setup(t);
  const outbox = new Outbox({ dir, client, fsync: false });
  const messages = await Promise.all(Array.from({ length: 20 }, (_, i) => outbox.enqueue(SIGNALS, signal(String(i)))));
  assert.deepEqual(messages.map((m) => m.sequence), Array.from({ length: 20 }, (_, i) => i + 1));
  assert.equal(new Set(messages.map((m) => m.idempotencyKey)).size, 20);
});
