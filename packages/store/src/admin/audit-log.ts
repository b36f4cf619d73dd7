import { createHash } from 'node:crypto';
import type { Queryable } from '../db';
import { canonicalJson } from './canonical-json';

/** pg_advisory_xact_lock key that serialises appends, so each row chains to the one before it. */
const AUDIT_LOCK_KEY = 7_024_118;

export interface AuditEntry {
  /** Who: an operator id, or `system:<what>` for changes made by the platform itself. */
  actor: string;
  /** What: `<entity>.<verb>`, e.g. `subscription.update`. */
  action: string;
  target: string | null;
  before: unknown;
  after: unknown;
}

export interface AuditLogRow extends AuditEntry {
  id: number;
  at: string;
  prevHash: string;
  hash: string;
}

/** sha256 over the previous row's hash and the canonical JSON of this row's content. */
export function auditHash(prevHash: string, row: { at: string } & AuditEntry): string {
  const body = canonicalJson({
    at: row.at, actor: row.actor, action: row.action, target: row.target, before: row.before ?? null, after: row.after ?? null,
  });
  return createHash('sha256').update(prevHash).update(body).digest('hex');
}

/**
 * Appends one row to the hash-chained audit log. Call it inside the transaction of the change it
 * records: the advisory lock is held until that transaction ends, so concurrent appends queue and
 * the chain never forks.
 */
export async function appendAuditLog(q: Queryable, entry: AuditEntry, now: Date = new Date()): Promise<AuditLogRow> {
  await q.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_KEY]);
  const { rows } = await q.query<{ hash: string }>('SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1');
  const prevHash = rows[0]?.hash ?? '';
  // Millisecond precision, so the timestamp read back from timestamptz hashes the same.
  const at = new Date(Math.floor(now.getTime())).toISOString();
  const before = entry.before === undefined ? null : JSON.parse(JSON.stringify(entry.before));
  const after = entry.after === undefined ? null : JSON.parse(JSON.stringify(entry.after));
  const hash = auditHash(prevHash, { ...entry, at, before, after });
  const inserted = await q.query<{ id: number }>(
    `INSERT INTO audit_log (at, actor, action, target, before, after, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8) RETURNING id`,
    [at, entry.actor, entry.action, entry.target, jsonParam(before), jsonParam(after), prevHash, hash],
  );
  return { id: inserted.rows[0]!.id, at, ...entry, before, after, prevHash, hash };
}

function jsonParam(v: unknown): string | null {
  return v === null ? null : JSON.stringify(v);
}

interface AuditDbRow {
  id: number; at: Date | string; actor: string; action: string; target: string | null;
  before: unknown; after: unknown; prev_hash: string; hash: string;
}

function toAuditRow(r: AuditDbRow): AuditLogRow {
  return {
    id: r.id, at: new Date(r.at).toISOString(), actor: r.actor, action: r.action, target: r.target,
    before: r.before, after: r.after, prevHash: r.prev_hash, hash: r.hash,
  };
}

/** Audit rows in order, optionally only those about one target (tests, exports). */
export async function listAuditLog(q: Queryable, filter: { target?: string; afterId?: number; limit?: number } = {}): Promise<AuditLogRow[]> {
  const { rows } = await q.query<AuditDbRow>(
    `SELECT * FROM audit_log WHERE ($1::text IS NULL OR target = $1) AND id > $2 ORDER BY id LIMIT $3`,
    [filter.target ?? null, filter.afterId ?? 0, filter.limit ?? 10_000],
  );
  return rows.map(toAuditRow);
}

/**
 * Recomputes the chain from the first row: every row must point at its predecessor's hash and
 * hash to what it says. Returns the id of the first row that does not, or null when all hold.
 */
export async function verifyAuditChain(q: Queryable): Promise<{ ok: boolean; rows: number; brokenAt: number | null }> {
  let prev = '';
  let afterId = 0;
  let count = 0;
  for (;;) {
    const page = await listAuditLog(q, { afterId, limit: 1000 });
    if (page.length === 0) return { ok: true, rows: count, brokenAt: null };
    for (const row of page) {
      if (row.prevHash !== prev || auditHash(row.prevHash, row) !== row.hash) return { ok: false, rows: count, brokenAt: row.id };
      prev = row.hash;
      count++;
    }
    afterId = page[page.length - 1]!.id;
  }
}
