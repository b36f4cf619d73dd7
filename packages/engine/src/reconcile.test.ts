import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reconcile } from './reconcile.js';
import type { ReconcileInput } from './reconcile.js';
import { MASTER, NOW, applyReconcilePlan, context, leg, spec } from './test-fixtures.js';
import type { CopyLeg, SnapshotPosition } from './types.js';

const pos = (over: Partial<SnapshotPosition> = {}): SnapshotPosition => ({
  id: 'P1', symbol: 'EURUSD', side: 'buy', volume: 1, price: 1.085, sl: null, tp: null, ...over,
});
const fpos = (over: Partial<SnapshotPosition> = {}): SnapshotPosition => pos({ id: 'F1', volume: 0.3, ...over });

function run(over: Partial<ReconcileInput> & { ctxOver?: Parameters<typeof context>[0] }) {
  const { ctxOver, ...rest } = over;
  return reconcile({ nowMs: NOW, master: MASTER, masterPositions: [], followerPositions: [], ctx: context(ctxOver), ...rest });
}

describe('reconcile', () => {
  it('closes a copy whose master position is gone (at what is still open on the follower)', () => {
    const plan = run({ followerPositions: [fpos({ volume: 0.2 })], ctxOver: { copies: [leg({ volume: 0.3 })] } });
    assert.deepEqual(plan.items, [{ action: 'close', symbol: 'EURUSD', side: 'buy', volume: 0.2, masterPositionId: 'P1', followerPositionId: 'F1', reason: 'master_position_closed' }]);
    assert.equal(plan.orders[0]?.action, 'close');
    assert.equal(plan.orders[0]?.volume, 0.2);
  });
  it('closes in-flight legs (no follower position id yet) of a gone master position at their recorded volume', () => {
    const plan = run({ ctxOver: { copies: [leg({ followerPositionId: null, volume: 0.3 })] } });
    assert.deepEqual(plan.items.map((i) => [i.action, i.volume, i.followerPositionId]), [['close', 0.3, null]]);
  });
  it('reports a missing copy when openMissing is off', () => {
    const plan = run({ masterPositions: [pos()], masterPositionOpenedAtMs: { P1: NOW - 1_000 } });
    assert.deepEqual(plan.orders, []);
    assert.deepEqual(plan.reported, [{ kind: 'missing_copy_not_opened', masterPositionId: 'P1', followerPositionId: null, symbol: 'EURUSD', detail: 'open_missing_disabled' }]);
  });
  it('opens a missing copy when openMissing is on and the master position is young', () => {
    const plan = run({
      masterPositions: [pos({ sl: 1.08 })],
      masterPositionOpenedAtMs: { P1: NOW - 1_000 },
      ctxOver: { subscription: { resync: { openMissing: true }, sizing: { mode: 'multiplier', multiplier: 0.5 }, maxDeviation: 0.0002 } },
    });
    assert.deepEqual(plan.items, [{ action: 'open', symbol: 'EURUSD', side: 'buy', volume: 0.5, masterPositionId: 'P1', followerPositionId: null, reason: 'missing_copy' }]);
    assert.deepEqual([plan.orders[0]?.price, plan.orders[0]?.maxDeviation, plan.orders[0]?.sl], [1.085, 0.0002, 1.08]);
    assert.equal(plan.decisions.length, 1);
  });
  it('does not open a missing copy older than maxSignalAgeMs, or of unknown age', () => {
    const sub = { resync: { openMissing: true } };
    const old = run({ masterPositions: [pos()], masterPositionOpenedAtMs: { P1: NOW - 30_001 }, ctxOver: { subscription: sub } });
    assert.deepEqual([old.orders, old.reported[0]?.detail], [[], 'stale_signal']);
    const unknown = run({ masterPositions: [pos()], ctxOver: { subscription: sub } });
    assert.deepEqual([unknown.orders, unknown.reported[0]?.detail], [[], 'age_unknown']);
  });
  it('the override opens missing copies with openMissing off', () => {
    const plan = run({ masterPositions: [pos()], masterPositionOpenedAtMs: { P1: NOW - 1_000 }, openMissingOverride: true });
    assert.equal(plan.items[0]?.action, 'open');
  });
  it('missing copies that the settings would not copy are reported with the guard reason', () => {
    const plan = run({
      masterPositions: [pos({ side: 'sell' })],
      masterPositionOpenedAtMs: { P1: NOW },
      ctxOver: { subscription: { direction: 'long_only', resync: { openMissing: true } } },
    });
    assert.equal(plan.reported[0]?.detail, 'direction_filtered');
  });
  it('maxOpenPositions counts opens planned earlier in the same run', () => {
    const plan = run({
      masterPositions: [pos({ id: 'P1' }), pos({ id: 'P2' })],
      masterPositionOpenedAtMs: { P1: NOW, P2: NOW },
      ctxOver: { subscription: { resync: { openMissing: true }, maxOpenPositions: 1 } },
    });
    assert.deepEqual(plan.items.map((i) => i.masterPositionId), ['P1']);
    assert.equal(plan.reported[0]?.detail, 'max_positions');
  });
  it('shrinks a copy larger than the sized target (oldest leg first)', () => {
    const copies: CopyLeg[] = [leg({ followerPositionId: 'F1', volume: 0.3, openedAtMs: 1 }), leg({ followerPositionId: 'F2', volume: 0.3, openedAtMs: 2 })];
    const plan = run({
      masterPositions: [pos({ volume: 1 })],
      followerPositions: [fpos({ id: 'F1' }), fpos({ id: 'F2' })],
      ctxOver: { subscription: { sizing: { mode: 'multiplier', multiplier: 0.25 } }, copies },
    });
    assert.deepEqual(plan.items.map((i) => [i.action, i.followerPositionId, i.volume, i.reason]), [['close', 'F1', 0.3, 'oversized_copy'], ['close', 'F2', 0.05, 'oversized_copy']]);
  });
  it('never grows a smaller copy, and never resizes fixed-lot copies', () => {
    const base = { masterPositions: [pos({ volume: 1 })], followerPositions: [fpos({ volume: 0.3 })] };
    assert.deepEqual(run({ ...base, ctxOver: { subscription: { sizing: { mode: 'multiplier', multiplier: 0.5 } }, copies: [leg()] } }).orders, []);
    assert.deepEqual(run({ ...base, ctxOver: { subscription: { sizing: { mode: 'fixed', lots: 0.1 } }, copies: [leg()] } }).orders, []);
  });
  it('reports a copy it cannot size instead of touching it', () => {
    const plan = run({
      masterPositions: [pos()],
      followerPositions: [fpos()],
      ctxOver: { subscription: { sizing: { mode: 'balance_ratio' } }, follower: { balance: null }, copies: [leg()] },
    });
    assert.deepEqual(plan.orders, []);
    assert.deepEqual(plan.reported.map((r) => [r.kind, r.detail]), [['resize_not_evaluated', 'account_state_unknown']]);
  });
  it('a copy closed by hand on the follower is not reopened (reported), unless overridden', () => {
    const input = {
      masterPositions: [pos()],
      followerPositions: [],
      masterPositionOpenedAtMs: { P1: NOW - 1_000 },
      ctxOver: { subscription: { resync: { openMissing: true } }, copies: [leg({ followerPositionId: 'F1' })] },
    };
    const plan = run(input);
    assert.deepEqual(plan.orders, []);
    assert.deepEqual(plan.reported.map((r) => [r.kind, r.detail]), [['copy_closed_on_follower', 'master_position_open'], ['missing_copy_not_opened', 'closed_on_follower']]);
    const forced = run({ ...input, openMissingOverride: true });
    assert.deepEqual(forced.items.map((i) => [i.action, i.volume]), [['open', 1]]);
  });
  it('leaves follower positions it does not link alone', () => {
    const plan = run({ followerPositions: [fpos({ id: 'MANUAL' })], masterPositions: [] });
    assert.deepEqual([plan.orders, plan.reported], [[], []]);
  });
  it('netting follower: legs sharing one follower position share its volume', () => {
    const copies = [leg({ followerPositionId: 'F1', volume: 0.3, openedAtMs: 1 }), leg({ followerPositionId: 'F1', volume: 0.2, openedAtMs: 2 })];
    const plan = run({ followerPositions: [fpos({ volume: 0.4 })], ctxOver: { copies } });
    assert.deepEqual(plan.items.map((i) => i.volume), [0.3, 0.1]);
  });
  it('running it twice (after applying the first plan) plans nothing', () => {
    const ctxOver = {
      subscription: { resync: { openMissing: true }, sizing: { mode: 'balance_ratio' as const } },
      follower: { balance: 2_500, symbols: [spec('EURUSD'), spec('GBPUSD', { volumeStep: 0.1, volumeMin: 0.1 })] },
      copies: [
        leg({ masterPositionId: 'GONE', followerPositionId: 'F0' }),
        leg({ masterPositionId: 'BIG', followerPositionId: 'F1', volume: 0.9 }),
        leg({ masterPositionId: 'HAND', followerPositionId: 'F9' }),
      ],
    };
    const masterPositions = [pos({ id: 'BIG', volume: 2 }), pos({ id: 'NEW', symbol: 'GBPUSD', side: 'sell', volume: 0.8 }), pos({ id: 'HAND' })];
    const followerPositions = [fpos({ id: 'F0' }), fpos({ id: 'F1', volume: 0.9 })];
    const opened = { BIG: NOW - 5_000, NEW: NOW - 5_000, HAND: NOW - 5_000 };
    const first = run({ masterPositions, followerPositions, masterPositionOpenedAtMs: opened, ctxOver });
    assert.deepEqual(first.items.map((i) => [i.action, i.masterPositionId, i.volume, i.reason]), [
      ['close', 'GONE', 0.3, 'master_position_closed'],
      ['close', 'BIG', 0.4, 'oversized_copy'],
      ['open', 'NEW', 0.2, 'missing_copy'],
    ]);
    const applied = applyReconcilePlan({ copies: ctxOver.copies, followerPositions }, first, NOW);
    const second = run({ masterPositions, followerPositions: applied.followerPositions, masterPositionOpenedAtMs: opened, ctxOver: { ...ctxOver, copies: applied.copies } });
    assert.deepEqual(second.orders, []);
    assert.deepEqual(second.items, []);
  });
});
