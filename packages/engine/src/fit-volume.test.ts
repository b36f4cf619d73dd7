import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitVolume } from './fit-volume.js';

const eurusd = { volumeMin: 0.01, volumeMax: 100, volumeStep: 0.01 };

describe('fitVolume', () => {
  it('rounds down to the step', () => {
    const r = fitVolume({ raw: 0.075, spec: eurusd, maxLot: null, minVolume: 'skip' });
    assert.ok(r.ok);
    assert.equal(r.volume, 0.07);
    assert.equal(r.steps, 7);
    assert.deepEqual(r.notes, []);
  });
  it('clamps to maxLot and notes it', () => {
    const r = fitVolume({ raw: 5, spec: eurusd, maxLot: 2, minVolume: 'skip' });
    assert.ok(r.ok);
    assert.equal(r.volume, 2);
    assert.deepEqual(r.notes, ['clamped']);
    assert.equal(r.inputs.volumeCap, 2);
  });
  it('clamps to volumeMax when it is below maxLot', () => {
    const r = fitVolume({ raw: 500, spec: eurusd, maxLot: 200, minVolume: 'skip' });
    assert.ok(r.ok);
    assert.equal(r.volume, 100);
    assert.deepEqual(r.notes, ['clamped']);
  });
  it('clamps to a maxLot that is not on the step grid by rounding the cap down', () => {
    const r = fitVolume({ raw: 5, spec: eurusd, maxLot: 1.234, minVolume: 'skip' });
    assert.ok(r.ok);
    assert.equal(r.volume, 1.23);
  });
  it('skips below the minimum', () => {
    const r = fitVolume({ raw: 0.15, spec: { volumeMin: 0.2, volumeMax: 50, volumeStep: 0.1 }, maxLot: null, minVolume: 'skip' });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.reason, 'below_min_volume');
  });
  it('round_up uses volumeMin and notes it', () => {
    const r = fitVolume({ raw: 0.001, spec: eurusd, maxLot: null, minVolume: 'round_up' });
    assert.ok(r.ok);
    assert.equal(r.volume, 0.01);
    assert.deepEqual(r.notes, ['rounded_up_to_min']);
  });
  it('round_up never goes above the cap', () => {
    const r = fitVolume({ raw: 0.001, spec: { volumeMin: 0.1, volumeMax: 50, volumeStep: 0.01 }, maxLot: 0.05, minVolume: 'round_up' });
    assert.equal(r.ok, false);
    assert.ok(r.notes.includes('cap_below_min'));
  });
  it('a zero or negative raw volume is never rounded up', () => {
    const r = fitVolume({ raw: 0, spec: eurusd, maxLot: null, minVolume: 'round_up' });
    assert.equal(r.ok, false);
    assert.deepEqual(r.notes, ['zero_volume']);
  });
  it('reconciliation targets may ignore volumeMax', () => {
    const r = fitVolume({ raw: 150, spec: eurusd, maxLot: null, minVolume: 'skip', capByVolumeMax: false });
    assert.ok(r.ok);
    assert.equal(r.volume, 150);
  });
});
