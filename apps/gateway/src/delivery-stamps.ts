import type { Db, HandedOrder } from '@kopitra/store';
import { markDelivered } from '@kopitra/store';

/** An order's first delivery: to whom, when (ms) and what was handed over (its report needs it). */
interface Delivery extends HandedOrder {
  accountId: string;
  at: number;
}

/**
 * When each order was first handed to its follower, kept here until it is written. A follower EA
 * reports an execution a few milliseconds after it got the order, and that report's transaction
 * carries the stamp (`take`); only orders still unreported `delayMs` after their delivery are
 * stamped — and marked `delivered` — by one statement for all of them. Writing every delivery at
 * once cost the copy path a statement, a commit and a row lock per order (the report then waited
 * for that lock): at 500 signals/s a third of PostgreSQL's time.
 *
 * The stamp is information (latency, the audit trace), not state: an order stays pending until
 * its report, whether stamped or not. A stamp lost with a crash is taken again at the order's next
 * delivery, or by the report itself (its arrival time). It also holds what the order's payload told
 * the follower (run, action, volume): its report is then written without reading the order first
 * (recordHandedExecutions).
 */
export class DeliveryStamps {
  /** orderId → its first delivery, in delivery order. */
  private readonly pending = new Map<string, Delivery>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    private readonly delayMs: number,
    private readonly onError: (err: unknown) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(false), Math.max(10, Math.floor(this.delayMs / 2)));
    this.timer.unref();
  }

  /** Writes what is left (graceful shutdown). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flushing;
    await this.flush(true);
  }

  /** An order handed to its follower now: `payload` is what the follower got (FollowerOrder). */
  delivered(accountId: string, payload: Record<string, unknown>, atMs: number): void {
    const orderId = String(payload.orderId);
    if (this.pending.has(orderId)) return;
    const volume = payload.volume;
    this.pending.set(orderId, { accountId, at: atMs, runId: String(payload.runId), action: String(payload.action), volume: typeof volume === 'number' ? volume : null });
  }

  /** The delivery of the order this follower is reporting now (its report writes it), if still here. */
  take(accountId: string, orderId: string): Delivery | undefined {
    const d = this.pending.get(orderId);
    if (d === undefined || d.accountId !== accountId) return undefined;
    this.pending.delete(orderId);
    return d;
  }

  get size(): number {
    return this.pending.size;
  }

  /** Stamps the orders delivered at least `delayMs` ago (all of them when `all`). */
  flush(all: boolean): Promise<void> {
    if (this.flushing) return this.flushing;
    const due = this.now() - this.delayMs;
    const batch = new Map<string, Delivery>();
    for (const [id, d] of this.pending) {
      if (!all && d.at > due) break;
      batch.set(id, d);
    }
    if (batch.size === 0) return Promise.resolve();
    for (const id of batch.keys()) this.pending.delete(id);
    this.flushing = markDelivered(this.db, [...batch].map(([orderId, d]) => ({ orderId, at: new Date(d.at).toISOString() })))
      .catch((err: unknown) => {
        // Back in line for the next flush (an order reported meanwhile has already been stamped).
        for (const [id, d] of batch) if (!this.pending.has(id)) this.pending.set(id, d);
        this.onError(err);
      })
      .finally(() => { this.flushing = null; });
    return this.flushing;
  }
}
