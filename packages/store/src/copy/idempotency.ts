import type { Queryable } from '../db';

export interface StoredResponse {
  requestHash: string;
  status: number;
  response: unknown;
}

export async function findIdempotencyRecord(q: Queryable, accountId: string, key: string): Promise<StoredResponse | null> {
  const { rows } = await q.query<{ request_hash: string; status: number; response: unknown }>(
    'SELECT request_hash, status, response FROM idempotency_records WHERE account_id = $1 AND key = $2',
    [accountId, key],
  );
  const r = rows[0];
  return r ? { requestHash: r.request_hash, status: r.status, response: r.response } : null;
}

/**
 * Stores the first answer under (account, key). A concurrent transaction of another process that
 * stored it first makes this insert fail with a unique violation, which the caller turns into a replay.
 */
export async function saveIdempotencyRecord(q: Queryable, accountId: string, key: string, rec: StoredResponse): Promise<void> {
  await q.query(
    'INSERT INTO idempotency_records (account_id, key, request_hash, status, response) VALUES ($1, $2, $3, $4, $5)',
    [accountId, key, rec.requestHash, rec.status, JSON.stringify(rec.response)],
  );
}

/** Idempotency records are promised for 24 h; anything older than the retention goes. */
export async function pruneIdempotencyRecords(q: Queryable, retentionMs: number): Promise<number> {
  const r = await q.query(`DELETE FROM idempotency_records WHERE created_at < now() - ($1::double precision * interval '1 millisecond')`, [retentionMs]);
  return r.rowCount;
}

export function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: string }).code === '23505';
}

/** Several look-ups in one round trip; keyed by `${accountId}\u0000${key}`. */
export async function findIdempotencyRecords(q: Queryable, keys: Array<{ accountId: string; key: string }>): Promise<Map<string, StoredResponse>> {
  const out = new Map<string, StoredResponse>();
  if (keys.length === 0) return out;
  // Both columns as arrays: an index scan of the primary key whatever the table's size (a join
  // with unnest() was planned as a sequential scan of the whole table). Pairs filtered here.
  const wanted = new Set(keys.map((k) => `${k.accountId}\u0000${k.key}`));
  const { rows } = await q.query<{ account_id: string; key: string; request_hash: string; status: number; response: unknown }>(
    `SELECT account_id, key, request_hash, status, response FROM idempotency_records
      WHERE account_id = ANY($1::text[]) AND key = ANY($2::text[])`,
    [[...new Set(keys.map((k) => k.accountId))], [...new Set(keys.map((k) => k.key))]],
  );
  for (const r of rows) {
    const k = `${r.account_id}\u0000${r.key}`;
    if (wanted.has(k)) out.set(k, { requestHash: r.request_hash, status: r.status, response: r.response });
  }
  return out;
}
