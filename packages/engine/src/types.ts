// The engine's data model. Shapes follow ea-protocol-v1.md (signals, snapshots, follower orders)
// and admin-api-v1.md (subscription settings); times are epoch milliseconds passed in by the caller.
import type { NoteCode, ReasonCode } from './reasons.js';

export type Side = 'buy' | 'sell';
export type PendingKind = 'buy_limit' | 'sell_limit' | 'buy_stop' | 'sell_stop';
export type OrderAction = 'open' | 'close' | 'modify' | 'place' | 'amend' | 'cancel';

export interface SymbolSpec {
  name: string;
  volumeMin: number;
  volumeMax: number;
  volumeStep: number;
  contractSize?: number;
  tickSize?: number;
  tickValue?: number;
  digits?: number;
}

export interface AccountState {
  accountId: string;
  balance: number | null;
  equity: number | null;
  /** The account's first equity snapshot of the current UTC day. */
  dayStartEquity: number | null;
  /** null = the account never reported its symbols. */
  symbols: SymbolSpec[] | null;
  symbolPrefix: string;
  symbolSuffix: string;
}

export type SizingSettings =
  | { mode: 'fixed'; lots: number }
  | { mode: 'multiplier'; multiplier: number }
  | { mode: 'balance_ratio'; multiplier?: number }
  | { mode: 'equity_ratio'; multiplier?: number }
  | { mode: 'risk_percent'; percent: number };

export type SizingMode = SizingSettings['mode'];

export interface SubscriptionSettings {
  id: string;
  masterAccountId: string;
  followerAccountId: string;
  sizing: SizingSettings;
  symbolMap: Record<string, string>;
  symbols: { allow: string[]; deny: string[] };
  direction: 'both' | 'long_only' | 'short_only';
  reverse: boolean;
  copySl: boolean;
  copyTp: boolean;
  copyPending: boolean;
  maxLot: number | null;
  maxOpenPositions: number | null;
  maxSignalAgeMs: number;
  maxDeviation: number | null;
  dailyLossPercent: number | null;
  stopOutEquity: number | null;
  minVolume: 'skip' | 'round_up';
  resync: { openMissing: boolean };
  status: 'active' | 'paused';
}

/** One follower position that copies (part of) a master position. A hedging follower scaled in
 * by `position.increased` holds several legs for one master position. */
export interface CopyLeg {
  masterPositionId: string;
  followerSymbol: string;
  /** The follower's side (already reversed when the subscription reverses). */
  side: Side;
  /** Currently believed open volume. */
  volume: number;
  /** null until the opening execution reported it. */
  followerPositionId: string | null;
  openedAtMs: number;
}

export interface PendingCopy {
  masterOrderId: string;
  followerSymbol: string;
  /** The follower's kind (already reversed when the subscription reverses). */
  kind: PendingKind;
  volume: number;
  price: number;
}

export interface FollowerContext {
  subscription: SubscriptionSettings;
  follower: AccountState;
  /** Open legs of this subscription. */
  copies: CopyLeg[];
  pendingCopies: PendingCopy[];
}

export interface PositionOpenedEvent {
  type: 'position.opened';
  occurredAtMs: number;
  position: {
    id: string;
    symbol: string;
    side: Side;
    volume: number;
    price: number;
    sl?: number | null;
    tp?: number | null;
    magic?: number;
    comment?: string;
    /** Extension: the master pending order whose fill opened this position. When absent the
     * position id itself is matched (MT5's POSITION_IDENTIFIER is the opening order's ticket). */
    orderId?: string;
  };
}

export interface PositionModifiedEvent {
  type: 'position.modified';
  occurredAtMs: number;
  /** undefined = unchanged, null = removed. */
  position: { id: string; sl?: number | null; tp?: number | null };
}

export interface PositionIncreasedEvent {
  type: 'position.increased';
  occurredAtMs: number;
  position: {
    id: string;
    symbol?: string;
    side?: Side;
    volume: number;
    price: number;
    volumeAfter: number;
    /** Extension: the master position's current stop-loss (needed by `risk_percent`). */
    sl?: number | null;
    /** Extension: the master position's current take-profit. */
    tp?: number | null;
  };
}

export interface PositionClosedEvent {
  type: 'position.closed';
  occurredAtMs: number;
  position: { id: string; volume: number; price: number; volumeAfter: number };
}

export interface OrderPlacedEvent {
  type: 'order.placed';
  occurredAtMs: number;
  order: {
    id: string;
    symbol: string;
    kind: PendingKind;
    volume: number;
    price: number;
    sl?: number | null;
    tp?: number | null;
    expiresAt?: string | null;
  };
}

export interface OrderModifiedEvent {
  type: 'order.modified';
  occurredAtMs: number;
  /** undefined = unchanged; null sl/tp/expiresAt = removed. */
  order: { id: string; price?: number; sl?: number | null; tp?: number | null; expiresAt?: string | null };
}

export interface OrderCancelledEvent {
  type: 'order.cancelled';
  occurredAtMs: number;
  order: { id: string };
}

export type MasterEvent =
  | PositionOpenedEvent
  | PositionModifiedEvent
  | PositionIncreasedEvent
  | PositionClosedEvent
  | OrderPlacedEvent
  | OrderModifiedEvent
  | OrderCancelledEvent;

/** Which fields a `modify` / `amend` order changes. A field not listed keeps the follower's
 * current value (so `sl: null` with `updates.sl === true` removes the stop-loss, while
 * `updates.sl === false` leaves it alone). null for every other action. */
export interface OrderUpdates {
  sl: boolean;
  tp: boolean;
  price: boolean;
  expiresAt: boolean;
}

export interface PlannedOrder {
  action: OrderAction;
  symbol: string;
  side: Side | null;
  kind: PendingKind | null;
  volume: number | null;
  price: number | null;
  maxDeviation: number | null;
  sl: number | null;
  tp: number | null;
  expiresAt: string | null;
  masterPositionId: string | null;
  masterOrderId: string | null;
  followerPositionId: string | null;
  updates: OrderUpdates | null;
}

/** Everything a decision used, for the audit trail. Only the fields that applied are present. */
export interface DecisionInputs {
  eventType: string;
  masterPositionId?: string;
  masterOrderId?: string;
  masterSymbol?: string;
  canonicalSymbol?: string;
  followerSymbol?: string;
  symbolVia?: string;
  symbolCandidates?: string[];
  masterSide?: Side;
  followerSide?: Side;
  pendingKind?: PendingKind;
  followerKind?: PendingKind;
  masterVolume?: number;
  masterPrice?: number;
  masterSl?: number | null;
  masterTp?: number | null;
  sizingMode?: SizingMode;
  lots?: number;
  multiplier?: number;
  percent?: number;
  ratio?: number;
  masterBalance?: number | null;
  followerBalance?: number | null;
  masterEquity?: number | null;
  followerEquity?: number | null;
  riskAmount?: number;
  lossPerLot?: number;
  tickSize?: number | null;
  tickValue?: number | null;
  rawVolume?: number;
  volumeStep?: number;
  volumeMin?: number;
  volumeMax?: number;
  maxLot?: number | null;
  volumeCap?: number;
  minVolume?: 'skip' | 'round_up';
  status?: 'active' | 'paused';
  signalAgeMs?: number;
  maxSignalAgeMs?: number;
  openCopies?: number;
  maxOpenPositions?: number | null;
  dayStartEquity?: number | null;
  dailyLossPercent?: number | null;
  dailyLossThreshold?: number;
  stopOutEquity?: number | null;
  reverse?: boolean;
  direction?: SubscriptionSettings['direction'];
  copySl?: boolean;
  copyTp?: boolean;
  copyPending?: boolean;
  masterVolumeClosed?: number;
  masterVolumeAfter?: number;
  copyOpenVolume?: number;
  closeFraction?: number;
  legs?: number;
}

export interface Decision {
  subscriptionId: string;
  followerAccountId: string;
  outcome: 'copied' | 'skipped';
  /** Why it was skipped (null when copied); `stop_out` on a triggered stop-out. */
  reason: ReasonCode | null;
  notes: NoteCode[];
  /** Total volume of the planned orders (lots), null when none carries a volume. */
  volume: number | null;
  inputs: DecisionInputs;
  orders: PlannedOrder[];
}

/** A position as reported in a telemetry snapshot. */
export interface SnapshotPosition {
  id: string;
  symbol: string;
  side: Side;
  volume: number;
  price: number;
  sl: number | null;
  tp: number | null;
  comment?: string;
}
