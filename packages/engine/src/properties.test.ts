// Property tests (fast-check) for the invariants the rest of the system relies on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decimalPlaces, stepGrid, sumVolumes } from './lots.js';
import { reconcile } from './reconcile.js';
import { MASTER, NOW, account, applyReconcilePlan, context, leg, opened, planOne, spec } from './test-fixtures.js';
import type { CopyLeg, SizingSettings, SnapshotPosition, SymbolSpec } from './types.js';

const steps = [0.01, 0.1, 1, 0.05, 0.001, 0.02, 0.5];

const symbolSpec = fc
  .record({ step: fc.constantFrom(...steps), minSteps: fc.integer({ min: 1, max: 20 }), maxSteps: fc.integer({ min: 1, max: 100_000 }) })
  .map(({ step, minSteps, maxSteps }): SymbolSpec => {
    const g = stepGrid(step);
    const at = (n: number) => Number(((n * g.units) / 10 ** g.decimals).toFixed(g.decimals));
    return spec('EURUSD', { volumeStep: step, volumeMin: at(minSteps), volumeMax: at(Math.max(minSteps, maxSteps)) });
  });

const sizing: fc.Arbitrary<SizingSettings> = fc.oneof(
  fc.double({ min: 0.001, max: 500, noNaN: true }).map((lots): SizingSettings => ({ mode: 'fixed', lots })),
  fc.double({ min: 0.0001, max: 100, noNaN: true }).map((multiplier): SizingSettings => ({ mode: 'multiplier', multiplier })),
  fc.option(fc.double({ min: 0.01, max: 10, noNaN: true }), { nil: undefined }).map((multiplier): SizingSettings => (multiplier === undefined ? { mode: 'balance_ratio' } : { mode: 'balance_ratio', multiplier })),
  fc.option(fc.double({ min: 0.01, max: 10, noNaN: true }), { nil: undefined }).map((multiplier): SizingSettings => (multiplier === undefined ? { mode: 'equity_ratio' } : { mode: 'equity_ratio', multiplier })),
  fc.double({ min: 0.01, max: 20, noNaN: true }).map((percent): SizingSettings => ({ mode: 'risk_percent', percent })),
);

const money = fc.double({ min: 1, max: 10_000_000, noNaN: true });

/** Whole number of steps, and printed without float noise (no more decimals than the step). */
function assertClean(volume: number, step: number): void {
  const g = stepGrid(step);
  const q = (volume * 10 ** g.decimals) / g.units;
  assert.ok(Math.abs(q - Math.round(q)) < 1e-9, `${volume} is not a whole number of ${step}`);
  assert.ok(decimalPlaces(volume) <= g.decimals, `${volume} has float noise (step ${step})`);
}

describe('properties', () => {
  it('an open is never above maxLot or volumeMax, and always a whole, clean number of steps', () => {
    fc.assert(
      fc.property(
        sizing,
        symbolSpec,
        fc.option(fc.double({ min: 0.01, max: 1000, noNaN: true }), { nil: null }),
        fc.constantFrom('skip' as const, 'round_up' as const),
        fc.double({ min: 0.001, max: 1000, noNaN: true }),
        money, money, money, money,
        fc.double({ min: 0.0001, max: 0.05, noNaN: true }),
        (sz, sp, maxLot, minVolume, masterVolume, mb, me, fb, fe, stopDistance) => {
          const master = account({ accountId: 'master-1', balance: mb, equity: me });
          const d = planOne(
            opened({ volume: masterVolume, price: 1.1, sl: 1.1 - stopDistance }),
            context({ subscription: { sizing: sz, maxLot, minVolume }, follower: { balance: fb, equity: fe, symbols: [sp] } }),
            master,
          );
          if (d.outcome === 'skipped') {
            assert.ok(d.reason !== null);
            assert.deepEqual(d.orders, []);
            return;
          }
          const v = d.orders[0]?.volume ?? Number.NaN;
          assert.equal(d.volume, v);
          assertClean(v, sp.volumeStep);
          assert.ok(v <= sp.volumeMax, `${v} > volumeMax ${sp.volumeMax}`);
          if (maxLot !== null) assert.ok(v <= maxLot, `${v} > maxLot ${maxLot}`);
          assert.ok(v >= sp.volumeMin);
          assert.ok(v > 0);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  const legsArb = fc.array(
    fc.record({ steps: fc.integer({ min: 1, max: 5_000 }), t: fc.integer({ min: 0, max: 10 }), pid: fc.option(fc.string({ minLength: 1, maxLength: 3 }), { nil: null }) }),
    { minLength: 1, maxLength: 6 },
  );
  const toLegs = (ls: Array<{ steps: number; t: number; pid: string | null }>, keepNull = true): CopyLeg[] =>
    ls.map((l, i) => leg({ volume: Number((l.steps / 100).toFixed(2)), openedAtMs: l.t, followerPositionId: l.pid === null && keepNull ? null : `${l.pid ?? ''}-${i}` }));

  it('a full close leaves nothing open', () => {
    fc.assert(
      fc.property(legsArb, fc.double({ min: 0.01, max: 100, noNaN: true }), (ls, masterVolume) => {
        const copies = toLegs(ls);
        const d = planOne({ type: 'position.closed', occurredAtMs: 0, position: { id: 'P1', volume: masterVolume, price: 1, volumeAfter: 0 } }, context({ copies }));
        assert.equal(d.outcome, 'copied');
        assert.equal(d.orders.length, copies.length);
        for (const c of copies) {
          const closes = d.orders.filter((o) => o.followerPositionId === c.followerPositionId && o.volume === c.volume);
          assert.ok(closes.length >= 1);
        }
        assert.equal(d.volume, sumVolumes(copies.map((c) => c.volume)));
      }),
      { numRuns: 500 },
    );
  });

  it('partial closes never close more than is open, stay on the step, and the final close takes the rest', () => {
    fc.assert(
      fc.property(
        legsArb,
        fc.array(fc.integer({ min: 1, max: 1_000 }), { minLength: 1, maxLength: 8 }),
        (ls, chunks) => {
          let copies = toLegs(ls, false);
          const initial = sumVolumes(copies.map((c) => c.volume));
          let masterOpen = chunks.reduce((a, b) => a + b, 0);
          let closedTotal = 0;
          chunks.forEach((chunk) => {
            masterOpen -= chunk;
            const d = planOne({ type: 'position.closed', occurredAtMs: 0, position: { id: 'P1', volume: chunk / 100, price: 1, volumeAfter: masterOpen / 100 } }, context({ copies }));
            const open = sumVolumes(copies.map((c) => c.volume));
            assert.ok((d.volume ?? 0) <= open + 1e-9);
            for (const o of d.orders) {
              assertClean(o.volume ?? 0, 0.01);
              const target = copies.find((c) => c.followerPositionId === o.followerPositionId && c.volume >= (o.volume ?? 0));
              assert.ok(target, 'close matches a leg');
              target.volume = sumVolumes([target.volume, -(o.volume ?? 0)]);
              closedTotal = sumVolumes([closedTotal, o.volume ?? 0]);
            }
            copies = copies.filter((c) => c.volume > 0);
          });
          assert.deepEqual(copies, []);
          assert.equal(closedTotal, initial);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reconciliation applied, then run again, plans nothing', () => {
    const masterPos = fc.record({
      id: fc.constantFrom('A', 'B', 'C', 'D', 'E'),
      symbol: fc.constantFrom('EURUSD', 'GBPUSD', 'XAUUSD', 'BTCUSD'),
      side: fc.constantFrom('buy' as const, 'sell' as const),
      volume: fc.integer({ min: 1, max: 500 }).map((n) => n / 100),
      sl: fc.option(fc.constantFrom(1.05, 1.2), { nil: null }),
      age: fc.option(fc.integer({ min: 0, max: 60_000 }), { nil: undefined }),
    });
    const legArb = fc.record({
      masterPositionId: fc.constantFrom('A', 'B', 'C', 'X', 'Y'),
      volume: fc.integer({ min: 1, max: 500 }).map((n) => n / 100),
      state: fc.constantFrom('live', 'live_smaller', 'dead', 'in_flight'),
      shared: fc.boolean(),
      t: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(masterPos, { selector: (p) => p.id, maxLength: 5 }),
        fc.array(legArb, { maxLength: 6 }),
        sizing,
        fc.option(fc.double({ min: 0.01, max: 3, noNaN: true }), { nil: null }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('skip' as const, 'round_up' as const),
        fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
        (mps, legSpecs, sz, maxLot, openMissing, override, minVolume, maxOpenPositions) => {
          const masterPositions: SnapshotPosition[] = mps.map((p) => ({ id: p.id, symbol: p.symbol, side: p.side, volume: p.volume, price: 1.1, sl: p.sl, tp: null }));
          const openedAt: Record<string, number> = {};
          for (const p of mps) if (p.age !== undefined) openedAt[p.id] = NOW - p.age;
          const followerPositions: SnapshotPosition[] = [];
          const copies: CopyLeg[] = legSpecs.map((l, i) => {
            const fid = l.state === 'in_flight' ? null : l.shared ? `S-${l.masterPositionId}` : `F${i}`;
            if (l.state !== 'dead' && fid !== null) {
              const existing = followerPositions.find((p) => p.id === fid);
              const v = l.state === 'live_smaller' ? Math.max(0.01, Number((l.volume / 2).toFixed(2))) : l.volume;
              if (existing) existing.volume = sumVolumes([existing.volume, v]);
              else followerPositions.push({ id: fid, symbol: 'EURUSD', side: 'buy', volume: v, price: 1.1, sl: null, tp: null });
            }
            return leg({ masterPositionId: l.masterPositionId, volume: l.volume, followerPositionId: fid, openedAtMs: l.t });
          });
          const ctxOver = {
            subscription: { sizing: sz, maxLot, minVolume, maxOpenPositions, resync: { openMissing } },
            follower: { balance: 5_000, equity: 4_000, symbols: [spec('EURUSD'), spec('GBPUSD', { volumeStep: 0.1, volumeMin: 0.1 }), spec('XAUUSD', { volumeStep: 0.05, volumeMin: 0.05, volumeMax: 2 })] },
          };
          const input = { nowMs: NOW, master: MASTER, masterPositions, masterPositionOpenedAtMs: openedAt, openMissingOverride: override };
          const first = reconcile({ ...input, followerPositions, ctx: context({ ...ctxOver, copies }) });
          for (const o of first.orders) assert.ok((o.volume ?? 0) > 0);
          const applied = applyReconcilePlan({ copies, followerPositions }, first, NOW);
          const second = reconcile({ ...input, followerPositions: applied.followerPositions, ctx: context({ ...ctxOver, copies: applied.copies }) });
          assert.deepEqual(second.orders, [], JSON.stringify({ first: first.items, second: second.items }));
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
