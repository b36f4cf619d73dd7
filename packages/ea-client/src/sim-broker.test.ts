import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RETCODE, type BrokerEvent } from './broker-types';
import { SimBroker } from './sim-broker';

function fixedClock(start = Date.UTC(2026, 10, 25, 13)) {
  let now = start;
  const clock = () => now;
  return { clock, advance: (ms: number) => { now += ms; } };
}

test('hedging: every market order is its own position with a stable id', () => {
  const b = new SimBroker({ mode: 'hedging', clock: fixedClock().clock });
  const r1 = b.marketOrder({ symbol: 'EURUSD', side: 'buy', volume: 0.1, comment: 'a' });
  const r2 = b.marketOrder({ symbol: 'EURUSD', side: 'buy', volume: 0.2, comment: 'b' });
  const r3 = b.marketOrder({ symbol: 'EURUSD', side: 'sell', volume: 0.1 });
  assert.ok(r1.ok && r2.ok && r3.ok);
  assert.equal(b.positions().length, 3);
  assert.notEqual(r1.positionId, r2.positionId);
  assert.equal(b.position(r1.positionId!)!.comment, 'a');
  assert.equal(b.position(r1.positionId!)!.price, 1.08502);
  assert.equal(b.position(r3.positionId!)!.price, 1.085);
});

test('netting: same side scales in, opposite reduces, larger opposite reverses keeping the id', () => {
  const b = new SimBroker({ mode: 'netting', clock: fixedClock().clock });
  const events: BrokerEvent[] = [];
  b.on((e) => events.push(e));
  const open = b.marketOrder({ symbol: 'EURUSD', side: 'buy', volume: 0.1 });
  const id = open.positionId!;
  b.setQuote('EURUSD', 1.086, 1.08602);
  const inc = b.marketOrder({ symbol: 'EURUSD', side: 'buy', volume: 0.2 });
  assert.equal(inc.positionId, id);
  assert.equal(b.positions().length, 1);
  assert.equal(b.position(id)!.volume, 0.3);
  assert.equal(b.position(id)!.price, Number(((1.08502 * 0.1 + 1.08602 * 0.2) / 0.3).toFixed(8)));
  const red = b.marketOrder({ symbol: 'EURUSD', side: 'sell', volume: 0.1 });
  assert.equal(red.positionId, id);
  assert.equal(b.position(id)!.volume, 0.2);
  const rev = b.marketOrder({ symbol: 'EURUSD', side: 'sell', volume: 0.5 });
  assert.equal(rev.positionId, id);
  assert.equal(b.position(id)!.side, 'sell');
  assert.equal(b.position(id)!.volume, 0.3);
  assert.equal(rev.deals[0]!.entry, 'inout');
  assert.deepEqual(events.map((e) => e.type), ['position.opened', 'position.increased', 'position.closed', 'position.closed', 'position.opened']);
  const closedByReversal = events[3] as Extract<BrokerEvent, { type: 'position.closed' }>;
  assert.equal(closedByReversal.volume, 0.2);
  assert.equal(closedByReversal.volumeAfter, 0);
});

test('partial closes are exact and realise profit into the balance; equity = balance + floating', () => {
  const b = new SimBroker({ mode: 'hedging', balance: 10_000, clock: fixedClock().clock });
  const { positionId } = b.marketOrder({ symbol: 'EURUSD', side: 'buy', volume: 0.3 });
  b.setQuote('EURUSD', 1.0860, 1.08602); // +98 points on the bid vs 1.08502 open
  const part = b.closePosition(positionId!, { volume: 0.1 });
  assert.ok(part.ok);
  assert.equal(b.position(positionId!)!.volume, 0.2);
  assert.equal(part.deals[0]!.profit, 9.8);
  assert.equal(b.account().balance, 10_009.8);
  assert.equal(b.account().floating, 19.6);
  assert.equal(b.account().equity, 10_029.4);
  const rest = b.closePosition(positionId!, { volume: 0.2 });
  assert.ok(rest.ok);
  assert.equal(rest.position, undefined);
  assert.equal(b.positions().length, 0);
  assert.equal(b.account().equity, b.account().balance);
  assert.equal(b.closePosition(positionId!).retcode, RETCODE.POSITION_CLOSED);
});

test('volumes outside min/max/step are refused with INVALID_VOLUME', () => {
  const b = new SimBroker();
  assert.equal(b.marketOrder({ symbol: 'EURUSD', side: 'buy', volume: 0.005 }).retcode, RETCODE.INVALID_VOLUME);
  assert.equal(b.marketOrder({ symbol: 'EURUSD', side: 'buy', volume: 0.015 }).retcode, RETCODE.INVALID_VOLUME);
  assert.equal(b.marketOrder({ symbol: 'EURUSD', side: 'buy', volume: 101 }).retcode, RETCODE.INVALID_VOLUME);
  const ok = b.marketOrder({ symbol: 'EURUSD', side: 'buy', volume: 0.1 + 0.2 });
  assert.ok(ok.ok);
  assert.equal(ok.volume, 0.3);
  assert.equal(b.closePosition(ok.positionId!, { volume: 0.4 }).retcode, RETCODE.INVALID_VOLUME);
  assert.equal(b.marketOrder({ symbol: 'NOPE', side: 'buy', volume: 1 }).retcode, RETCODE.INVALID);
});

test('slippage is adverse, and a worst price turns it into a requote', () => {
  const b = new SimBroker({ slippage: 0.0002 });
  const buy = b.marketOrder({ symbol: 'EURUSD', side: 'buy', volume: 0.1 });
  assert.equal(buy.price, 1.08522);
  const sell = b.marketOrder({ symbol: 'EURUSD', side: 'sell', volume: 0.1 });
  assert.equal(sell.price, 1.0848);
  const refused = b.marketOrder({ symbol: 'EURUSD', side: 'buy', volume: 0.1, worstPrice: 1.0852 });
  assert.equal(refused.retcode, RETCODE.REQUOTE);
  b.setSlippage(({ side }) => (side === 'buy' ? -0.0001 : 0)); // price improvement is fine
  assert.ok(b.marketOrder({ symbol: 'EURUSD', side: 'buy', volume: 0.1, worstPrice: 1.08502 }).ok);
});

test('pending orders: place, modify, trigger on price, fill opens a position with the order ticket as id', () => {
  const t = fixedClock();
  const b = new SimBroker({ clock: t.clock });
  const events: string[] = [];
  b.on((e) => events.push(e.type));
  const placed = b.placePending({ symbol: 'EURUSD', kind: 'buy_limit', volume: 0.2, price: 1.08, comment: 'kp:x' });
  assert.ok(placed.ok);
  const id = placed.order!.id;
  assert.equal(b.placePending({ symbol: 'EURUSD', kind: 'buy_limit', volume: 0.2, price: 1.09 }).retcode, RETCODE.INVALID_PRICE);
  assert.ok(b.modifyPending(id, { price: 1.081, sl: 1.07 }).ok);
  assert.equal(b.modifyPending(id, { price: 1.081, sl: 1.07 }).retcode, RETCODE.NO_CHANGES);
  b.setQuote('EURUSD', 1.0815, 1.08152);
  assert.equal(b.positions().length, 0);
  b.setQuote('EURUSD', 1.0808, 1.08098);
  assert.equal(b.orders().length, 0);
  const p = b.position(id)!;
  assert.equal(p.price, 1.081);
  assert.equal(p.volume, 0.2);
  assert.equal(p.sl, 1.07);
  assert.equal(b.findByComment('kp:x').deals.length, 1);
  assert.deepEqual(events, ['order.placed', 'order.modified', 'order.filled', 'position.opened']);
  const other = b.placePending({ symbol: 'EURUSD', kind: 'sell_stop', volume: 0.1, price: 1.07, expiresAt: t.clock() + 1000 });
  t.advance(1000);
  b.checkExpiries();
  assert.equal(b.order(other.order!.id), undefined);
  assert.equal(b.cancelPending(other.order!.id).retcode, RETCODE.INVALID_ORDER);
});

test('SL/TP: levels are validated, and a hit closes the position with a tagged deal', () => {
  const b = new SimBroker();
  assert.equal(b.marketOrder({ symbol: 'EURUSD', side: 'buy', volume: 0.1, sl: 1.09 }).retcode, RETCODE.INVALID_STOPS);
  const r = b.marketOrder({ symbol: 'EURUSD', side: 'buy', volume: 0.1, sl: 1.08, tp: 1.09 });
  assert.ok(b.modifyPosition(r.positionId!, { tp: null }).ok);
  assert.equal(b.position(r.positionId!)!.tp, null);
  b.setQuote('EURUSD', 1.0799, 1.07992);
  assert.equal(b.positions().length, 0);
  const out = b.deals().at(-1)!;
  assert.equal(out.reason, 'sl');
  assert.equal(out.comment, '[sl 1.08000]');
  assert.equal(out.entry, 'out');
});

test('the seeded walk is deterministic', () => {
  const a = new SimBroker({ seed: 42 });
  const c = new SimBroker({ seed: 42 });
  a.walk(50);
  c.walk(50);
  assert.deepEqual(a.quote('EURUSD'), c.quote('EURUSD'));
  const d = new SimBroker({ seed: 7 });
  d.walk(50);
  assert.notDeepEqual(a.quote('EURUSD'), d.quote('EURUSD'));
  const q = a.quote('EURUSD')!;
  assert.equal(Number((q.ask - q.bid).toFixed(5)), 0.00002);
});
