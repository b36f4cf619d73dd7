import type { Db, Queryable } from '../db';
import { FLUSH_PARTS, hasRows, type FlushPart } from './flush-statement';

/**
 * The parts of a copy batch a journal row holds: everything the followers' side of a fan-out
 * writes (the audit runs with their decisions, the orders, copy legs, pending copies) and the
 * notifications that wake the followers' long-polls in other processes — sent when the rows exist,
 * at the projection's commit. The idempotency records, the masters' sequences and the operators'
 * events are written by the journal's own transaction (migration 060).
 */
export const JOURNAL_PARTS = ['run', 'ord', 'leg', 'leg_change', 'pen', 'pen_change', 'notify'] as const satisfies readonly FlushPart[];
export type JournalPart = (typeof JOURNAL_PARTS)[number];

const INSERT_SQL = `INSERT INTO copy_journal (id, master_account_ids, ${JOURNAL_PARTS.join(', ')})
  VALUES ($1, $2::text[], ${JOURNAL_PARTS.map((_, i) => `$${i + 3}`).join(', ')})`;

/** The journal row's statement: each part as the JSON text its projection reads (null when it has no rows). */
export function journalInsert(id: string, masterAccountIds: string[], parts: Record<JournalPart, unknown[] | Record<string, unknown>>): { text: string; params: unknown[] } {
  return { text: INSERT_SQL, params: [id, masterAccountIds, ...JOURNAL_PARTS.map((n) => (hasRows(parts[n]) ? JSON.stringify(parts[n]) : null))] };
}

/**
 * Projects one journal row: deletes it and writes its parts with the copy path's own statement
 * parts, in one statement. The row lock the DELETE takes makes it exactly once: a second projector
 * waits for the first and then finds nothing, and every part reads nothing. Each part is parsed
 * once, in the DELETE's RETURNING (a part read as text would be parsed again for every row).
 */
const PROJECT_SQL = `
WITH j AS (
  DELETE FROM copy_journal WHERE id = $1
  RETURNING ${JOURNAL_PARTS.map((n) => `${n}::jsonb AS j_${n}`).join(', ')}),
${JOURNAL_PARTS.filter((n) => n !== 'notify').map((n) => `${n} AS (${FLUSH_PARTS[n](`(SELECT j_${n} FROM j)`)})`).join(',\n')}
${FLUSH_PARTS.notify('(SELECT j_notify FROM j)')}`;

export async function projectJournal(q: Queryable, journalId: string): Promise<void> {
  await q.query(PROJECT_SQL, [journalId]);
}

/**
 * Projects, in the caller's transaction, every pending journal row, oldest first; returns how many
 * were pending. An execution report for an order it cannot find calls it before it reads again. A
 * row another process is projecting at the moment is waited for, and then found gone. (Readers of
 * a master's copy state find its pending rows with their read: loadFollowerContextsForMasters.)
 */
export async function projectPendingJournal(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ id: string }>('SELECT id FROM copy_journal ORDER BY created_at, id');
  for (const { id } of rows) await projectJournal(q, id);
  return rows.length;
}

/**
 * Recovery and the safety net: projects, each in a transaction of its own, the journal rows
 * committed at least `olderThanMs` ago — what a writer killed before its projection left behind.
 */
export async function projectStaleJournal(db: Pick<Db, 'query' | 'tx'>, olderThanMs: number): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM copy_journal WHERE created_at <= now() - make_interval(secs => $1::float8 / 1000) ORDER BY created_at, id`, [olderThanMs]);
  for (const { id } of rows) await db.tx((q) => projectJournal(q, id));
  return rows.length;
}
