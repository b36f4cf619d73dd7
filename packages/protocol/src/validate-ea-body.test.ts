import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateExecution, validateSignal, validateTelemetry } from './validate-ea-body';

const opened = {
  sequence: 42, type: 'position.opened', occurredAt: '2026-11-25T13:00:00.123Z',
  position: { id: '5012345', symbol: 'EURUSD.m', side: 'buy', volume: 1.25, price: 1.08345, sl: 1.08, tp: 1.09, magic: 0, comment: '' },
};

test('accepts the contract example signal', () => {
  assert.deepEqual(validateSignal(opened), { ok: true, value: opened });
});

test('names the field of every kind of bad signal', () => {
  const cases: Array<[unknown, string]> = [
    [{ ...opened, type: 'position.teleported' }, 'type'],
    [{ ...opened, type: undefined }, 'type'],
    [{ ...opened, sequence: 0 }, 'sequence'],
    [{ ...opened, sequence: 1.5 }, 'sequence'],
    [{ ...opened, occurredAt: 'yesterday' }, 'occurredAt'],
    [{ ...opened, position: { ...opened.position, volume: -1 } }, 'position.volume'],
    [{ ...opened, position: { ...opened.position, volume: 1e308 } }, 'position.volume'],
    [{ ...opened, position: { ...opened.position, side: 'long' } }, 'position.side'],
    [{ ...opened, position: { ...opened.position, price: '1.08' } }, 'position.price'],
    [{ sequence: 1, type: 'position.closed', occurredAt: opened.occurredAt, position: { id: '1', volume: 1, price: 1 } }, 'position.volumeAfter'],
  ];
  for (const [body, field] of cases) {
    const r = validateSignal(body);
    assert.equal(r.ok, false, JSON.stringify(body));
    if (!r.ok) {
      assert.equal(r.field, field, r.message);
      assert.ok(r.message.includes(field), r.message);
    }
  }
  for (const body of [null, [], 'x', 42]) assert.equal(validateSignal(body).ok, false);
  for (const type of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    const r = validateSignal({ ...opened, type });
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.field, 'type');
    assert.equal(validateTelemetry({ kind: type, sentAt: '2026-11-25T13:00:00.000Z' }).ok, false);
  }
});

test('telemetry and executions', () => {
  assert.equal(validateTelemetry({ kind: 'heartbeat', sentAt: '2026-11-25T13:00:00.000Z' }).ok, true);
  const bad = validateTelemetry({ kind: 'snapshot', sentAt: '2026-11-25T13:00:00.000Z', account: { balance: 1 }, positions: [] });
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.equal(bad.field, 'account.equity');
  assert.equal(validateExecution({ orderId: 'o', status: 'filled', executedAt: '2026-11-25T13:00:00.000Z', volume: 0.5, price: 1.1 }).ok, true);
  const e = validateExecution({ orderId: 'o', status: 'exploded', executedAt: '2026-11-25T13:00:00.000Z' });
  assert.equal(e.ok, false);
  if (!e.ok) assert.equal(e.field, 'status');
});
