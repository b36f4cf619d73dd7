import type { Queryable } from '../db';

/** The channel the gateway listens on to drop cached credentials, accounts and subscriptions. */
export const CACHE_CHANNEL = 'kopitra_cache';

/**
 * What changed, for the gateway's cache:
 * - `credential:<keyId>` on create / revoke,
 * - `account:<accountId>` on update / disable,
 * - `subscription:<masterAccountId>` on any subscription change (the gateway caches by master).
 */
export type CacheKind = 'credential' | 'account' | 'subscription';

/** Queues the notification in the caller's transaction: it is delivered on commit, or never. */
export async function notifyCache(q: Queryable, kind: CacheKind, id: string): Promise<void> {
  await q.query('SELECT pg_notify($1, $2)', [CACHE_CHANNEL, `${kind}:${id}`]);
}
