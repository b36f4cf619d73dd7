import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { ExecutionBody, type FollowerOrder } from '@kopitra/protocol';
import { RETCODE } from './broker-types';
import { ReferenceFollower, SimulatedCrash, type ReferenceFollowerOptions } from './follower-ea';
import { EaHttpClient } from './http-client';
import { SimBroker } from './sim-broker';
import { RecordingGateway } from './testing/recording-gateway';
import { followerOrder, newSecret, tempDir } from './testing/test-support';

const NOW = Date.UTC(2026, 10, 25, 13, 0, 0, 123);

async function setup(t: { after: (fn: () => Promise<void> | void) => void }, brokerOptions: ConstructorParameters<typeof SimBroker>[0] = {}) {
  const secret = newSecret();
  const gw = await RecordingGateway.start({ credentials: { kid_f: { secret, role: 'follower' } } });
  const client = new EaHttpClient({ baseUrl: gw.url, keyId: 'kid_f', secret });
  const broker = new SimBroker({ clock: () => NOW, ...brokerOptions });
  const stateDir = tempDir();
  const followers: ReferenceFollower[] = [];
  const follower = (extra: Partial<ReferenceFollowerOptions> = {}) => {
    const f = new ReferenceFollower({ client, broker, stateDir, clock: () => NOW, ...extra });
    followers.push(f);
    return f;
  };
  const queue = (o: Partial<FollowerOrder> & Pick<FollowerOrder, 'action'>) => {
    const order = followerOrder(o, NOW);
    gw.queueOrder('kid_f', order);
    return order;
  };
  t.after(async () => { for (const f of followers) f.stop(); client.close(); await gw.close(); });
  return { gw, broker, follower, queue };
}

const open = (fields: Partial<FollowerOrder> = {}) => ({ action: 'open' as const, side: 'buy' as const, volume: 0.5, price: 1.085, maxDeviation: 0.0003, masterPositionId: 'M1', ...fields });

test('open: executes once with the tag, reports filled with the position id and MT5 retcode', async (t) => {
  const { gw, broker, follower, queue } = await setup(t);
  const order = queue(open({ sl: 1.08, tp: 1.09 }));
  const f = follower();
  const r = await f.pollOnce({ wait: 0 });
  assert.equal(r.ok, true);
  assert.equal(r.orders.length, 1);
  assert.equal(gw.requests[0]!.path, '/trade-agent/v1/orders?wait=0&limit=50');
  const positions = broker.positions();
  assert.equal(positions.length, 1);
  assert.equal(positions[0]!.comment, order.tag);
  assert.equal(positions[0]!.sl, 1.08);
  const report = gw.executions[0]!.report;
  assert.ok(Value.Check(ExecutionBody, report));
  assert.deepEqual(report, {
    orderId: order.orderId, status: 'filled', executedAt: '2026-11-25T13:00:00.123Z', volume: 0.5, price: 1.08502,
    followerPositionId: positions[0]!.id, brokerCode: '10009', message: '',
  });
  assert.equal(r.acks.length, 1);
  assert.deepEqual(gw.pendingFor('kid_f'), []);
  assert.ok(gw.requests.every((q) => q.signatureOk));
});

test('crash after execution, before the report: the same order played again executes once and reports what exists', async (t) => {
  const { gw, broker, follower, queue } = await setup(t);
  const order = queue(open());
  const crashing = follower({ crashAfterExecution: () => true });
  await assert.rejects(crashing.pollOnce(), SimulatedCrash);
  crashing.stop();
  assert.equal(broker.positions().length, 1);
  assert.equal(gw.executions.length, 0);
  assert.equal(gw.pendingFor('kid_f').length, 1); // the gateway still has it pending

  const restarted = follower();
  const r = await restarted.pollOnce();
  assert.equal(r.orders[0]!.orderId, order.orderId);
  assert.equal(broker.positions().length, 1, 'not executed a second time');
  assert.equal(broker.deals().length, 1);
  const report = gw.executions[0]!.report;
  assert.equal(report.status, 'filled');
  assert.equal(report.followerPositionId, broker.positions()[0]!.id);
  assert.equal(report.volume, 0.5);
  assert.equal(report.price, 1.08502);
  assert.match(report.message ?? '', /already executed/);
});

test('crash after the report is queued, before it is sent: the restarted EA sends the queued report and does not re-execute', async (t) => {
  const { gw, broker, follower, queue } = await setup(t);
  queue(open());
  const first = follower();
  await first.pollOnce({ flush: false });
  first.stop(); // dies before the flush
  assert.equal(first.outbox.pending().length, 1);
  assert.equal(gw.executions.length, 0);
  const restarted = follower();
  const r = await restarted.pollOnce();
  assert.equal(r.reports.length, 0, 'already queued: not executed or queued again');
  assert.equal(broker.positions().length, 1);
  assert.equal(gw.executions.length, 1);
});

test('maxDeviation: a fill worse than price ± maxDeviation is rejected with a requote, better is fine', async (t) => {
  const { gw, broker, follower, queue } = await setup(t, { slippage: 0.0004 });
  const buy = queue(open({ price: 1.085, maxDeviation: 0.0003 })); // would fill 1.08542 > 1.0853
  const sell = queue(open({ side: 'sell', price: 1.0849, maxDeviation: 0.0003 })); // would fill 1.0846 ≥ 1.0846 (at the limit)
  await follower().pollOnce();
  const byOrder = new Map(gw.executions.map((e) => [e.report.orderId, e.report]));
  assert.equal(byOrder.get(buy.orderId)!.status, 'rejected');
  assert.equal(byOrder.get(buy.orderId)!.brokerCode, String(RETCODE.REQUOTE));
  assert.equal(byOrder.get(sell.orderId)!.status, 'filled');
  assert.equal(byOrder.get(sell.orderId)!.price, 1.0846);
  assert.equal(broker.positions().length, 1);
});

test('volume re-check: rounded down to the step, capped at the max, refused below the min', async (t) => {
  const { gw, broker, follower, queue } = await setup(t, {
    symbols: [{ name: 'EURUSD', volumeMin: 0.1, volumeMax: 2, volumeStep: 0.1, contractSize: 100_000, tickSize: 0.00001, tickValue: 1, digits: 5 }],
    quotes: { EURUSD: { bid: 1.085, ask: 1.08502 } },
  });
  const a = queue(open({ volume: 0.37 }));
  const b = queue(open({ volume: 5 }));
  const c = queue(open({ volume: 0.09 }));
  const d = queue(open({ symbol: 'GBPUSD' }));
  await follower().pollOnce();
  const byOrder = new Map(gw.executions.map((e) => [e.report.orderId, e.report]));
  assert.equal(byOrder.get(a.orderId)!.volume, 0.3);
  assert.equal(byOrder.get(b.orderId)!.volume, 2);
  assert.equal(byOrder.get(c.orderId)!.status, 'rejected');
  assert.equal(byOrder.get(c.orderId)!.brokerCode, String(RETCODE.INVALID_VOLUME));
  assert.equal(byOrder.get(d.orderId)!.brokerCode, String(RETCODE.INVALID));
  assert.deepEqual(broker.positions().map((p) => p.volume).sort(), [0.3, 2]);
});

test('close: partial by followerPositionId, then the rest found by the opening tags after a restart; replay is not a second close', async (t) => {
  const { gw, broker, follower, queue } = await setup(t);
  queue(open({ volume: 0.3 }));
  await follower().pollOnce();
  const pid = broker.positions()[0]!.id;
  const partial = queue({ action: 'close', masterPositionId: 'M1', followerPositionId: pid, volume: 0.1 });
  await follower().pollOnce();
  assert.equal(broker.position(pid)!.volume, 0.2);
  const partialReport = gw.executions.find((e) => e.report.orderId === partial.orderId)!.report;
  assert.deepEqual([partialReport.status, partialReport.volume, partialReport.followerPositionId], ['filled', 0.1, pid]);

  const full = queue({ action: 'close', masterPositionId: 'M1', followerPositionId: null, volume: null });
  const crashing = follower({ crashAfterExecution: () => true });
  await assert.rejects(crashing.pollOnce(), SimulatedCrash);
  crashing.stop();
  assert.equal(broker.positions().length, 0);
  await follower().pollOnce();
  const fullReport = gw.executions.find((e) => e.report.orderId === full.orderId)!.report;
  assert.deepEqual([fullReport.status, fullReport.volume, fullReport.followerPositionId], ['filled', 0.2, pid]);
  assert.equal(broker.deals().filter((d) => d.entry === 'out').length, 2);
});

test('modify sets SL/TP on the copy; pending place, amend and cancel are carried out and linked', async (t) => {
  const { gw, broker, follower, queue } = await setup(t);
  queue(open({ masterPositionId: 'M7' }));
  await follower().pollOnce();
  const pid = broker.positions()[0]!.id;
  queue({ action: 'modify', masterPositionId: 'M7', sl: 1.08, tp: 1.1 });
  const place = queue({ action: 'place', kind: 'sell_limit', volume: 0.2, price: 1.09, masterOrderId: 'MO1' });
  await follower().pollOnce();
  assert.deepEqual([broker.position(pid)!.sl, broker.position(pid)!.tp], [1.08, 1.1]);
  const pending = broker.orders();
  assert.equal(pending.length, 1);
  assert.equal(pending[0]!.comment, place.tag);
  const placeReport = gw.executions.find((e) => e.report.orderId === place.orderId)!.report;
  assert.equal(placeReport.followerPositionId, pending[0]!.id);
  queue({ action: 'amend', masterOrderId: 'MO1', price: 1.091, sl: null, tp: null });
  await follower().pollOnce();
  assert.equal(broker.order(pending[0]!.id)!.price, 1.091);
  const cancel = queue({ action: 'cancel', masterOrderId: 'MO1' });
  await follower().pollOnce();
  assert.equal(broker.orders().length, 0);
  assert.equal(gw.executions.find((e) => e.report.orderId === cancel.orderId)!.report.status, 'filled');
  for (const e of gw.executions) assert.ok(Value.Check(ExecutionBody, e.report), JSON.stringify(e.report));
  assert.ok(gw.executions.every((e) => e.report.status === 'filled'));
});

test('an expired order is reported expired, not executed; run() keeps polling until stop()', async (t) => {
  const { gw, broker, follower, queue } = await setup(t);
  queue(open({ expiresAt: new Date(NOW - 1).toISOString() }));
  const f = follower();
  const running = f.run({ wait: 1 });
  while (gw.executions.length === 0) await new Promise((r) => setTimeout(r, 5));
  assert.equal(gw.executions[0]!.report.status, 'expired');
  assert.equal(broker.positions().length, 0);
  queue(open());
  while (gw.executions.length === 1) await new Promise((r) => setTimeout(r, 5));
  f.stop();
  await running;
  assert.equal(broker.positions().length, 1);
});
