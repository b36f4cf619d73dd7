import type { AccountState, SubscriptionSettings } from '@kopitra/engine';

/** A subscription with its follower's state: what a signal's plan reads besides the copy legs. */
export interface FollowerBase {
  subscription: SubscriptionSettings;
  follower: AccountState;
  followerStatus: 'active' | 'disabled';
}

export interface CachedMaster {
  /** md5 over each row's id and the `xmin` of its subscription, follower account and follower state rows. */
  fingerprint: string;
  bases: FollowerBase[];
}

/**
 * Each master's live subscriptions with their followers' state as last read, and a fingerprint of
 * the rows they came from. The signal path sends the fingerprints it holds with its read and gets
 * full rows back only for masters whose rows changed since — any update, insert or delete changes
 * a row's `xmin`, whoever wrote it (the management API, telemetry, another gateway) — so what a
 * plan reads is exactly what it read before, without turning a fan-out's thousand rows of JSON
 * into objects on every signal. Entries are never modified, only replaced.
 */
export class SubscriptionCache {
  private readonly byMaster = new Map<string, CachedMaster>();
  hits = 0;
  misses = 0;

  constructor(private readonly maxMasters = 10_000) {}

  /** The entries held now for these masters (the read decides against these, whatever happens to the cache meanwhile). */
  snapshot(masterAccountIds: string[]): Map<string, CachedMaster> {
    const out = new Map<string, CachedMaster>();
    for (const id of masterAccountIds) {
      const e = this.byMaster.get(id);
      if (e) out.set(id, e);
    }
    return out;
  }

  set(masterAccountId: string, entry: CachedMaster): void {
    if (this.byMaster.size >= this.maxMasters && !this.byMaster.has(masterAccountId)) this.byMaster.clear();
    this.byMaster.set(masterAccountId, entry);
  }

  get size(): number {
    return this.byMaster.size;
  }
}
