/**
 * Gathers the calls made during one turn of the event loop and serves them with one operation:
 * a fan-out that wakes a thousand long-polls reads their orders in one query, not a thousand.
 */
export class Coalescer<K, R> {
  private pending = new Map<K, Array<{ resolve(r: R): void; reject(e: unknown): void }>>();
  private scheduled = false;

  constructor(private readonly run: (keys: K[]) => Promise<Map<K, R>>) {}

  get(key: K): Promise<R> {
    return new Promise((resolve, reject) => {
      const list = this.pending.get(key) ?? [];
      list.push({ resolve, reject });
      this.pending.set(key, list);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.scheduled = false;
    try {
      const results = await this.run([...batch.keys()]);
      for (const [key, waiters] of batch) for (const w of waiters) w.resolve(results.get(key)!);
    } catch (e) {
      for (const waiters of batch.values()) for (const w of waiters) w.reject(e);
    }
  }
}
