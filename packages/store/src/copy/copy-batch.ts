import type { CopyLeg, FollowerContext, PendingCopy, PlannedOrder } from '@kopitra/engine';
import { deriveOrderId, orderTag } from '@kopitra/protocol';
import type { Queryable, TxQueryable } from '../db';
import type { AuditRunRecord } from './audit-runs';
import type { StoredResponse } from './idempotency';
import { EVENTS_CHANNEL, ORDERS_CHANNEL, eventPayloads, wakePayloads, type KopitraEvent } from './events';
import { flushStatement, NO_ROWS, type FlushGuard, type FlushPart, type PartRows } from './flush-statement';
import { journalInsert } from './journal';
import { KeyedRows } from './keyed-rows';

/** A copy leg as stored: its id is the id of the order that opened it. */
export interface StoredLeg extends CopyLeg {
  legId: string;
}

/** A pending copy as stored, with the order that placed it. */
export interface StoredPending extends PendingCopy {
  placeOrderId: string;
}

export interface StoredFollowerContext extends FollowerContext {
  copies: StoredLeg[];
  pendingCopies: StoredPending[];
  followerStatus: 'active' | 'disabled';
}

export interface WrittenOrder {
  orderId: string;
  followerAccountId: string;
  subscriptionId: string;
  action: PlannedOrder['action'];
  volume: number | null;
  payload: Record<string, unknown>;
}

const DAY_MS = 86_400_000;
/** An open is only worth executing while the signal is fresh; everything else may wait for a reconnect. */
const MIN_OPEN_TTL_MS = 5_000;

/** Exact difference of two step-rounded volumes (8 decimal places is finer than any broker step). */
function minus(a: number, b: number): number {
  return Math.round((a - b) * 1e8) / 1e8;
}

function sideOfKind(kind: string): 'buy' | 'sell' {
  return kind.startsWith('buy') ? 'buy' : 'sell';
}

/**
 * Everything one transaction writes for the copy path — audit runs (a signal's run keeps the
 * signal), follower orders, copy legs, pending copies, idempotency records, sequences,
 * notifications — gathered in memory and written with ONE statement (or, for a large fan-out, as
 * one copy-journal row beside a statement for the rest: journalAtCommit). Planned orders are
 * applied to the in-memory follower contexts as they are added, so the next signal of the same
 * batch plans against the state this one left.
 */
export class CopyBatch {
  private readonly orders: unknown[] = [];
  private readonly newLegs = new Map<string, { leg: StoredLeg; subscriptionId: string }>();
  private readonly legDeltas = new Map<string, number>();
  private readonly newPending = new Map<string, { p: StoredPending; subscriptionId: string; active: boolean }>();
  private readonly pendingChanges = new Map<string, { subscriptionId: string; masterOrderId: string; price: number | null; active: boolean }>();
  private readonly runs: unknown[] = [];
  private readonly idempotency: unknown[] = [];
  private readonly sequences = new Map<string, { sequence: number; gap: boolean }>();
  private readonly followersToWake = new Set<string>();
  private readonly events: KopitraEvent[] = [];
  readonly written: WrittenOrder[] = [];

  private readonly nowIso: string;
  /** Expiry timestamps by time-to-live: a fan-out's thousand orders share a handful. */
  private readonly expiries = new Map<number, string>();

  /**
   * `wakeOrigin`: the writer wakes its own process's long-polls itself after the commit (with
   * `written`); its wake notifications name it, so that process skips them (see wakePayloads).
   */
  constructor(private readonly nowMs: number, private readonly wakeOrigin?: string) {
    this.nowIso = new Date(nowMs).toISOString();
  }

  private expiresAt(ttlMs: number): string {
    let iso = this.expiries.get(ttlMs);
    if (iso === undefined) this.expiries.set(ttlMs, (iso = new Date(this.nowMs + ttlMs).toISOString()));
    return iso;
  }

  get isEmpty(): boolean {
    return this.orders.length === 0 && this.runs.length === 0 && this.idempotency.length === 0 && this.sequences.size === 0 && this.events.length === 0 && this.newLegs.size === 0 && this.pendingChanges.size === 0;
  }

  /** Adds one subscription's planned orders (ids from (source, subscription, index)) and applies them to ctx. */
  addOrders(input: { sourceId: string; runId: string; signalId: string | null; ctx: StoredFollowerContext; orders: PlannedOrder[] }): WrittenOrder[] {
    const { ctx } = input;
    const sub = ctx.subscription;
    const now = this.nowIso;
    const out: WrittenOrder[] = [];
    const remaining = new Map(ctx.copies.map((l) => [l.legId, l.volume]));
    input.orders.forEach((o, index) => {
      const orderId = deriveOrderId(input.sourceId, sub.id, index);
      const tag = orderTag(orderId);
      let legId: string | null = null;
      let followerPositionId = o.followerPositionId;
      let openTag: string | null = null;
      if (o.action === 'open') {
        const leg: StoredLeg = { legId: orderId, masterPositionId: o.masterPositionId ?? '', followerSymbol: o.symbol, side: o.side ?? 'buy', volume: o.volume ?? 0, followerPositionId: null, openedAtMs: this.nowMs };
        ctx.copies.push(leg);
        remaining.set(orderId, leg.volume);
        this.newLegs.set(orderId, { leg, subscriptionId: sub.id });
      } else if (o.action === 'close' || o.action === 'modify') {
        const leg =
          ctx.copies.find((l) => o.followerPositionId && l.followerPositionId === o.followerPositionId) ??
          ctx.copies.find((l) => l.masterPositionId === o.masterPositionId && (o.action === 'modify' || (remaining.get(l.legId) ?? 0) > 0));
        if (leg) {
          legId = leg.legId;
          followerPositionId = followerPositionId ?? leg.followerPositionId;
          openTag = orderTag(leg.legId);
          if (o.action === 'close' && o.volume !== null) {
            const take = Math.min(remaining.get(leg.legId) ?? 0, o.volume);
            remaining.set(leg.legId, minus(remaining.get(leg.legId) ?? 0, take));
            leg.volume = minus(leg.volume, take);
            if (!this.newLegs.has(leg.legId)) this.legDeltas.set(leg.legId, minus(this.legDeltas.get(leg.legId) ?? 0, take));
          }
        }
      } else if (o.action === 'place') {
        const p: StoredPending = { placeOrderId: orderId, masterOrderId: o.masterOrderId ?? '', followerSymbol: o.symbol, kind: o.kind ?? 'buy_limit', volume: o.volume ?? 0, price: o.price ?? 0 };
        ctx.pendingCopies = ctx.pendingCopies.filter((x) => x.masterOrderId !== p.masterOrderId);
        ctx.pendingCopies.push(p);
        this.newPending.set(`${sub.id}\u0000${p.masterOrderId}`, { p, subscriptionId: sub.id, active: true });
      } else if (o.action === 'amend' || o.action === 'cancel') {
        // The follower finds its pending copy by the comment its place order put on it.
        const placed = ctx.pendingCopies.find((x) => x.masterOrderId === o.masterOrderId);
        if (placed) openTag = orderTag(placed.placeOrderId);
        this.changePending(ctx, o.masterOrderId ?? '', o.action === 'cancel' ? null : o.price, o.action !== 'cancel');
      }
      const ttl = o.action === 'open' ? Math.max(sub.maxSignalAgeMs, MIN_OPEN_TTL_MS) : DAY_MS;
      const payload = {
        orderId, runId: input.runId, subscriptionId: sub.id, createdAt: now,
        expiresAt: this.expiresAt(ttl),
        action: o.action, symbol: o.symbol, side: o.side, kind: o.kind, volume: o.volume, price: o.price,
        maxDeviation: o.maxDeviation, sl: o.sl, tp: o.tp, orderExpiresAt: o.expiresAt,
        masterPositionId: o.masterPositionId, masterOrderId: o.masterOrderId,
        followerPositionId: followerPositionId ?? null, tag, openTag, updates: o.updates ?? null,
      };
      // The row's other columns are read from the payload by the statement: each value travels once.
      this.orders.push({ s: input.signalId, f: sub.followerAccountId, l: legId, p: payload });
      out.push({ orderId, followerAccountId: sub.followerAccountId, subscriptionId: sub.id, action: o.action, volume: o.volume, payload });
    });
    ctx.copies = ctx.copies.filter((l) => l.volume > 0);
    if (out.length > 0) this.followersToWake.add(sub.followerAccountId);
    this.written.push(...out);
    return out;
  }

  /**
   * A master pending order filled and this follower held a pending copy of it: the follower's copy
   * fills at its own broker, so the pending copy becomes the copy leg (its place order's tag is the
   * follower position's comment) and no new open is sent.
   */
  linkPendingFill(ctx: StoredFollowerContext, masterOrderId: string, masterPositionId: string): void {
    const p = ctx.pendingCopies.find((x) => x.masterOrderId === masterOrderId);
    if (!p) return;
    this.changePending(ctx, masterOrderId, null, false);
    const leg: StoredLeg = { legId: p.placeOrderId, masterPositionId, followerSymbol: p.followerSymbol, side: sideOfKind(p.kind), volume: p.volume, followerPositionId: null, openedAtMs: this.nowMs };
    ctx.copies.push(leg);
    this.newLegs.set(leg.legId, { leg, subscriptionId: ctx.subscription.id });
  }

  private changePending(ctx: StoredFollowerContext, masterOrderId: string, price: number | null, active: boolean): void {
    const sub = ctx.subscription.id;
    const key = `${sub}\u0000${masterOrderId}`;
    const p = ctx.pendingCopies.find((x) => x.masterOrderId === masterOrderId);
    if (p && price !== null) p.price = price;
    if (!active) ctx.pendingCopies = ctx.pendingCopies.filter((x) => x.masterOrderId !== masterOrderId);
    const fresh = this.newPending.get(key);
    if (fresh) {
      fresh.active = fresh.active && active;
      return;
    }
    const prev = this.pendingChanges.get(key);
    this.pendingChanges.set(key, { subscriptionId: sub, masterOrderId, price: price ?? prev?.price ?? null, active: (prev?.active ?? true) && active });
  }

  addRun(r: AuditRunRecord): void {
    this.runs.push({ id: r.id, kind: r.kind, status: r.status, account_id: r.accountId, started_at: r.startedAt, finished_at: r.finishedAt, trigger: r.trigger, steps: r.steps, decisions: r.decisions, result: r.result ?? null, latency: r.latency, summary: r.summary });
  }

  addIdempotency(accountId: string, key: string, rec: StoredResponse): void {
    this.idempotency.push({ account_id: accountId, key, request_hash: rec.requestHash, status: rec.status, response: rec.response });
  }

  setSequence(accountId: string, sequence: number, gap: boolean): void {
    const prev = this.sequences.get(accountId);
    this.sequences.set(accountId, { sequence, gap: gap || (prev?.gap ?? false) });
  }

  addEvent(e: KopitraEvent): void {
    this.events.push(e);
  }

  private wakeNotifications(): Array<{ channel: string; payload: string }> {
    return wakePayloads(this.followersToWake, this.wakeOrigin).map((payload) => ({ channel: ORDERS_CHANNEL, payload }));
  }

  private eventNotifications(): Array<{ channel: string; payload: string }> {
    return eventPayloads(this.events).map((payload) => ({ channel: EVENTS_CHANNEL, payload }));
  }

  /** One round trip: every row of the batch, then the notifications (delivered at commit). */
  async flush(q: Queryable): Promise<void> {
    if (!this.isEmpty) {
      const { text, params } = flushStatement(this.flushParts());
      await q.query(text, params);
    }
  }

  /** The batch's one statement, written under `guard` (see flushStatement). */
  statement(guard: FlushGuard): { text: string; params: unknown[] } {
    return flushStatement(this.flushParts(), guard);
  }

  /**
   * The same statement without waiting for it: the transaction's COMMIT follows it in the same
   * round trip, and the transaction fails if it did.
   */
  flushAtCommit(q: TxQueryable): void {
    if (!this.isEmpty) {
      const { text, params } = flushStatement(this.flushParts());
      q.sendWithCommit(text, params);
    }
  }

  /**
   * The batch as a journal row (migration 060) instead of rows: the follower rows, the audit runs
   * and the followers' wake-ups go into one row `journalId` of these masters, written as text;
   * the idempotency records, sequences and events are written as usual — both statements out with
   * the COMMIT. The rows are projected after the commit (projectJournal). Nothing may have been
   * sent with sendFollowerRows before.
   */
  journalAtCommit(q: TxQueryable, journalId: string, masterAccountIds: string[]): void {
    if (this.isEmpty) return;
    const journal = journalInsert(journalId, masterAccountIds, { ...this.followerParts(), run: this.runs, notify: this.wakeNotifications() });
    q.send(journal.text, journal.params);
    const { text, params } = flushStatement({ ...NO_ROWS, idem: this.idempotency, seq: this.seqPart(), notify: this.eventNotifications() });
    q.sendWithCommit(text, params);
  }

  /**
   * Sends the follower rows gathered so far — orders, new copy legs and pending copies, changes to
   * existing ones — as a statement of their own in the caller's transaction, without waiting for
   * it: PostgreSQL writes them while the caller plans the next followers of a large fan-out. What
   * was sent is then stored state for this batch: a later change to a leg or pending copy sent here
   * is an update of its row (a later statement sees it), and the final flush holds only the rest.
   */
  sendFollowerRows(q: TxQueryable): void {
    if (this.orders.length === 0 && this.newLegs.size === 0 && this.legDeltas.size === 0 && this.newPending.size === 0 && this.pendingChanges.size === 0) return;
    const { text, params } = flushStatement({ ...NO_ROWS, ...this.followerParts() });
    q.send(text, params);
    this.orders.length = 0;
    this.newLegs.clear();
    this.legDeltas.clear();
    this.newPending.clear();
    this.pendingChanges.clear();
  }

  private followerParts(): Pick<Record<FlushPart, PartRows>, 'ord' | 'leg' | 'leg_change' | 'pen' | 'pen_change'> {
    const legs = [...this.newLegs.values()].map(({ leg, subscriptionId }) => ({
      open_order_id: leg.legId, subscription_id: subscriptionId, master_position_id: leg.masterPositionId,
      follower_symbol: leg.followerSymbol, side: leg.side, volume: leg.volume,
      opened_at: leg.openedAtMs === this.nowMs ? this.nowIso : new Date(leg.openedAtMs).toISOString(),
    }));
    const pending = [...this.newPending.values()].map(({ p, subscriptionId, active }) => ({
      subscription_id: subscriptionId, master_order_id: p.masterOrderId, place_order_id: p.placeOrderId,
      follower_symbol: p.followerSymbol, kind: p.kind, volume: p.volume, price: p.price, active,
    }));
    return {
      ord: this.orders, leg: legs,
      // Rows updated with values of their own: objects keyed by the row's key (see the statement).
      leg_change: new KeyedRows(this.legDeltas),
      pen: pending,
      pen_change: new KeyedRows([...this.pendingChanges.values()].map((c) => [`${c.subscriptionId}|${c.masterOrderId}`, { sub: c.subscriptionId, mo: c.masterOrderId, price: c.price, active: c.active }] as const)),
    };
  }

  /** Each part of the statement with its rows; a part with none is left out of the statement. */
  private flushParts(): Record<FlushPart, PartRows> {
    return {
      ...this.followerParts(),
      run: this.runs,
      idem: this.idempotency,
      seq: this.seqPart(),
      notify: [...this.wakeNotifications(), ...this.eventNotifications()],
    };
  }

  private seqPart(): KeyedRows {
    return new KeyedRows(this.sequences);
  }
}
