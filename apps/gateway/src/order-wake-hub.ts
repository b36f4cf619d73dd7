import type { Db } from '@kopitra/store';

type Waiter = () => void;

/**
 * Wakes long-polling followers the moment their orders commit: directly within this process,
 * and across gateway processes through PostgreSQL NOTIFY on `kopitra_orders`.
 */
export class OrderWakeHub {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private unlisten: (() => Promise<void>) | null = null;

  constructor(private readonly db: Db) {}

  async start(): Promise<void> {
    this.unlisten = await this.db.listen('kopitra_orders', (payload) => {
      for (const id of payload.split(',')) if (id) this.wake(id);
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

  wake(accountId: string): void {
    const set = this.waiters.get(accountId);
    if (!set) return;
    this.waiters.delete(accountId);
    for (const w of set) w();
  }

  /** Releases every waiter (graceful shutdown: long-polls answer now, empty or not). */
  releaseAll(): void {
    const all = [...this.waiters.values()];
    this.waiters.clear();
    for (const set of all) for (const w of set) w();
  }

  /**
   * Resolves when woken for this account, after `timeoutMs`, or when `signal` aborts —
   * whichever comes first. Registering is synchronous, so a wake right after cannot be missed.
   */
  wait(accountId: string, timeoutMs: number, signal?: AbortSignal): Promise<'woken' | 'timeout' | 'aborted'> {
    return new Promise((resolve) => {
      let set = this.waiters.get(accountId);
      if (!set) this.waiters.set(accountId, (set = new Set()));
      const done = (why: 'woken' | 'timeout' | 'aborted') => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters.get(accountId)?.delete(waiter);
        if (this.waiters.get(accountId)?.size === 0) this.waiters.delete(accountId);
        resolve(why);
      };
      const waiter = () => done('woken');
      const onAbort = () => done('aborted');
      const timer = setTimeout(() => done('timeout'), timeoutMs);
      set.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
