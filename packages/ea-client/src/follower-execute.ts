import type { ExecutionBody, FollowerOrder } from '@kopitra/protocol';
import type { SimDeal, SimPosition, TradeResult } from './broker-types';
import { RETCODE } from './broker-types';
import type { FollowerLinks, OrderLink } from './follower-links';
import { compareLots, fromUnits, roundDownToStep, roundToTick, toUnits } from './lots';
import type { SimBroker } from './sim-broker';
import { iso } from './telemetry';

export interface ExecuteContext {
  broker: SimBroker;
  links: FollowerLinks;
  now: number;
  magic: number;
}

export interface ExecutionOutcome {
  report: ExecutionBody;
  /** True when this call changed the account (the crash-before-report window). */
  executed: boolean;
}

/**
 * Carries out one gateway order on the terminal and says what to report. Every action that
 * makes a deal tags it with the order's `tag` and first looks for that tag, so an order played
 * again (a crash after execution, before the report) is reported from what exists instead of
 * executed twice. Reports built from deals use the deal's time, price and volume, so a replayed
 * report has the same content as the first one would have had.
 */
export async function executeOrder(order: FollowerOrder, ctx: ExecuteContext): Promise<ExecutionOutcome> {
  if (Date.parse(order.expiresAt) <= ctx.now) {
    return { executed: false, report: report(order, 'expired', ctx.now, { message: 'order expired before execution' }) };
  }
  switch (order.action) {
    case 'open':
      return executeOpen(order, ctx);
    case 'close':
      return executeClose(order, ctx);
    case 'modify':
      return executeModify(order, ctx);
    case 'place':
      return executePlace(order, ctx);
    case 'amend':
      return executeAmend(order, ctx);
    case 'cancel':
      return executeCancel(order, ctx);
  }
}

async function executeOpen(order: FollowerOrder, ctx: ExecuteContext): Promise<ExecutionOutcome> {
  const { broker } = ctx;
  const found = broker.findByComment(order.tag);
  const entry = found.deals.find((d) => d.entry === 'in' || d.entry === 'inout');
  if (entry) {
    await link(ctx, order, { followerPositionId: entry.positionId });
    return { executed: false, report: fromDeals(order, [entry], 'already executed (found by tag)') };
  }
  const spec = broker.symbol(order.symbol);
  if (!spec) return rejected(order, ctx, RETCODE.INVALID, `unknown symbol ${order.symbol}`);
  if (order.side === null || order.volume === null) return rejected(order, ctx, RETCODE.INVALID, 'open needs side and volume');
  // Re-check against this terminal's limits: round down to the step, never above the maximum.
  const capped = compareLots(order.volume, spec.volumeMax) > 0 ? spec.volumeMax : order.volume;
  const volume = roundDownToStep(capped, spec.volumeStep);
  if (volume <= 0 || compareLots(volume, spec.volumeMin) < 0) {
    return rejected(order, ctx, RETCODE.INVALID_VOLUME, `volume ${order.volume} below the minimum ${spec.volumeMin} (step ${spec.volumeStep})`);
  }
  const worstPrice = order.price !== null && order.maxDeviation !== null
    ? roundToTick(order.side === 'buy' ? order.price + order.maxDeviation : order.price - order.maxDeviation, spec.tickSize, spec.digits)
    : undefined;
  const result = broker.marketOrder({
    symbol: order.symbol, side: order.side, volume, sl: order.sl, tp: order.tp, comment: order.tag, magic: ctx.magic,
    ...(worstPrice !== undefined ? { worstPrice } : {}),
  });
  if (!result.ok) return rejectedBy(order, ctx, result);
  const deal = result.deals[0]!;
  await link(ctx, order, { followerPositionId: deal.positionId });
  return { executed: true, report: fromDeals(order, [deal], volume < order.volume ? `volume adjusted from ${order.volume}` : '') };
}

async function executeClose(order: FollowerOrder, ctx: ExecuteContext): Promise<ExecutionOutcome> {
  const { broker } = ctx;
  const done = broker.findByComment(order.tag).deals.filter((d) => d.entry === 'out');
  if (done.length > 0) return { executed: false, report: fromDeals(order, done, 'already executed (found by tag)') };
  const targets = copiesOf(order, ctx);
  if (targets.length === 0) return rejected(order, ctx, RETCODE.POSITION_CLOSED, `no open copy of master position ${order.masterPositionId ?? '?'}`);
  const spec = broker.symbol(targets[0]!.symbol);
  if (!spec) return rejected(order, ctx, RETCODE.INVALID, `unknown symbol ${targets[0]!.symbol}`);
  const openUnits = targets.reduce((sum, p) => sum + toUnits(p.volume), 0);
  // No volume, or at least everything open: a full close of every copy (never dust left behind).
  let remaining = order.volume === null || toUnits(order.volume) >= openUnits ? openUnits : toUnits(roundDownToStep(order.volume, spec.volumeStep));
  if (remaining <= 0) return rejected(order, ctx, RETCODE.INVALID_VOLUME, `close volume ${order.volume} rounds to zero at step ${spec.volumeStep}`);
  const deals: SimDeal[] = [];
  let failure: TradeResult | undefined;
  for (const p of targets) {
    if (remaining <= 0) break;
    const units = Math.min(remaining, toUnits(p.volume));
    const result = broker.closePosition(p.id, { volume: fromUnits(units), comment: order.tag });
    if (!result.ok) {
      failure = result;
      break;
    }
    deals.push(...result.deals);
    remaining -= units;
  }
  if (deals.length === 0) return rejectedBy(order, ctx, failure!);
  const out = fromDeals(order, deals, failure ? `stopped early: ${failure.retcode} ${failure.message}` : '');
  if (failure) out.status = 'partially_filled';
  return { executed: true, report: out };
}

async function executeModify(order: FollowerOrder, ctx: ExecuteContext): Promise<ExecutionOutcome> {
  const targets = copiesOf(order, ctx);
  if (targets.length === 0) return rejected(order, ctx, RETCODE.POSITION_CLOSED, `no open copy of master position ${order.masterPositionId ?? '?'}`);
  for (const p of targets) {
    const result = ctx.broker.modifyPosition(p.id, { sl: order.sl, tp: order.tp });
    // NO_CHANGES: already at these levels (e.g. the same order replayed) — that is success.
    if (!result.ok && result.retcode !== RETCODE.NO_CHANGES) return rejectedBy(order, ctx, result);
  }
  return { executed: true, report: report(order, 'filled', ctx.now, { followerPositionId: targets[0]!.id, brokerCode: String(RETCODE.DONE) }) };
}

async function executePlace(order: FollowerOrder, ctx: ExecuteContext): Promise<ExecutionOutcome> {
  const { broker } = ctx;
  const found = broker.findByComment(order.tag);
  const existing = found.orders[0] ?? found.pastOrders[0];
  if (existing) {
    await link(ctx, order, { followerOrderId: existing.id, followerPositionId: existing.id });
    return { executed: false, report: report(order, 'filled', existing.placedAt, { volume: existing.volume, price: existing.price, followerPositionId: existing.id, brokerCode: String(RETCODE.DONE), message: 'already placed (found by tag)' }) };
  }
  const spec = broker.symbol(order.symbol);
  if (!spec) return rejected(order, ctx, RETCODE.INVALID, `unknown symbol ${order.symbol}`);
  if (!order.kind || order.volume === null || order.price === null) return rejected(order, ctx, RETCODE.INVALID, 'place needs kind, volume and price');
  const volume = roundDownToStep(compareLots(order.volume, spec.volumeMax) > 0 ? spec.volumeMax : order.volume, spec.volumeStep);
  if (volume <= 0 || compareLots(volume, spec.volumeMin) < 0) return rejected(order, ctx, RETCODE.INVALID_VOLUME, `volume ${order.volume} below the minimum ${spec.volumeMin}`);
  const result = broker.placePending({
    symbol: order.symbol, kind: order.kind, volume, price: order.price, sl: order.sl, tp: order.tp, comment: order.tag, magic: ctx.magic,
    expiresAt: order.orderExpiresAt ? Date.parse(order.orderExpiresAt) : null,
  });
  if (!result.ok || !result.order) return rejectedBy(order, ctx, result);
  const placed = result.order;
  await link(ctx, order, { followerOrderId: placed.id, followerPositionId: placed.id });
  return { executed: true, report: report(order, 'filled', placed.placedAt, { volume: placed.volume, price: placed.price, followerPositionId: placed.id, brokerCode: String(RETCODE.DONE) }) };
}

async function executeAmend(order: FollowerOrder, ctx: ExecuteContext): Promise<ExecutionOutcome> {
  const target = pendingCopyOf(order, ctx);
  if (!target) return rejected(order, ctx, RETCODE.INVALID_ORDER, `no pending copy of master order ${order.masterOrderId ?? '?'}`);
  const result = ctx.broker.modifyPending(target, {
    ...(order.price !== null ? { price: order.price } : {}), sl: order.sl, tp: order.tp,
    ...(order.orderExpiresAt !== undefined ? { expiresAt: order.orderExpiresAt ? Date.parse(order.orderExpiresAt) : null } : {}),
  });
  if (!result.ok && result.retcode !== RETCODE.NO_CHANGES) return rejectedBy(order, ctx, result);
  return { executed: true, report: report(order, 'filled', ctx.now, { followerPositionId: target, brokerCode: String(RETCODE.DONE) }) };
}

async function executeCancel(order: FollowerOrder, ctx: ExecuteContext): Promise<ExecutionOutcome> {
  const target = pendingCopyOf(order, ctx);
  if (!target) {
    const gone = candidatePendingIds(order, ctx).length > 0;
    // Already gone (cancelled by a replay of this order, filled or expired): nothing to cancel.
    return gone
      ? { executed: false, report: report(order, 'filled', ctx.now, { brokerCode: String(RETCODE.DONE), message: 'pending copy no longer pending' }) }
      : rejected(order, ctx, RETCODE.INVALID_ORDER, `no pending copy of master order ${order.masterOrderId ?? '?'}`);
  }
  const result = ctx.broker.cancelPending(target);
  if (!result.ok) return rejectedBy(order, ctx, result);
  return { executed: true, report: report(order, 'filled', ctx.now, { followerPositionId: target, brokerCode: String(RETCODE.DONE) }) };
}

/** The follower's open copies of the order's master position: by followerPositionId, then by the links/tags of its opening orders. */
function copiesOf(order: FollowerOrder, ctx: ExecuteContext): SimPosition[] {
  const { broker } = ctx;
  const out: SimPosition[] = [];
  const add = (p: SimPosition | undefined) => {
    if (p && !out.some((x) => x.id === p.id)) out.push(p);
  };
  if (order.followerPositionId) add(broker.position(order.followerPositionId));
  if (order.masterPositionId) {
    for (const l of ctx.links.forMasterPosition(order.masterPositionId)) {
      if (l.followerPositionId) add(broker.position(l.followerPositionId));
      for (const d of broker.findByComment(l.tag).deals) add(broker.position(d.positionId));
    }
  }
  return out.sort((a, b) => a.openedAt - b.openedAt);
}

function candidatePendingIds(order: FollowerOrder, ctx: ExecuteContext): string[] {
  const ids: string[] = [];
  if (order.followerPositionId) ids.push(order.followerPositionId);
  if (order.masterOrderId) for (const l of ctx.links.forMasterOrder(order.masterOrderId)) if (l.followerOrderId) ids.push(l.followerOrderId);
  return ids;
}

function pendingCopyOf(order: FollowerOrder, ctx: ExecuteContext): string | undefined {
  return candidatePendingIds(order, ctx).find((id) => ctx.broker.order(id) !== undefined);
}

async function link(ctx: ExecuteContext, order: FollowerOrder, ids: Partial<Pick<OrderLink, 'followerPositionId' | 'followerOrderId'>>): Promise<void> {
  await ctx.links.set({
    orderId: order.orderId, action: order.action, tag: order.tag,
    masterPositionId: order.masterPositionId, masterOrderId: order.masterOrderId ?? null,
    followerPositionId: ids.followerPositionId ?? null, followerOrderId: ids.followerOrderId ?? null,
  });
}

/** A filled report from deals: total volume, volume-weighted price, first position, last time. */
function fromDeals(order: FollowerOrder, deals: SimDeal[], message: string): ExecutionBody {
  const units = deals.reduce((s, d) => s + toUnits(d.volume), 0);
  const vwap = deals.reduce((s, d) => s + d.price * toUnits(d.volume), 0) / units;
  const last = deals[deals.length - 1]!;
  const digits = decimals(deals.map((d) => d.price));
  return report(order, 'filled', last.time, {
    volume: fromUnits(units), price: Number(vwap.toFixed(digits)), followerPositionId: deals[0]!.positionId,
    brokerCode: String(RETCODE.DONE), message,
  });
}

function decimals(prices: number[]): number {
  return Math.min(10, Math.max(0, ...prices.map((p) => (String(p).split('.')[1] ?? '').length)) + 2);
}

function rejected(order: FollowerOrder, ctx: ExecuteContext, retcode: number, message: string): ExecutionOutcome {
  return { executed: false, report: report(order, 'rejected', ctx.now, { brokerCode: String(retcode), message }) };
}

function rejectedBy(order: FollowerOrder, ctx: ExecuteContext, result: TradeResult): ExecutionOutcome {
  return rejected(order, ctx, result.retcode, result.message);
}

function report(order: FollowerOrder, status: ExecutionBody['status'], at: number, fields: Partial<Omit<ExecutionBody, 'orderId' | 'status' | 'executedAt'>>): ExecutionBody {
  return {
    orderId: order.orderId, status, executedAt: iso(at),
    volume: fields.volume ?? null, price: fields.price ?? null, followerPositionId: fields.followerPositionId ?? null,
    brokerCode: fields.brokerCode ?? '', message: (fields.message ?? '').slice(0, 512),
  };
}
