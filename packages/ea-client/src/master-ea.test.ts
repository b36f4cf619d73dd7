import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { SignalBody, SnapshotTelemetry, type SignalAccepted } from '@kopitra/protocol';
import { EaHttpClient } from './http-client';
import { ReferenceMaster } from './master-ea';
import { readAcks } from './outbox';
import { SimBroker } from './sim-broker';
import { RecordingGateway } from './testing/recording-gateway';
import { newSecret, tempDir } from './testing/test-support';

async function setup(t: { after: (fn: () => Promise<void> | void) => void }, mode: 'hedging' | 'netting') {
  const secret = newSecret();
  const gw = await RecordingGateway.start({ credentials: { kid_m: { secret, role: 'master' } } });
  const client = new EaHttpClient({ baseUrl: gw.url, keyId: 'kid_m', secret });
  const now = Date.UTC(2026, 10, 25, 13, 0, 0, 123);
  const broker = new SimBroker({ mode, clock: () => now });
  const outboxDir = tempDir();
  const master = new ReferenceMaster({ client, broker, outboxDir, clock: () => now });
  t.after(async () => { master.dispose(); client.close(); await gw.close(); });
  return { gw, broker, master, outboxDir };
}

test('netting master: open, scale in, partial and full close, modify — one signal each, sequences 1..n, valid bodies', async (t) => {
  const { gw, master, outboxDir } = await setup(t, 'netting');
  const opened = await master.open('EURUSD', 'buy', 1.25, { sl: 1.08, tp: 1.09 });
  const id = opened.result.positionId!;
  assert.deepEqual(opened.signals, [{
    sequence: 1, type: 'position.opened', occurredAt: '2026-11-25T13:00:00.123Z',
    position: { id, symbol: 'EURUSD', side: 'buy', volume: 1.25, price: 1.08502, sl: 1.08, tp: 1.09, magic: 0, comment: '' },
  }]);
  const inc = await master.increase(id, 0.25);
  assert.deepEqual(inc.signals[0]!.type === 'position.increased' && inc.signals[0]!.position, { id, volume: 0.25, price: 1.08502, volumeAfter: 1.5, symbol: 'EURUSD', side: 'buy' });
  const mod = await master.modify(id, { sl: null });
  assert.deepEqual(mod.signals[0]!.type === 'position.modified' && mod.signals[0]!.position, { id, sl: null, tp: 1.09 });
  const part = await master.close(id, 0.5);
  assert.deepEqual(part.signals[0]!.type === 'position.closed' && part.signals[0]!.position, { id, volume: 0.5, price: 1.085, volumeAfter: 1 });
  const full = await master.close(id);
  assert.deepEqual(full.signals[0]!.type === 'position.closed' && full.signals[0]!.position, { id, volume: 1, price: 1.085, volumeAfter: 0 });

  const acks = await master.flush();
  assert.deepEqual(acks.map((a) => (a.response as SignalAccepted).sequence), [1, 2, 3, 4, 5]);
  assert.deepEqual(gw.signals.map((s) => s.signal.type), ['position.opened', 'position.increased', 'position.modified', 'position.closed', 'position.closed']);
  for (const s of gw.signals) assert.ok(Value.Check(SignalBody, s.signal), JSON.stringify(s.signal));
  assert.ok(gw.requests.every((r) => r.signatureOk));
  assert.deepEqual(readAcks(outboxDir).map((a) => a.meta?.type), ['position.opened', 'position.increased', 'position.modified', 'position.closed', 'position.closed']);
});

test('netting reversal is position.closed then position.opened with the same id', async (t) => {
  const { master } = await setup(t, 'netting');
  const { result } = await master.open('EURUSD', 'buy', 0.3);
  const rev = await master.open('EURUSD', 'sell', 0.5);
  assert.deepEqual(rev.signals.map((s) => [s.sequence, s.type]), [[2, 'position.closed'], [3, 'position.opened']]);
  const [closed, opened] = rev.signals;
  assert.ok(closed!.type === 'position.closed' && closed!.position.id === result.positionId && closed!.position.volumeAfter === 0 && closed!.position.volume === 0.3);
  assert.ok(opened!.type === 'position.opened' && opened!.position.id === result.positionId && opened!.position.side === 'sell' && opened!.position.volume === 0.2);
});

test('pending orders: placed, modified, cancelled; a fill says position.opened with the order id; SL hit says position.closed', async (t) => {
  const { gw, master } = await setup(t, 'hedging');
  const placed = await master.placePending({ symbol: 'EURUSD', kind: 'buy_limit', volume: 0.2, price: 1.08, sl: 1.07 });
  const orderId = placed.result.order!.id;
  await master.amendPending(orderId, { price: 1.081 });
  const other = await master.placePending({ symbol: 'EURUSD', kind: 'sell_stop', volume: 0.1, price: 1.07 });
  await master.cancelPending(other.result.order!.id);
  const fill = await master.setQuote('EURUSD', 1.0808, 1.08098);
  assert.deepEqual(fill.signals.map((s) => s.type), ['position.opened']);
  assert.ok(fill.signals[0]!.type === 'position.opened' && fill.signals[0]!.position.id === orderId && fill.signals[0]!.position.price === 1.081);
  const stop = await master.setQuote('EURUSD', 1.0699, 1.07);
  assert.deepEqual(stop.signals.map((s) => s.type), ['position.closed']);
  await master.flush();
  assert.deepEqual(gw.signals.map((s) => s.signal.type), ['order.placed', 'order.modified', 'order.placed', 'order.cancelled', 'position.opened', 'position.closed']);
  assert.deepEqual(gw.signals.map((s) => s.signal.sequence), [1, 2, 3, 4, 5, 6]);
  for (const s of gw.signals) assert.ok(Value.Check(SignalBody, s.signal), JSON.stringify(s.signal));
});

test('refused trades emit nothing; a hedging account cannot scale in', async (t) => {
  const { master } = await setup(t, 'hedging');
  const bad = await master.open('EURUSD', 'buy', 0.015);
  assert.equal(bad.result.ok, false);
  assert.deepEqual(bad.signals, []);
  const { result } = await master.open('EURUSD', 'buy', 0.1);
  const inc = await master.increase(result.positionId!, 0.1);
  assert.equal(inc.result.ok, false);
  assert.equal((await master.open('EURUSD', 'buy', 0.1)).signals[0]!.sequence, 2);
});

test('snapshot and heartbeat telemetry carry account, positions, orders and symbol specs', async (t) => {
  const { gw, master } = await setup(t, 'hedging');
  await master.open('EURUSD', 'sell', 0.4, { tp: 1.07 });
  await master.placePending({ symbol: 'XAUUSD', kind: 'buy_limit', volume: 0.05, price: 2600 });
  const snap = await master.snapshot();
  const beat = await master.heartbeat();
  assert.equal(snap.kind === 'response' && snap.status, 202);
  assert.equal(beat.kind === 'response' && beat.status, 202);
  const body = gw.telemetry[0]!.body as SnapshotTelemetry;
  assert.ok(Value.Check(SnapshotTelemetry, body));
  assert.equal(body.account.balance, 10_000);
  assert.equal(body.positions.length, 1);
  assert.equal(body.positions[0]!.side, 'sell');
  assert.equal(body.orders!.length, 1);
  assert.deepEqual(body.symbols!.map((s) => s.name), ['EURUSD', 'XAUUSD']);
  assert.deepEqual(gw.telemetry[1]!.body, { kind: 'heartbeat', sentAt: '2026-11-25T13:00:00.123Z', terminal: { platform: 'sim', connected: true } });
});

test('a restarted master resumes the sequence from its outbox and sends what the dead one queued', async (t) => {
  const { gw, broker, master, outboxDir, client } = await setupWithClient(t);
  await master.open('EURUSD', 'buy', 0.1);
  master.dispose(); // "crash" before flushing
  const again = new ReferenceMaster({ client, broker, outboxDir });
  t.after(() => again.dispose());
  const { signals } = await again.open('EURUSD', 'buy', 0.2);
  assert.equal(signals[0]!.sequence, 2);
  const acks = await again.flush();
  assert.deepEqual(acks.map((a) => a.sequence), [1, 2]);
  assert.deepEqual(gw.signals.map((s) => s.signal.sequence), [1, 2]);
});

async function setupWithClient(t: { after: (fn: () => Promise<void> | void) => void }) {
  const secret = newSecret();
  const gw = await RecordingGateway.start({ credentials: { kid_m: { secret, role: 'master' } } });
  const client = new EaHttpClient({ baseUrl: gw.url, keyId: 'kid_m', secret });
  const broker = new SimBroker();
  const outboxDir = tempDir();
  const master = new ReferenceMaster({ client, broker, outboxDir });
  t.after(async () => { master.dispose(); client.close(); await gw.close(); });
  return { gw, broker, master, outboxDir, client };
}
