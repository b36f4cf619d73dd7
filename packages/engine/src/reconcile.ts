// Reconciliation (`resync-follower`): from the master's and the follower's latest snapshots and
// the copy links, plan corrective orders.
// - A copy whose master position is gone: close what is still open of it on the follower.
// - A master position with no copy: open one only when resync.openMissing (or the caller's
//   override) is on, the open passes every open guard, and the master position is younger than
//   maxSignalAgeMs (its open time must be known); otherwise report it.
// - A copy closed on the follower (a leg whose followerPositionId is missing from the follower
//   snapshot — by hand, or by the broker) is reported, never reopened unless the override is on.
// - A copy larger than the sized target for the master's current volume: close the excess.
// Applying the plan and running it again plans nothing: opens are sized exactly as the target
// (never above it), shrinks land on the target, and closed copies are gone.
//
// Follower positions that no leg of this subscription links are left alone: they may belong to
// another subscription or to the trader.
import { allocateClose, closeOrder, oldestFirst } from './close-legs.js';
import type { ClosableLeg } from './close-legs.js';
import { fitVolume } from './fit-volume.js';
import { stepGrid, sumVolumes, volumeToSteps } from './lots.js';
import { planOpen } from './plan-open.js';
import { sizeVolume } from './size-volume.js';
import { specFor } from './symbol-spec.js';
import type {
  AccountState,
  CopyLeg,
  Decision,
  FollowerContext,
  PlannedOrder,
  Side,
  SnapshotPosition,
} from './types.js';

export type ReconcileReason = 'master_position_closed' | 'oversized_copy' | 'missing_copy';

export interface ReconcileItem {
  action: 'open' | 'close';
  symbol: string;
  side: Side;
  volume: number;
  masterPositionId: string;
  followerPositionId: string | null;
  reason: ReconcileReason;
}

export type ReconcileReportKind =
  /** A master position without a copy that was not opened; `detail` says why (a ReasonCode,
   * `open_missing_disabled`, `age_unknown` or `closed_on_follower`). */
  | 'missing_copy_not_opened'
  /** A leg whose follower position is no longer open; the caller should drop the link once the
   * master position is gone, and keep it (to block reopening) while it is open. */
  | 'copy_closed_on_follower'
  /** The copy's target size could not be computed or acted on; `detail` says why. */
  | 'resize_not_evaluated';

export interface ReconcileReport {
  kind: ReconcileReportKind;
  masterPositionId: string;
  followerPositionId: string | null;
  symbol: string;
  detail: string;
}

export interface ReconcilePlan {
  items: ReconcileItem[];
  orders: PlannedOrder[];
  reported: ReconcileReport[];
  /** The open decisions behind `missing_copy` items and guard-skipped missing copies (audit). */
  decisions: Decision[];
}

export interface ReconcileInput {
  nowMs: number;
  master: AccountState;
  masterPositions: SnapshotPosition[];
  followerPositions: SnapshotPosition[];
  ctx: FollowerContext;
  /** Open missing copies even when resync.openMissing is off, including copies closed on the follower. */
  openMissingOverride?: boolean;
  /** When each master position opened (epoch ms); a missing copy of a position whose open time
   * is unknown is never opened. */
  masterPositionOpenedAtMs?: Record<string, number>;
}

interface LegState extends ClosableLeg {
  live: boolean;
}

/** What of each leg is still open on the follower. Legs sharing a follower position (a netting
 * follower) share that position's snapshot volume, oldest leg first. A leg whose position id is
 * not reported yet (the opening execution is in flight) is taken at its recorded volume. */
function legStates(copies: readonly CopyLeg[], followerPositions: readonly SnapshotPosition[]): Map<CopyLeg, LegState> {
  const budget = new Map(followerPositions.map((p) => [p.id, p.volume]));
  const states = new Map<CopyLeg, LegState>();
  for (const leg of oldestFirst(copies)) {
    if (leg.followerPositionId === null) {
      states.set(leg, { leg, volume: leg.volume, live: true });
      continue;
    }
    const left = budget.get(leg.followerPositionId) ?? 0;
    const volume = Math.min(leg.volume, left);
    budget.set(leg.followerPositionId, sumVolumes([left, -volume]));
    states.set(leg, { leg, volume, live: volume > 0 });
  }
  return states;
}

function item(order: PlannedOrder, reason: ReconcileReason): ReconcileItem {
  return {
    action: order.action === 'open' ? 'open' : 'close',
    symbol: order.symbol,
    side: order.side ?? 'buy',
    volume: order.volume ?? 0,
    masterPositionId: order.masterPositionId ?? '',
    followerPositionId: order.followerPositionId,
    reason,
  };
}

export function reconcile(input: ReconcileInput): ReconcilePlan {
  const { ctx, master, nowMs } = input;
  const s = ctx.subscription;
  const override = input.openMissingOverride === true;
  const plan: ReconcilePlan = { items: [], orders: [], reported: [], decisions: [] };
  const add = (orders: PlannedOrder[], reason: ReconcileReason): void => {
    for (const o of orders) {
      plan.orders.push(o);
      plan.items.push(item(o, reason));
    }
  };
  const masterById = new Map(input.masterPositions.map((p) => [p.id, p]));
  const states = legStates(ctx.copies, input.followerPositions);

  const legsByMaster = new Map<string, LegState[]>();
  for (const leg of ctx.copies) {
    const list = legsByMaster.get(leg.masterPositionId) ?? [];
    list.push(states.get(leg) as LegState);
    legsByMaster.set(leg.masterPositionId, list);
  }

  // maxOpenPositions counts the copies that stay: those of master positions still open (copies
  // of closed ones are being closed now), plus the opens planned earlier in this run.
  const planned: CopyLeg[] = ctx.copies.filter((c) => masterById.has(c.masterPositionId));
  const openMissing = (mp: SnapshotPosition): void => {
    const openedAtMs = input.masterPositionOpenedAtMs?.[mp.id];
    const decision = planOpen(
      {
        eventType: 'reconcile',
        occurredAtMs: openedAtMs ?? nowMs,
        action: 'open',
        masterPositionId: mp.id,
        masterOrderId: null,
        masterSymbol: mp.symbol,
        followerSymbol: null,
        masterSide: mp.side,
        pendingKind: null,
        volume: mp.volume,
        price: mp.price,
        sl: mp.sl,
        tp: mp.tp,
        expiresAt: null,
        newPosition: true,
      },
      { ...ctx, copies: planned },
      master,
      nowMs,
    );
    const report = (detail: string): void => {
      plan.reported.push({ kind: 'missing_copy_not_opened', masterPositionId: mp.id, followerPositionId: null, symbol: mp.symbol, detail });
    };
    if (decision.outcome === 'skipped') {
      plan.decisions.push(decision);
      return report(decision.reason ?? 'skipped');
    }
    if (!s.resync.openMissing && !override) return report('open_missing_disabled');
    if (openedAtMs === undefined) return report('age_unknown');
    plan.decisions.push(decision);
    add(decision.orders, 'missing_copy');
    for (const o of decision.orders) {
      planned.push({ masterPositionId: mp.id, followerSymbol: o.symbol, side: o.side ?? mp.side, volume: o.volume ?? 0, followerPositionId: null, openedAtMs: nowMs });
    }
  };

  for (const [masterPositionId, legs] of legsByMaster) {
    const mp = masterById.get(masterPositionId);
    const live = legs.filter((l) => l.live).sort((a, b) => a.leg.openedAtMs - b.leg.openedAtMs);
    for (const dead of legs.filter((l) => !l.live)) {
      plan.reported.push({
        kind: 'copy_closed_on_follower',
        masterPositionId,
        followerPositionId: dead.leg.followerPositionId,
        symbol: dead.leg.followerSymbol,
        detail: mp === undefined ? 'master_position_closed' : 'master_position_open',
      });
    }
    if (mp === undefined) {
      add(live.map((l) => closeOrder(l.leg, l.volume)), 'master_position_closed');
    } else if (live.length > 0) {
      shrinkIfOversized(mp, live, input, plan, add);
    } else if (override) {
      openMissing(mp);
    } else {
      plan.reported.push({ kind: 'missing_copy_not_opened', masterPositionId, followerPositionId: null, symbol: mp.symbol, detail: 'closed_on_follower' });
    }
  }

  for (const mp of input.masterPositions) {
    if (!legsByMaster.has(mp.id)) openMissing(mp);
  }
  return plan;
}

/** Fixed sizing has no target for a whole position (each open or scale-in adds `lots`), so it
 * is never shrunk. Otherwise the target is the sized volume of the master's current volume,
 * rounded down, capped by maxLot (not volumeMax: a position may be built of several orders). */
function shrinkIfOversized(
  mp: SnapshotPosition,
  live: readonly LegState[],
  input: ReconcileInput,
  plan: ReconcilePlan,
  add: (orders: PlannedOrder[], reason: ReconcileReason) => void,
): void {
  const { ctx, master } = input;
  const s = ctx.subscription;
  if (s.sizing.mode === 'fixed') return;
  const first = live[0] as LegState;
  const report = (detail: string): void => {
    plan.reported.push({ kind: 'resize_not_evaluated', masterPositionId: mp.id, followerPositionId: first.leg.followerPositionId, symbol: first.leg.followerSymbol, detail });
  };
  const { spec } = specFor(ctx.follower, first.leg.followerSymbol);
  const sized = sizeVolume({ sizing: s.sizing, masterVolume: mp.volume, price: mp.price, sl: mp.sl, master, follower: ctx.follower, spec });
  if (!sized.ok) return report(sized.reason);
  const target = fitVolume({ raw: sized.raw, spec, maxLot: s.maxLot, minVolume: s.minVolume, capByVolumeMax: false });
  if (!target.ok) return report(target.reason);
  const grid = stepGrid(spec.volumeStep);
  const current = live.reduce((acc, l) => acc + Math.max(0, volumeToSteps(l.volume, grid, 'down')), 0);
  const excess = current - target.steps;
  if (excess <= 0) return;
  const minSteps = Math.max(1, volumeToSteps(spec.volumeMin, grid, 'up'));
  if (excess < minSteps) return report('excess_below_min_volume');
  add(allocateClose(live, excess, grid), 'oversized_copy');
}
