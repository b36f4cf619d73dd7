import type { Db } from '../db';
import { CACHE_CHANNEL } from '../admin/notify-cache';
import { FLAGS_NOTIFICATION, listFlags } from './flags';

/**
 * Feature flags held in memory for hot paths (the gateway reads them per signal): loaded at
 * start, re-read when `flags:*` arrives on `kopitra_cache`, and — in case a notification is
 * lost with a dropped LISTEN connection — at most `maxAgeMs` old when read.
 */
export class FlagsReader {
  private flags = new Map<string, boolean>();
  private loadedAt = 0;
  private unlisten: (() => Promise<void>) | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(private readonly db: Db, private readonly options: { maxAgeMs?: number; now?: () => number } = {}) {}

  async start(): Promise<void> {
    this.unlisten = await this.db.listen(CACHE_CHANNEL, (payload) => {
      if (payload === FLAGS_NOTIFICATION) void this.refresh();
    });
    await this.refresh();
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
    this.unlisten = null;
  }

  /** Re-reads every flag (one small query); concurrent calls share one read. */
  refresh(): Promise<void> {
    this.refreshing ??= listFlags(this.db)
      .then((list) => {
        this.flags = new Map(list.map((f) => [f.name, f.enabled]));
        this.loadedAt = this.now();
      })
      .catch(() => {
        // Keep serving the last known values; the next notification or read retries.
      })
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  /** The flag's value; `fallback` for a flag that does not exist (yet). Never waits. */
  isEnabled(name: string, fallback = false): boolean {
    const maxAge = this.options.maxAgeMs ?? 60_000;
    if (this.now() - this.loadedAt > maxAge) void this.refresh();
    return this.flags.get(name) ?? fallback;
  }

  snapshot(): Record<string, boolean> {
    return Object.fromEntries(this.flags);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
