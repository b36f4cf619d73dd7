import type { Queryable } from '../db';

/** Reads one value of the `settings` table (platform-wide key/value jsonb). */
export async function getSetting<T>(q: Queryable, key: string): Promise<T | null> {
  const { rows } = await q.query<{ value: T }>('SELECT value FROM settings WHERE key = $1', [key]);
  return rows[0] ? rows[0].value : null;
}

/**
 * Stores `value` under `key` unless a value is already there, and returns whichever value won —
 * so several instances starting at once agree on one (e.g. a generated signing key).
 */
export async function getOrCreateSetting<T>(q: Queryable, key: string, create: () => T): Promise<T> {
  const existing = await getSetting<T>(q, key);
  if (existing !== null) return existing;
  await q.query('INSERT INTO settings (key, value) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO NOTHING', [key, JSON.stringify(create())]);
  return (await getSetting<T>(q, key))!;
}
