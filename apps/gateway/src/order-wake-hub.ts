import { randomBytes } from 'node:crypto';
import { ORDERS_CHANNEL, parseWakePayload, type Db } from '@kopitra/store';

/** Orders as a follower receives them (the `orders` table's payload). */
export type OrderPayload = Record<string, unknown>;

/**
 * The orders this process just committed for a follower, handed to its long-polls, with the
 * long-poll's answer to them already serialised (`{"orders":[…]}`): built while the commit is
 * under way, so a fan-out's thousand answers are only written once it returns.
 */
export interface HandedOrders {
  orders: OrderPayload[];
  answer: string;
}

export function handOver(orders: OrderPayload[]): HandedOrders {
  return { orders, answer: JSON.stringify({ orders }) };
}

type Waiter = (handed?: HandedOrders) => void;

export type WaitResult =
  | { why: 'woken'; handed?: HandedOrders }
  | { why: 'timeout' | 'aborted' };

/**
 * Wakes long-polling followers the moment their orders commit: directly within this process,
 * and across gateway processes through PostgreSQL NOTIFY on `kopitra_orders`.
 */
export class OrderWakeHub {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private unlisten: (() => Promise<void>) | null = null;
  /**
   * This process's name in the wake notifications of the commits it wakes for itself (the signal
   * path hands its long-polls their orders after the commit): its listener skips those. Heard
   * first, they woke the long-polls without their orders, and each read its queue back.
   */
  readonly origin = randomBytes(6).toString('base64url');

  constructor(private readonly db: Db) {}

  async start(): Promise<void> {
    this.unlisten = await this.db.listen(ORDERS_CHANNEL, (payload) => {
      const { origin, followerAccountIds } = parseWakePayload(payload);
      if (origin === this.origin) return;
      for (const id of followerAccountIds) this.wake(id);
    });
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.releaseAll();
  }

  /** Number of long-polls currently waiting (all accounts). */
  get waiting(): number {
    let n = 0;
    for (const s of this.waiters.values()) n += s.size;
    return n;
  }

  /** The accounts with at least one long-poll waiting now. */
  waitingAccounts(): string[] {
    return [...this.waiters.keys()];
  }

  waitingFor(accountId: string): number {
    return this.waiters.get(accountId)?.size ?? 0;
  }

  /**
   * Wakes this account's long-polls. `handed`: the orders this process just committed for it,
   * handed over so a long-poll that found the account's queue empty answers without reading it back.
   * Returns whether a long-poll was waiting.
   */
  wake(accountId: string, handed?: HandedOrders): boolean {
    const set = this.waiters.get(accountId);
    if (!set) return false;
    this.waiters.delete(accountId);
    for (const w of set) w(handed);
    return true;
  }

  /** Releases every waiter (graceful shutdown: long-polls answer now, empty or not). */
  releaseAll(): void {
    const all = [...this.waiters.values()];
    this.waiters.clear();
    for (const set of all) for (const w of set) w();
  }

  /**
   * Resolves when woken for this account (with the orders handed over, if any), after `timeoutMs`,
   * or when `handle.cancel()` withdraws this one wait (the account's other waits stay) — whichever
   * comes first. Registering is synchronous, so a wake right after cannot be missed.
   */
  wait(accountId: string, timeoutMs: number, handle?: { cancel?: () => void }): Promise<WaitResult> {
    return new Promise((resolve) => {
      let set = this.waiters.get(accountId);
      if (!set) this.waiters.set(accountId, (set = new Set()));
      const done = (result: WaitResult) => {
        clearTimeout(timer);
        this.waiters.get(accountId)?.delete(waiter);
        if (this.waiters.get(accountId)?.size === 0) this.waiters.delete(accountId);
        resolve(result);
      };
      const waiter: Waiter = (handed) => done(handed ? { why: 'woken', handed } : { why: 'woken' });
      const onAbort = () => done({ why: 'aborted' });
      const timer = setTimeout(() => done({ why: 'timeout' }), timeoutMs);
      set.add(waiter);
      if (handle) handle.cancel = onAbort;
    });
  }
}
