// Builders shared by the engine's tests (pure; not exported from the package).
import { sumVolumes } from './lots.js';
import { planSignal } from './plan-signal.js';
import type { ReconcilePlan } from './reconcile.js';
import type {
  AccountState,
  CopyLeg,
  Decision,
  FollowerContext,
  MasterEvent,
  PendingCopy,
  PositionOpenedEvent,
  SnapshotPosition,
  SubscriptionSettings,
  SymbolSpec,
} from './types.js';
import { DEFAULT_SUBSCRIPTION_SETTINGS } from './default-settings.js';

export const NOW = 1_800_000_000_000;

export function spec(name: string, over: Partial<SymbolSpec> = {}): SymbolSpec {
  return {
    name,
    volumeMin: 0.01,
    volumeMax: 100,
    volumeStep: 0.01,
    contractSize: 100_000,
    tickSize: 0.00001,
    tickValue: 1,
    digits: 5,
    ...over,
  };
}

export function subscription(over: Partial<SubscriptionSettings> = {}): SubscriptionSettings {
  return {
    id: 'sub-1',
    masterAccountId: 'master-1',
    followerAccountId: 'follower-1',
    sizing: { mode: 'multiplier', multiplier: 1 },
    ...structuredClone(DEFAULT_SUBSCRIPTION_SETTINGS),
    ...over,
  };
}

export function account(over: Partial<AccountState> = {}): AccountState {
  return {
    accountId: 'acc',
    balance: 10_000,
    equity: 10_000,
    dayStartEquity: 10_000,
    symbols: [spec('EURUSD'), spec('GBPUSD'), spec('XAUUSD', { tickSize: 0.01, tickValue: 1, digits: 2 })],
    symbolPrefix: '',
    symbolSuffix: '',
    ...over,
  };
}

export const MASTER = account({ accountId: 'master-1' });

export function context(
  over: {
    subscription?: Partial<SubscriptionSettings>;
    follower?: Partial<AccountState>;
    copies?: CopyLeg[];
    pendingCopies?: PendingCopy[];
  } = {},
): FollowerContext {
  return {
    subscription: subscription(over.subscription),
    follower: account({ accountId: 'follower-1', ...over.follower }),
    copies: over.copies ?? [],
    pendingCopies: over.pendingCopies ?? [],
  };
}

export function leg(over: Partial<CopyLeg> = {}): CopyLeg {
  return {
    masterPositionId: 'P1',
    followerSymbol: 'EURUSD',
    side: 'buy',
    volume: 0.3,
    followerPositionId: 'F1',
    openedAtMs: NOW - 60_000,
    ...over,
  };
}

export function opened(over: Partial<PositionOpenedEvent['position']> = {}, occurredAtMs = NOW): PositionOpenedEvent {
  return {
    type: 'position.opened',
    occurredAtMs,
    position: { id: 'P1', symbol: 'EURUSD', side: 'buy', volume: 1, price: 1.085, ...over },
  };
}

export function planOne(event: MasterEvent, ctx: FollowerContext, master: AccountState = MASTER, nowMs = NOW): Decision {
  const [decision] = planSignal({ event, nowMs, master, followers: [ctx] });
  if (decision === undefined) throw new Error('no decision');
  return decision;
}

/** Simulate the follower executing a reconciliation plan (every order fills in full): closes
 * shrink or remove legs and follower positions, opens add both. */
export function applyReconcilePlan(
  state: { copies: CopyLeg[]; followerPositions: SnapshotPosition[] },
  plan: ReconcilePlan,
  nowMs: number,
): { copies: CopyLeg[]; followerPositions: SnapshotPosition[] } {
  let copies = state.copies.map((c) => ({ ...c }));
  let positions = state.followerPositions.map((p) => ({ ...p }));
  let n = 0;
  for (const o of plan.orders) {
    const volume = o.volume ?? 0;
    if (o.action === 'close') {
      const matching = copies.filter((c) => c.masterPositionId === o.masterPositionId && c.followerPositionId === o.followerPositionId);
      const target = matching.find((c) => c.volume === volume) ?? matching.find((c) => c.volume > volume);
      if (target === undefined) throw new Error(`close of an unknown leg ${o.masterPositionId}/${o.followerPositionId}`);
      target.volume = sumVolumes([target.volume, -volume]);
      const position = positions.find((p) => p.id === o.followerPositionId);
      if (position !== undefined) position.volume = sumVolumes([position.volume, -volume]);
      copies = copies.filter((c) => c.volume > 0);
      positions = positions.filter((p) => p.volume > 0);
    } else if (o.action === 'open') {
      const id = `R${nowMs}-${n++}`;
      positions.push({ id, symbol: o.symbol, side: o.side ?? 'buy', volume, price: o.price ?? 0, sl: o.sl, tp: o.tp });
      copies.push({ masterPositionId: o.masterPositionId ?? '', followerSymbol: o.symbol, side: o.side ?? 'buy', volume, followerPositionId: id, openedAtMs: nowMs });
    }
  }
  return { copies, followerPositions: positions };
}
