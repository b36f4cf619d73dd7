import type { Queryable } from '../db';
import { appendAuditLog } from '../admin/audit-log';
import { CACHE_CHANNEL } from '../admin/notify-cache';

export interface FeatureFlag {
  name: string;
  enabled: boolean;
  description: string;
  updatedAt: string;
  updatedBy: string | null;
}

/** The payload on `kopitra_cache` that tells every process to re-read the flags. */
export const FLAGS_NOTIFICATION = 'flags:*';

interface FlagRow { name: string; enabled: boolean; description: string; updated_at: Date | string; updated_by: string | null }

function toFlag(r: FlagRow): FeatureFlag {
  return { name: r.name, enabled: r.enabled, description: r.description, updatedAt: new Date(r.updated_at).toISOString(), updatedBy: r.updated_by };
}

export async function listFlags(q: Queryable): Promise<FeatureFlag[]> {
  const { rows } = await q.query<FlagRow>('SELECT name, enabled, description, updated_at, updated_by FROM feature_flags ORDER BY name');
  return rows.map(toFlag);
}

/**
 * Switches a flag in the caller's transaction: the row, its audit entry (before and after) and
 * the cache notification commit together. Null when no flag has that name (flags are declared
 * by migrations, not created from the API, so a typo cannot invent one).
 */
export async function setFlag(q: Queryable, actor: string, name: string, enabled: boolean): Promise<FeatureFlag | null> {
  const { rows: before } = await q.query<FlagRow>('SELECT name, enabled, description, updated_at, updated_by FROM feature_flags WHERE name = $1 FOR UPDATE', [name]);
  if (!before[0]) return null;
  const { rows } = await q.query<FlagRow>(
    `UPDATE feature_flags SET enabled = $2, updated_at = now(), updated_by = $3 WHERE name = $1
     RETURNING name, enabled, description, updated_at, updated_by`,
    [name, enabled, actor],
  );
  const flag = toFlag(rows[0]!);
  await appendAuditLog(q, { actor, action: 'flag.update', target: `flag:${name}`, before: { enabled: before[0].enabled }, after: { enabled } });
  await q.query('SELECT pg_notify($1, $2)', [CACHE_CHANNEL, FLAGS_NOTIFICATION]);
  return flag;
}
