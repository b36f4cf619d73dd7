import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { directionAllowed, followerKind, followerStops, matchesPattern, symbolAllowed } from './filters.js';

describe('symbol filters', () => {
  const cases: Array<[string, string, boolean]> = [
    ['EURUSD', 'EURUSD', true],
    ['EURUSD', 'EUR*', true],
    ['EURUSD', '*USD', true],
    ['EURUSD', '*', true],
    ['EURUSD', 'E*U*D', true],
    ['EURUSD', 'eurusd', true],
    ['EURUSD', 'GBP*', false],
    ['EURUSD', 'EURUSD.', false],
    ['EUR.USD', 'EUR.USD', true],
    ['EURXUSD', 'EUR.USD', false],
  ];
  for (const [name, pattern, expected] of cases) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${name}`, () => assert.equal(matchesPattern(name, pattern), expected));
  }
  it('empty allow allows all; deny wins over allow', () => {
    assert.equal(symbolAllowed('EURUSD', { allow: [], deny: [] }), true);
    assert.equal(symbolAllowed('EURUSD', { allow: ['EUR*'], deny: [] }), true);
    assert.equal(symbolAllowed('GBPUSD', { allow: ['EUR*'], deny: [] }), false);
    assert.equal(symbolAllowed('EURUSD', { allow: ['*'], deny: ['*USD'] }), false);
  });
});

describe('direction and reverse', () => {
  it('filters on the master side', () => {
    assert.equal(directionAllowed('buy', 'long_only'), true);
    assert.equal(directionAllowed('sell', 'long_only'), false);
    assert.equal(directionAllowed('sell', 'short_only'), true);
    assert.equal(directionAllowed('buy', 'short_only'), false);
    assert.equal(directionAllowed('sell', 'both'), true);
  });
  it('reverses pending kinds keeping the trigger price valid', () => {
    assert.equal(followerKind('buy_limit', true), 'sell_stop');
    assert.equal(followerKind('buy_stop', true), 'sell_limit');
    assert.equal(followerKind('sell_limit', true), 'buy_stop');
    assert.equal(followerKind('sell_stop', true), 'buy_limit');
    assert.equal(followerKind('sell_stop', false), 'sell_stop');
  });
  it('reverse swaps SL and TP; copySl/copyTp govern the follower fields', () => {
    assert.deepEqual(followerStops(1.08, 1.09, { reverse: true, copySl: true, copyTp: true }), { sl: 1.09, tp: 1.08, dropped: [] });
    assert.deepEqual(followerStops(1.08, 1.09, { reverse: false, copySl: false, copyTp: true }), { sl: undefined, tp: 1.09, dropped: ['sl'] });
    assert.deepEqual(followerStops(1.08, undefined, { reverse: true, copySl: true, copyTp: false }), { sl: undefined, tp: undefined, dropped: ['tp'] });
    assert.deepEqual(followerStops(null, undefined, { reverse: false, copySl: true, copyTp: true }), { sl: null, tp: undefined, dropped: [] });
  });
});
