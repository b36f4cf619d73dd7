import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalSymbol, resolveSymbol } from './map-symbol.js';
import type { ResolveSymbolInput } from './map-symbol.js';
import { spec } from './test-fixtures.js';

const names = (...n: string[]) => n.map((x) => spec(x));
const input = (over: Partial<ResolveSymbolInput>): ResolveSymbolInput => ({
  symbol: 'EURUSD',
  symbolMap: {},
  master: { symbolPrefix: '', symbolSuffix: '' },
  follower: { symbolPrefix: '', symbolSuffix: '', symbols: names('EURUSD', 'GBPUSD') },
  ...over,
});

describe('resolveSymbol', () => {
  it('explicit symbolMap wins over everything (keyed by the master symbol as sent)', () => {
    const r = resolveSymbol(input({ symbol: 'XAUUSD.m', symbolMap: { 'XAUUSD.m': 'GOLD' }, follower: { symbolPrefix: '', symbolSuffix: '', symbols: names('GOLD', 'XAUUSD') } }));
    assert.equal(r.symbol, 'GOLD');
    assert.equal(r.via, 'symbol_map');
    assert.equal(r.mappedNotReported, false);
  });
  it('symbolMap may be keyed by the canonical name', () => {
    const r = resolveSymbol(input({ symbol: 'XAUUSD.m', symbolMap: { XAUUSD: 'GOLD' }, master: { symbolPrefix: '', symbolSuffix: '.m' } }));
    assert.equal(r.symbol, 'GOLD');
    assert.equal(r.mappedNotReported, true);
  });
  it('affixes: strips the master suffix and adds the follower prefix/suffix', () => {
    const r = resolveSymbol(
      input({
        symbol: 'EURUSD.m',
        master: { symbolPrefix: '', symbolSuffix: '.m' },
        follower: { symbolPrefix: 'x', symbolSuffix: '-pro', symbols: names('xEURUSD-pro', 'EURUSD') },
      }),
    );
    assert.deepEqual([r.symbol, r.via, r.canonical], ['xEURUSD-pro', 'affixes', 'EURUSD']);
  });
  it('affixes are used as is while the follower never reported symbols', () => {
    const r = resolveSymbol(input({ symbol: 'EURUSD.m', master: { symbolPrefix: '', symbolSuffix: '.m' }, follower: { symbolPrefix: '', symbolSuffix: '', symbols: null } }));
    assert.deepEqual([r.symbol, r.via], ['EURUSD', 'affixes']);
  });
  it('an exact name match on a follower without affixes', () => {
    assert.equal(resolveSymbol(input({})).symbol, 'EURUSD');
  });
  for (const follower of ['EURUSD.pro', 'EURUSDm', 'EURUSD_i', 'EURUSD#', 'EURUSD.ecn1']) {
    it(`automatic: EURUSD → ${follower} (1–5 char suffix not starting upper-case)`, () => {
      const r = resolveSymbol(input({ follower: { symbolPrefix: '', symbolSuffix: '', symbols: names(follower, 'GBPUSD') } }));
      assert.deepEqual([r.symbol, r.via], [follower, 'automatic']);
    });
  }
  for (const follower of ['EURUSDX', 'EURUSD.ecnpro', 'XEURUSD', 'EURUS']) {
    it(`automatic: EURUSD ↛ ${follower}`, () => {
      const r = resolveSymbol(input({ follower: { symbolPrefix: '', symbolSuffix: '', symbols: names(follower) } }));
      assert.equal(r.symbol, null);
      assert.equal(r.failure, 'no_match');
    });
  }
  it('automatic: more than one candidate is ambiguous → null', () => {
    const r = resolveSymbol(input({ follower: { symbolPrefix: '', symbolSuffix: '', symbols: names('EURUSD.pro', 'EURUSDm') } }));
    assert.equal(r.symbol, null);
    assert.equal(r.failure, 'ambiguous');
    assert.deepEqual(r.candidates, ['EURUSD.pro', 'EURUSDm']);
  });
  it('automatic with configured follower affixes: strips them from reported names', () => {
    // Configured suffix ".r" but the broker lists "EURUSD.r" only under a prefix: "fx.EURUSD.r" ≠ ".EURUSD.r".
    const r = resolveSymbol(input({ follower: { symbolPrefix: 'fx.', symbolSuffix: '', symbols: names('fx.EURUSD', 'GBPUSD') } }));
    assert.deepEqual([r.symbol, r.via], ['fx.EURUSD', 'affixes']);
    const r2 = resolveSymbol(input({ follower: { symbolPrefix: '', symbolSuffix: '.r', symbols: names('EURUSD', 'EURUSD.pro') } }));
    // affixed "EURUSD.r" is not listed; stripping ".r" from "EURUSD" leaves "EURUSD" → single match
    assert.deepEqual([r2.symbol, r2.via], ['EURUSD', 'automatic']);
  });
  it('the suffix rule does not apply when the follower has affixes configured', () => {
    const r = resolveSymbol(input({ follower: { symbolPrefix: '', symbolSuffix: '.r', symbols: names('EURUSD.pro') } }));
    assert.equal(r.symbol, null);
  });
  it('canonicalSymbol strips only affixes that are present', () => {
    assert.equal(canonicalSymbol('EURUSD.m', { symbolPrefix: '', symbolSuffix: '.m' }), 'EURUSD');
    assert.equal(canonicalSymbol('EURUSD', { symbolPrefix: 'x', symbolSuffix: '.m' }), 'EURUSD');
    assert.equal(canonicalSymbol('xEURUSD', { symbolPrefix: 'x', symbolSuffix: '' }), 'EURUSD');
  });
});
