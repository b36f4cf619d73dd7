// One follower's `open` (or pending `place`) for a master open, scale-in, pending order or a
// reconciliation. Guards run in a fixed order and the first that fails names the skip:
// invalid_signal → subscription_paused → stale_signal → symbol_filtered → direction_filtered →
// symbol_not_mapped → max_positions → stop_out → daily_loss_limit → sizing (account_state_unknown,
// no_stop_loss, tick_value_unknown) → below_min_volume.
import { newInputs } from './decision-inputs.js';
import { copied, order, skipped } from './decision.js';
import { directionAllowed, followerKind, followerSide, followerStops, symbolAllowed } from './filters.js';
import { fitVolume } from './fit-volume.js';
import { canonicalSymbol, resolveSymbol } from './map-symbol.js';
import type { NoteCode } from './reasons.js';
import {
  checkDailyLoss,
  copiedPositionCount,
  isBelowStopOut,
  isStale,
  maxSignalAge,
  pendingCopyCount,
} from './risk-guards.js';
import { sizeVolume } from './size-volume.js';
import { specFor } from './symbol-spec.js';
import type { AccountState, Decision, FollowerContext, PendingKind, Side } from './types.js';

export interface OpenIntent {
  eventType: string;
  occurredAtMs: number;
  action: 'open' | 'place';
  masterPositionId: string | null;
  masterOrderId: string | null;
  /** The master's symbol; null when unknown (a scale-in that did not repeat it). */
  masterSymbol: string | null;
  /** The follower symbol of an existing copy: used as is, no mapping. */
  followerSymbol: string | null;
  masterSide: Side;
  pendingKind: PendingKind | null;
  volume: number;
  price: number;
  sl: number | null;
  tp: number | null;
  expiresAt: string | null;
  /** Whether this adds a master position (or pending order) to the subscription's count
   * (false for a scale-in of a position already copied). */
  newPosition: boolean;
  notes?: NoteCode[];
}

const finite = (x: number): boolean => Number.isFinite(x);

export function planOpen(intent: OpenIntent, ctx: FollowerContext, master: AccountState, nowMs: number): Decision {
  const s = ctx.subscription;
  const notes: NoteCode[] = [...(intent.notes ?? [])];
  const inputs = newInputs(intent.eventType);
  if (intent.masterPositionId !== null) inputs.masterPositionId = intent.masterPositionId;
  if (intent.masterOrderId !== null) inputs.masterOrderId = intent.masterOrderId;
  if (intent.masterSymbol !== null) inputs.masterSymbol = intent.masterSymbol;
  if (intent.pendingKind !== null) inputs.pendingKind = intent.pendingKind;
  inputs.masterSide = intent.masterSide;
  inputs.masterVolume = intent.volume;
  inputs.masterPrice = intent.price;
  inputs.masterSl = intent.sl;
  inputs.masterTp = intent.tp;
  inputs.status = s.status;
  inputs.reverse = s.reverse;
  inputs.direction = s.direction;
  const skip = (reason: Parameters<typeof skipped>[1]): Decision => skipped(ctx, reason, inputs, notes);

  if (!finite(intent.volume) || intent.volume <= 0 || !finite(intent.price) || intent.price < 0) {
    return skip('invalid_signal');
  }
  if (s.status === 'paused') return skip('subscription_paused');

  const maxAge = maxSignalAge(s);
  inputs.signalAgeMs = nowMs - intent.occurredAtMs;
  inputs.maxSignalAgeMs = maxAge;
  if (isStale(intent.occurredAtMs, nowMs, maxAge)) return skip('stale_signal');

  if (intent.masterSymbol !== null) {
    const canonical = canonicalSymbol(intent.masterSymbol, master);
    inputs.canonicalSymbol = canonical;
    if (!symbolAllowed(canonical, s.symbols)) return skip('symbol_filtered');
  }
  if (!directionAllowed(intent.masterSide, s.direction)) return skip('direction_filtered');

  let symbol = intent.followerSymbol;
  if (symbol === null) {
    if (intent.masterSymbol === null) return skip('symbol_not_mapped');
    const resolution = resolveSymbol({ symbol: intent.masterSymbol, symbolMap: s.symbolMap, master, follower: ctx.follower });
    inputs.canonicalSymbol = resolution.canonical;
    if (resolution.via !== null) inputs.symbolVia = resolution.via;
    if (resolution.candidates.length > 0) inputs.symbolCandidates = resolution.candidates;
    if (resolution.mappedNotReported) notes.push('mapped_symbol_not_reported');
    if (resolution.symbol === null) return skip('symbol_not_mapped');
    symbol = resolution.symbol;
  }
  inputs.followerSymbol = symbol;
  const side = followerSide(intent.masterSide, s.reverse);
  inputs.followerSide = side;
  const kind = intent.pendingKind === null ? null : followerKind(intent.pendingKind, s.reverse);
  if (kind !== null) inputs.followerKind = kind;

  if (intent.newPosition && s.maxOpenPositions !== null) {
    const count =
      copiedPositionCount(ctx.copies, intent.masterPositionId) +
      (intent.action === 'place' ? pendingCopyCount(ctx.pendingCopies, intent.masterOrderId) : 0);
    inputs.openCopies = count;
    inputs.maxOpenPositions = s.maxOpenPositions;
    if (count >= s.maxOpenPositions) return skip('max_positions');
  }

  if (s.stopOutEquity !== null) {
    inputs.stopOutEquity = s.stopOutEquity;
    inputs.followerEquity = ctx.follower.equity;
    if (isBelowStopOut(ctx.follower, s.stopOutEquity)) return skip('stop_out');
  }

  const daily = checkDailyLoss(ctx.follower, s.dailyLossPercent);
  if (daily !== null) {
    inputs.dailyLossPercent = s.dailyLossPercent;
    inputs.dayStartEquity = ctx.follower.dayStartEquity;
    inputs.followerEquity = ctx.follower.equity;
    if (!daily.evaluated) notes.push('daily_loss_not_evaluated');
    else {
      inputs.dailyLossThreshold = daily.threshold;
      if (daily.hit) return skip('daily_loss_limit');
    }
  }

  const resolved = specFor(ctx.follower, symbol);
  notes.push(...resolved.notes);
  const sized = sizeVolume({
    sizing: s.sizing,
    masterVolume: intent.volume,
    price: intent.price,
    sl: intent.sl,
    master,
    follower: ctx.follower,
    spec: resolved.spec,
    into: inputs,
  });
  if (!sized.ok) return skip(sized.reason);

  const fitted = fitVolume({ raw: sized.raw, spec: resolved.spec, maxLot: s.maxLot, minVolume: s.minVolume, into: inputs });
  notes.push(...fitted.notes);
  if (!fitted.ok) return skip(fitted.reason);

  const stops = followerStops(intent.sl, intent.tp, s);
  inputs.copySl = s.copySl;
  inputs.copyTp = s.copyTp;
  if (!s.copySl && typeof (s.reverse ? intent.tp : intent.sl) === 'number') notes.push('sl_not_copied');
  if (!s.copyTp && typeof (s.reverse ? intent.sl : intent.tp) === 'number') notes.push('tp_not_copied');

  const planned = order({
    action: intent.action,
    symbol,
    side,
    kind,
    volume: fitted.volume,
    price: intent.price,
    maxDeviation: intent.action === 'open' ? s.maxDeviation : null,
    sl: stops.sl ?? null,
    tp: stops.tp ?? null,
    expiresAt: intent.expiresAt,
    masterPositionId: intent.masterPositionId,
    masterOrderId: intent.masterOrderId,
  });
  return copied(ctx, [planned], inputs, notes);
}
