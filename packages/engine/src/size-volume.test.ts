import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sizeVolume } from './size-volume.js';
import type { SizeVolumeInput } from './size-volume.js';

const base: SizeVolumeInput = {
  sizing: { mode: 'multiplier', multiplier: 1 },
  masterVolume: 1,
  price: 1.085,
  sl: 1.08,
  master: { balance: 10_000, equity: 20_000 },
  follower: { balance: 5_000, equity: 4_000 },
  spec: { tickSize: 0.00001, tickValue: 1 },
};
const raw = (over: Partial<SizeVolumeInput>): number => {
  const r = sizeVolume({ ...base, ...over });
  assert.ok(r.ok, JSON.stringify(r));
  return r.raw;
};

describe('sizeVolume', () => {
  it('fixed: the lots, whatever the master volume', () => assert.equal(raw({ sizing: { mode: 'fixed', lots: 0.1 }, masterVolume: 3 }), 0.1));
  it('multiplier: master × multiplier', () => assert.equal(raw({ sizing: { mode: 'multiplier', multiplier: 0.5 }, masterVolume: 1 }), 0.5));
  it('balance_ratio: master × follower/master balance (× multiplier, default 1)', () => {
    assert.equal(raw({ sizing: { mode: 'balance_ratio' } }), 0.5);
    assert.equal(raw({ sizing: { mode: 'balance_ratio', multiplier: 2 } }), 1);
  });
  it('equity_ratio: master × follower/master equity (× multiplier)', () => {
    assert.equal(raw({ sizing: { mode: 'equity_ratio' } }), 0.2);
    assert.equal(raw({ sizing: { mode: 'equity_ratio', multiplier: 3 } }), 0.6000000000000001);
  });
  it('risk_percent: equity × pct ÷ loss per lot at the stop', () => {
    // 4 000 × 2% = 80; 0.005 / 0.00001 × 1 = 500 per lot → 0.16
    const r = sizeVolume({ ...base, sizing: { mode: 'risk_percent', percent: 2 } });
    assert.ok(r.ok);
    assert.ok(Math.abs(r.raw - 0.16) < 1e-12);
    assert.equal(r.inputs.riskAmount, 80);
  });
  it('risk_percent works for a sell (stop above price)', () => {
    const r = sizeVolume({ ...base, sl: 1.09, sizing: { mode: 'risk_percent', percent: 2 } });
    assert.ok(r.ok && Math.abs(r.raw - 0.16) < 1e-12);
  });
  const failing: Array<[string, Partial<SizeVolumeInput>, string]> = [
    ['balance_ratio without follower balance', { sizing: { mode: 'balance_ratio' }, follower: { balance: null, equity: 1 } }, 'account_state_unknown'],
    ['balance_ratio without master balance', { sizing: { mode: 'balance_ratio' }, master: { balance: null, equity: 1 } }, 'account_state_unknown'],
    ['balance_ratio with a zero master balance', { sizing: { mode: 'balance_ratio' }, master: { balance: 0, equity: 1 } }, 'account_state_unknown'],
    ['equity_ratio without master equity', { sizing: { mode: 'equity_ratio' }, master: { balance: 1, equity: null } }, 'account_state_unknown'],
    ['equity_ratio without follower equity', { sizing: { mode: 'equity_ratio' }, follower: { balance: 1, equity: null } }, 'account_state_unknown'],
    ['risk_percent without a stop', { sizing: { mode: 'risk_percent', percent: 1 }, sl: null }, 'no_stop_loss'],
    ['risk_percent with the stop at the price', { sizing: { mode: 'risk_percent', percent: 1 }, sl: 1.085 }, 'no_stop_loss'],
    ['risk_percent without follower equity', { sizing: { mode: 'risk_percent', percent: 1 }, follower: { balance: 1, equity: null } }, 'account_state_unknown'],
    ['risk_percent without tick value', { sizing: { mode: 'risk_percent', percent: 1 }, spec: { tickSize: 0.00001 } }, 'tick_value_unknown'],
    ['risk_percent without tick size', { sizing: { mode: 'risk_percent', percent: 1 }, spec: { tickValue: 1 } }, 'tick_value_unknown'],
  ];
  for (const [title, over, reason] of failing) {
    it(`${title} → ${reason}`, () => {
      const r = sizeVolume({ ...base, ...over });
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.reason, reason);
    });
  }
});
