import type {
  AccountMode, AccountState, BrokerEvent, DealReason, PendingKind, Quote, Side, SimDeal, SimPendingOrder, SimPosition,
  SymbolSpec, TradeResult,
} from './broker-types';
import { RETCODE } from './broker-types';
import type { Clock } from './http-client';
import { addLots, compareLots, isWholeSteps, roundToTick, snapToStep, subLots, toUnits } from './lots';
import { seededRandom } from './seeded-random';

/** Adverse slippage in price units for one fill (0 = fill at the quote). */
export type Slippage = number | ((fill: { symbol: string; side: Side; quote: Quote }) => number);

export interface SimBrokerOptions {
  mode?: AccountMode;
  balance?: number;
  currency?: string;
  leverage?: number;
  symbols?: SymbolSpec[];
  quotes?: Record<string, Quote>;
  clock?: Clock;
  slippage?: Slippage;
  /** Seed of the random walk (`walk()`). Default 1. */
  seed?: number;
  /** First order/position ticket (positions take the ticket of their opening order). Default 5000001. */
  firstTicket?: number;
  firstDealTicket?: number;
}

export interface MarketRequest {
  symbol: string;
  side: Side;
  volume: number;
  sl?: number | null;
  tp?: number | null;
  comment?: string;
  magic?: number;
  /** Refuse with REQUOTE (10004) when the fill would be worse than this price. */
  worstPrice?: number;
}

export interface CloseRequest {
  /** Default: the whole position. Less than the open volume is a partial close. */
  volume?: number;
  comment?: string;
  worstPrice?: number;
}

export interface PendingRequest {
  symbol: string;
  kind: PendingKind;
  volume: number;
  price: number;
  sl?: number | null;
  tp?: number | null;
  comment?: string;
  magic?: number;
  expiresAt?: number | null;
}

/** undefined leaves a level unchanged, null removes it. */
export interface StopsChange {
  sl?: number | null;
  tp?: number | null;
}

export const DEFAULT_SYMBOLS: SymbolSpec[] = [
  { name: 'EURUSD', volumeMin: 0.01, volumeMax: 100, volumeStep: 0.01, contractSize: 100_000, tickSize: 0.00001, tickValue: 1, digits: 5 },
  { name: 'XAUUSD', volumeMin: 0.01, volumeMax: 50, volumeStep: 0.01, contractSize: 100, tickSize: 0.01, tickValue: 1, digits: 2 },
];

/**
 * A simulated MT5 account: symbols, quotes, market fills with slippage, hedging or netting,
 * positions with stable ids, comments, deal history, pending orders, SL/TP and partial closes.
 * Volumes are checked and combined in exact step arithmetic. Synchronous and deterministic
 * (the clock and the walk's seed are injected).
 */
export class SimBroker {
  readonly mode: AccountMode;
  private readonly clock: Clock;
  private readonly currency: string;
  private readonly leverage: number;
  private balanceValue: number;
  private slippage: Slippage;
  private readonly specs = new Map<string, SymbolSpec>();
  private readonly quotes = new Map<string, Quote>();
  private readonly openPositions = new Map<string, SimPosition>();
  private readonly pendingOrders = new Map<string, SimPendingOrder>();
  private readonly history: SimDeal[] = [];
  private readonly orderHistory: SimPendingOrder[] = [];
  private readonly listeners = new Set<(e: BrokerEvent) => void>();
  private readonly random: () => number;
  private nextTicket: number;
  private nextDeal: number;

  constructor(options: SimBrokerOptions = {}) {
    this.mode = options.mode ?? 'hedging';
    this.clock = options.clock ?? Date.now;
    this.currency = options.currency ?? 'USD';
    this.leverage = options.leverage ?? 100;
    this.balanceValue = options.balance ?? 10_000;
    this.slippage = options.slippage ?? 0;
    this.random = seededRandom(options.seed ?? 1);
    this.nextTicket = options.firstTicket ?? 5_000_001;
    this.nextDeal = options.firstDealTicket ?? 9_000_001;
    for (const s of options.symbols ?? DEFAULT_SYMBOLS) this.addSymbol(s);
    for (const [name, q] of Object.entries(options.quotes ?? {})) this.quotes.set(name, { ...q });
    if (!options.quotes) {
      if (this.specs.has('EURUSD')) this.quotes.set('EURUSD', { bid: 1.085, ask: 1.08502 });
      if (this.specs.has('XAUUSD')) this.quotes.set('XAUUSD', { bid: 2650, ask: 2650.3 });
    }
  }

  // ---- market data -------------------------------------------------------------------------

  addSymbol(spec: SymbolSpec, quote?: Quote): void {
    this.specs.set(spec.name, { ...spec });
    if (quote) this.quotes.set(spec.name, { ...quote });
  }

  symbol(name: string): SymbolSpec | undefined {
    const s = this.specs.get(name);
    return s ? { ...s } : undefined;
  }

  symbols(): SymbolSpec[] {
    return [...this.specs.values()].map((s) => ({ ...s }));
  }

  quote(symbol: string): Quote | undefined {
    const q = this.quotes.get(symbol);
    return q ? { ...q } : undefined;
  }

  /** Sets the price; pending orders, SL/TP and expiries are checked against it (events follow). */
  setQuote(symbol: string, bid: number, ask: number = bid): void {
    const spec = this.requireSpec(symbol);
    this.quotes.set(symbol, { bid: roundToTick(bid, spec.tickSize, spec.digits), ask: roundToTick(ask, spec.tickSize, spec.digits) });
    this.onPriceChange(symbol);
  }

  /** A deterministic seeded random walk: each symbol moves by up to ±maxTicks ticks per step, spread kept. */
  walk(steps = 1, maxTicks = 5): void {
    for (let i = 0; i < steps; i++) {
      for (const [name, q] of [...this.quotes]) {
        const spec = this.specs.get(name);
        if (!spec) continue;
        const ticks = Math.round((this.random() * 2 - 1) * maxTicks);
        const move = ticks * spec.tickSize;
        this.setQuote(name, q.bid + move, q.ask + move);
      }
    }
  }

  setSlippage(slippage: Slippage): void {
    this.slippage = slippage;
  }

  /** Re-checks expiries (pending orders) against the clock without a price change. */
  checkExpiries(): void {
    const now = this.clock();
    for (const o of [...this.pendingOrders.values()]) {
      if (o.expiresAt !== null && o.expiresAt <= now) {
        this.pendingOrders.delete(o.id);
        this.orderHistory.push({ ...o });
        this.emit({ type: 'order.expired', order: { ...o }, at: now });
      }
    }
  }

  // ---- account -----------------------------------------------------------------------------

  on(listener: (e: BrokerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  account(): AccountState {
    let floating = 0;
    for (const p of this.openPositions.values()) floating += this.floatingProfit(p);
    floating = money(floating);
    return { mode: this.mode, balance: this.balanceValue, equity: money(this.balanceValue + floating), floating, currency: this.currency, leverage: this.leverage };
  }

  positions(): SimPosition[] {
    return [...this.openPositions.values()].map(clonePosition);
  }

  position(id: string): SimPosition | undefined {
    const p = this.openPositions.get(id);
    return p ? clonePosition(p) : undefined;
  }

  orders(): SimPendingOrder[] {
    return [...this.pendingOrders.values()].map((o) => ({ ...o }));
  }

  order(id: string): SimPendingOrder | undefined {
    const o = this.pendingOrders.get(id);
    return o ? { ...o } : undefined;
  }

  deals(): SimDeal[] {
    return this.history.map((d) => ({ ...d }));
  }

  /** Everything carrying a comment (the follower's order tag): open positions, pending orders, deals, finished orders. */
  findByComment(comment: string): { positions: SimPosition[]; orders: SimPendingOrder[]; deals: SimDeal[]; pastOrders: SimPendingOrder[] } {
    return {
      positions: this.positions().filter((p) => p.comment === comment),
      orders: this.orders().filter((o) => o.comment === comment),
      deals: this.deals().filter((d) => d.comment === comment),
      pastOrders: this.orderHistory.filter((o) => o.comment === comment).map((o) => ({ ...o })),
    };
  }

  // ---- trading -----------------------------------------------------------------------------

  /** A market order. Hedging: always a new position. Netting: opens, scales in, reduces or reverses the symbol's position. */
  marketOrder(req: MarketRequest): TradeResult {
    const spec = this.specs.get(req.symbol);
    if (!spec) return fail(RETCODE.INVALID, `unknown symbol ${req.symbol}`);
    const volumeProblem = checkVolume(req.volume, spec);
    if (volumeProblem) return fail(RETCODE.INVALID_VOLUME, volumeProblem);
    const fill = this.fillPrice(req.symbol, req.side, req.worstPrice);
    if (typeof fill === 'string') return fail(RETCODE.REQUOTE, fill);
    const stopsProblem = this.checkStops(req.symbol, req.side, req.sl ?? null, req.tp ?? null);
    if (stopsProblem) return fail(RETCODE.INVALID_STOPS, stopsProblem);
    const orderTicket = this.ticket();
    return this.execute({ ...req, volume: snapToStep(req.volume, spec.volumeStep), price: fill, orderTicket, reason: 'client' });
  }

  /** Closes all or part of a position (opposite deal on its id). */
  closePosition(positionId: string, req: CloseRequest = {}): TradeResult {
    const p = this.openPositions.get(positionId);
    if (!p) return fail(RETCODE.POSITION_CLOSED, `position ${positionId} is not open`);
    const spec = this.requireSpec(p.symbol);
    const requested = req.volume ?? p.volume;
    if (!(requested > 0) || !isWholeSteps(requested, spec.volumeStep) || compareLots(requested, p.volume) > 0) {
      return fail(RETCODE.INVALID_VOLUME, `close volume ${requested} is not a whole number of steps up to ${p.volume}`);
    }
    const volume = snapToStep(requested, spec.volumeStep);
    const side: Side = p.side === 'buy' ? 'sell' : 'buy';
    const fill = this.fillPrice(p.symbol, side, req.worstPrice);
    if (typeof fill === 'string') return fail(RETCODE.REQUOTE, fill);
    return this.reduce(p, { volume, price: fill, comment: req.comment ?? '', orderTicket: this.ticket(), reason: 'client' });
  }

  modifyPosition(positionId: string, change: StopsChange): TradeResult {
    const p = this.openPositions.get(positionId);
    if (!p) return fail(RETCODE.POSITION_CLOSED, `position ${positionId} is not open`);
    const sl = change.sl === undefined ? p.sl : change.sl;
    const tp = change.tp === undefined ? p.tp : change.tp;
    if (sl === p.sl && tp === p.tp) return fail(RETCODE.NO_CHANGES, 'no changes');
    const problem = this.checkStops(p.symbol, p.side, sl, tp);
    if (problem) return fail(RETCODE.INVALID_STOPS, problem);
    p.sl = sl;
    p.tp = tp;
    this.emit({ type: 'position.modified', position: clonePosition(p) });
    return { ok: true, retcode: RETCODE.DONE, message: 'done', deals: [], position: clonePosition(p), positionId: p.id };
  }

  placePending(req: PendingRequest): TradeResult {
    const spec = this.specs.get(req.symbol);
    if (!spec) return fail(RETCODE.INVALID, `unknown symbol ${req.symbol}`);
    const volumeProblem = checkVolume(req.volume, spec);
    if (volumeProblem) return fail(RETCODE.INVALID_VOLUME, volumeProblem);
    const price = roundToTick(req.price, spec.tickSize, spec.digits);
    const priceProblem = this.checkPendingPrice(req.symbol, req.kind, price);
    if (priceProblem) return fail(RETCODE.INVALID_PRICE, priceProblem);
    const now = this.clock();
    if (req.expiresAt != null && req.expiresAt <= now) return fail(RETCODE.INVALID_EXPIRATION, 'expiration in the past');
    const order: SimPendingOrder = {
      id: this.ticket(), symbol: req.symbol, kind: req.kind, volume: snapToStep(req.volume, spec.volumeStep), price,
      sl: req.sl ?? null, tp: req.tp ?? null, comment: req.comment ?? '', magic: req.magic ?? 0,
      expiresAt: req.expiresAt ?? null, placedAt: now,
    };
    this.pendingOrders.set(order.id, order);
    this.emit({ type: 'order.placed', order: { ...order }, at: now });
    return { ok: true, retcode: RETCODE.DONE, message: 'placed', deals: [], order: { ...order } };
  }

  modifyPending(orderId: string, change: { price?: number; sl?: number | null; tp?: number | null; expiresAt?: number | null }): TradeResult {
    const o = this.pendingOrders.get(orderId);
    if (!o) return fail(RETCODE.INVALID_ORDER, `order ${orderId} is not pending`);
    const spec = this.requireSpec(o.symbol);
    const price = change.price === undefined ? o.price : roundToTick(change.price, spec.tickSize, spec.digits);
    const next = { ...o, price, sl: change.sl === undefined ? o.sl : change.sl, tp: change.tp === undefined ? o.tp : change.tp, expiresAt: change.expiresAt === undefined ? o.expiresAt : change.expiresAt };
    if (next.price === o.price && next.sl === o.sl && next.tp === o.tp && next.expiresAt === o.expiresAt) return fail(RETCODE.NO_CHANGES, 'no changes');
    const priceProblem = this.checkPendingPrice(o.symbol, o.kind, next.price);
    if (priceProblem) return fail(RETCODE.INVALID_PRICE, priceProblem);
    Object.assign(o, next);
    this.emit({ type: 'order.modified', order: { ...o }, at: this.clock() });
    return { ok: true, retcode: RETCODE.DONE, message: 'modified', deals: [], order: { ...o } };
  }

  cancelPending(orderId: string): TradeResult {
    const o = this.pendingOrders.get(orderId);
    if (!o) return fail(RETCODE.INVALID_ORDER, `order ${orderId} is not pending`);
    this.pendingOrders.delete(orderId);
    this.orderHistory.push({ ...o });
    this.emit({ type: 'order.cancelled', order: { ...o }, at: this.clock() });
    return { ok: true, retcode: RETCODE.DONE, message: 'cancelled', deals: [], order: { ...o } };
  }

  /** Fills a pending order now (as if its price was reached): limits at their price, stops at market. */
  triggerPending(orderId: string): TradeResult {
    const o = this.pendingOrders.get(orderId);
    if (!o) return fail(RETCODE.INVALID_ORDER, `order ${orderId} is not pending`);
    const side: Side = o.kind.startsWith('buy') ? 'buy' : 'sell';
    const spec = this.requireSpec(o.symbol);
    const price = o.kind.endsWith('limit') ? o.price : this.fillPrice(o.symbol, side);
    if (typeof price === 'string') return fail(RETCODE.REQUOTE, price);
    this.pendingOrders.delete(orderId);
    this.orderHistory.push({ ...o });
    this.emit({ type: 'order.filled', order: { ...o }, at: this.clock() });
    return this.execute({
      symbol: o.symbol, side, volume: o.volume, price: roundToTick(price, spec.tickSize, spec.digits), sl: o.sl, tp: o.tp,
      comment: o.comment, magic: o.magic, orderTicket: o.id, reason: 'pending',
    });
  }

  // ---- internals ---------------------------------------------------------------------------

  private execute(x: { symbol: string; side: Side; volume: number; price: number; sl?: number | null; tp?: number | null; comment?: string; magic?: number; orderTicket: string; reason: DealReason }): TradeResult {
    const existing = this.mode === 'netting' ? [...this.openPositions.values()].find((p) => p.symbol === x.symbol) : undefined;
    if (!existing) {
      const position: SimPosition = {
        id: x.orderTicket, symbol: x.symbol, side: x.side, volume: x.volume, price: x.price,
        sl: x.sl ?? null, tp: x.tp ?? null, comment: x.comment ?? '', magic: x.magic ?? 0, openedAt: this.clock(),
      };
      this.openPositions.set(position.id, position);
      const deal = this.deal({ ...x, positionId: position.id, entry: 'in', profit: 0 });
      this.emit({ type: 'position.opened', position: clonePosition(position), deal });
      return done(deal, position);
    }
    if (existing.side === x.side) {
      const after = addLots(existing.volume, x.volume);
      const spec = this.requireSpec(x.symbol);
      existing.price = Number(((existing.price * existing.volume + x.price * x.volume) / after).toFixed(spec.digits + 3));
      existing.volume = after;
      if (x.sl !== undefined && x.sl !== null) existing.sl = x.sl;
      if (x.tp !== undefined && x.tp !== null) existing.tp = x.tp;
      const deal = this.deal({ ...x, positionId: existing.id, entry: 'in', profit: 0 });
      this.emit({ type: 'position.increased', position: clonePosition(existing), deal, volume: x.volume });
      return done(deal, existing);
    }
    const cmp = compareLots(x.volume, existing.volume);
    if (cmp <= 0) return this.reduce(existing, { volume: x.volume, price: x.price, comment: x.comment ?? '', orderTicket: x.orderTicket, reason: x.reason, magic: x.magic });
    // Netting reversal: one `inout` deal; the position keeps its id and flips side.
    const closedVolume = existing.volume;
    const rest = subLots(x.volume, closedVolume);
    const profit = this.profitOf(existing, closedVolume, x.price);
    this.balanceValue = money(this.balanceValue + profit);
    const deal = this.deal({ ...x, positionId: existing.id, entry: 'inout', profit });
    const closedView: SimPosition = { ...existing, volume: closedVolume };
    this.emit({ type: 'position.closed', position: { ...closedView, volume: 0 }, deal, volume: closedVolume, volumeAfter: 0 });
    Object.assign(existing, { side: x.side, volume: rest, price: x.price, sl: x.sl ?? null, tp: x.tp ?? null, comment: x.comment ?? '', openedAt: this.clock() });
    this.emit({ type: 'position.opened', position: clonePosition(existing), deal });
    return done(deal, existing);
  }

  private reduce(p: SimPosition, x: { volume: number; price: number; comment: string; orderTicket: string; reason: DealReason; magic?: number }): TradeResult {
    const profit = this.profitOf(p, x.volume, x.price);
    this.balanceValue = money(this.balanceValue + profit);
    const after = subLots(p.volume, x.volume);
    const deal = this.deal({
      symbol: p.symbol, side: p.side === 'buy' ? 'sell' : 'buy', volume: x.volume, price: x.price, comment: x.comment,
      magic: x.magic ?? p.magic, orderTicket: x.orderTicket, reason: x.reason, positionId: p.id, entry: 'out', profit,
    });
    p.volume = after;
    if (toUnits(after) === 0) this.openPositions.delete(p.id);
    this.emit({ type: 'position.closed', position: clonePosition(p), deal, volume: x.volume, volumeAfter: after });
    const result = done(deal, p);
    if (toUnits(after) === 0) delete result.position;
    return result;
  }

  private deal(x: { symbol: string; side: Side; volume: number; price: number; comment?: string; magic?: number; orderTicket: string; reason: DealReason; positionId: string; entry: SimDeal['entry']; profit: number }): SimDeal {
    const deal: SimDeal = {
      ticket: String(this.nextDeal++), orderTicket: x.orderTicket, positionId: x.positionId, symbol: x.symbol, side: x.side,
      entry: x.entry, volume: x.volume, price: x.price, time: this.clock(), comment: x.comment ?? '', magic: x.magic ?? 0,
      profit: x.profit, reason: x.reason,
    };
    this.history.push(deal);
    return { ...deal };
  }

  private fillPrice(symbol: string, side: Side, worstPrice?: number): number | string {
    const spec = this.requireSpec(symbol);
    const quote = this.quotes.get(symbol);
    if (!quote) return `no quote for ${symbol}`;
    const slip = typeof this.slippage === 'function' ? this.slippage({ symbol, side, quote: { ...quote } }) : this.slippage;
    const raw = side === 'buy' ? quote.ask + slip : quote.bid - slip;
    const price = roundToTick(raw, spec.tickSize, spec.digits);
    if (worstPrice !== undefined) {
      const worse = side === 'buy' ? price > worstPrice + spec.tickSize / 2 : price < worstPrice - spec.tickSize / 2;
      if (worse) return `requote: ${side} would fill at ${price}, worse than ${worstPrice}`;
    }
    return price;
  }

  private checkStops(symbol: string, side: Side, sl: number | null, tp: number | null): string | undefined {
    const q = this.quotes.get(symbol);
    if (!q) return undefined;
    // Levels are checked against the price the position would close at.
    const closeAt = side === 'buy' ? q.bid : q.ask;
    if (side === 'buy') {
      if (sl !== null && sl >= closeAt) return `buy stop-loss ${sl} must be below ${closeAt}`;
      if (tp !== null && tp <= closeAt) return `buy take-profit ${tp} must be above ${closeAt}`;
    } else {
      if (sl !== null && sl <= closeAt) return `sell stop-loss ${sl} must be above ${closeAt}`;
      if (tp !== null && tp >= closeAt) return `sell take-profit ${tp} must be below ${closeAt}`;
    }
    return undefined;
  }

  private checkPendingPrice(symbol: string, kind: PendingKind, price: number): string | undefined {
    const q = this.quotes.get(symbol);
    if (!q) return undefined;
    const ok = kind === 'buy_limit' ? price < q.ask : kind === 'buy_stop' ? price > q.ask : kind === 'sell_limit' ? price > q.bid : price < q.bid;
    return ok ? undefined : `${kind} at ${price} is on the wrong side of the market (${q.bid}/${q.ask})`;
  }

  private onPriceChange(symbol: string): void {
    this.checkExpiries();
    const q = this.quotes.get(symbol);
    if (!q) return;
    for (const o of [...this.pendingOrders.values()]) {
      if (o.symbol !== symbol) continue;
      const hit =
        (o.kind === 'buy_limit' && q.ask <= o.price) || (o.kind === 'buy_stop' && q.ask >= o.price) ||
        (o.kind === 'sell_limit' && q.bid >= o.price) || (o.kind === 'sell_stop' && q.bid <= o.price);
      if (hit) this.triggerPending(o.id);
    }
    for (const p of [...this.openPositions.values()]) {
      if (p.symbol !== symbol || !this.openPositions.has(p.id)) continue;
      const at = p.side === 'buy' ? q.bid : q.ask;
      const slHit = p.sl !== null && (p.side === 'buy' ? at <= p.sl : at >= p.sl);
      const tpHit = p.tp !== null && (p.side === 'buy' ? at >= p.tp : at <= p.tp);
      if (slHit || tpHit) {
        const spec = this.requireSpec(p.symbol);
        const level = slHit ? p.sl : p.tp;
        this.reduce(p, { volume: p.volume, price: at, comment: `[${slHit ? 'sl' : 'tp'} ${level?.toFixed(spec.digits)}]`, orderTicket: this.ticket(), reason: slHit ? 'sl' : 'tp' });
      }
    }
  }

  private floatingProfit(p: SimPosition): number {
    const q = this.quotes.get(p.symbol);
    if (!q) return 0;
    return this.profitOf(p, p.volume, p.side === 'buy' ? q.bid : q.ask);
  }

  private profitOf(p: SimPosition, volume: number, closePrice: number): number {
    const spec = this.requireSpec(p.symbol);
    const diff = p.side === 'buy' ? closePrice - p.price : p.price - closePrice;
    return money((diff / spec.tickSize) * spec.tickValue * volume);
  }

  private requireSpec(symbol: string): SymbolSpec {
    const spec = this.specs.get(symbol);
    if (!spec) throw new RangeError(`unknown symbol ${symbol}`);
    return spec;
  }

  private ticket(): string {
    return String(this.nextTicket++);
  }

  private emit(event: BrokerEvent): void {
    for (const l of this.listeners) l(event);
  }
}

function checkVolume(volume: number, spec: SymbolSpec): string | undefined {
  if (!Number.isFinite(volume) || volume <= 0) return `volume ${volume} must be positive`;
  if (compareLots(volume, spec.volumeMin) < 0) return `volume ${volume} below the minimum ${spec.volumeMin}`;
  if (compareLots(volume, spec.volumeMax) > 0) return `volume ${volume} above the maximum ${spec.volumeMax}`;
  if (!isWholeSteps(volume, spec.volumeStep)) return `volume ${volume} is not a multiple of the step ${spec.volumeStep}`;
  return undefined;
}

function money(x: number): number {
  return Math.round(x * 100) / 100;
}

function clonePosition(p: SimPosition): SimPosition {
  return { ...p };
}

function fail(retcode: number, message: string): TradeResult {
  return { ok: false, retcode, message, deals: [] };
}

function done(deal: SimDeal, position: SimPosition): TradeResult {
  return { ok: true, retcode: RETCODE.DONE, message: 'done', deals: [deal], position: clonePosition(position), positionId: position.id, price: deal.price, volume: deal.volume };
}
