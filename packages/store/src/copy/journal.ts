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

/**
 * The parts whose rows are written with the values every row shares once: `{"c": shared, "r": rows
 * without them}` (hoistShared). A fan-out's orders and copy legs differ only in their ids — the
 * follower, the subscription, the order id and its tag — and carried every other value a thousand
 * times (the orders' part was 578 KB of a 1.07 MB row for 1,000 followers; hoisted, ≈ 150 KB).
 * The projection puts each row back together (HOISTED_SQL). `nested`: the key of an object in each
 * row (the order's payload) whose shared values are hoisted too.
 */
const HOISTED: Partial<Record<JournalPart, { nested?: string }>> = { ord: { nested: 'p' }, leg: {} };

/** Own enumerable keys with the same primitive value (or absent) in every row, and those values. */
function sharedValues(rows: Record<string, unknown>[]): Record<string, unknown> {
  const first = rows[0]!;
  const shared: Record<string, unknown> = {};
  for (const key in first) {
    const v = first[key];
    if (v !== null && typeof v === 'object') continue;
    let same = true;
    for (let i = 1; i < rows.length && same; i++) same = rows[i]![key] === v;
    if (same) shared[key] = v;
  }
  return shared;
}

function without(row: Record<string, unknown>, shared: Record<string, unknown>): Record<string, unknown> {
  const own: Record<string, unknown> = {};
  for (const key in row) if (!(key in shared)) own[key] = row[key];
  return own;
}

/** `{"c": shared, "r": own}`: what HOISTED_SQL turns back into the rows, in their order. */
export function hoistShared(rows: Record<string, unknown>[], nested?: string): { c: Record<string, unknown>; r: Record<string, unknown>[] } {
  const c = sharedValues(rows);
  const inner = nested === undefined ? {} : sharedValues(rows.map((row) => row[nested] as Record<string, unknown>));
  if (nested !== undefined) c[nested] = inner;
  const r = rows.map((row) => {
    const own = without(row, c);
    if (nested !== undefined) own[nested] = without(row[nested] as Record<string, unknown>, inner);
    return own;
  });
  return { c, r };
}

/**
 * A hoisted part back as its rows, in their order (`x` its jsonb). A part written before hoisting
 * (an array: a row a gateway of an earlier version left pending) is taken as it is.
 */
export function unhoistSql(x: string, nested?: string): string {
  const merged = nested === undefined
    ? `(${x} -> 'c') || e`
    : `((${x} -> 'c') - '${nested}') || (e - '${nested}') || jsonb_build_object('${nested}', (${x} -> 'c' -> '${nested}') || (e -> '${nested}'))`;
  return `CASE WHEN jsonb_typeof(${x}) = 'object'
      THEN (SELECT jsonb_agg(${merged} ORDER BY n) FROM jsonb_array_elements(${x} -> 'r') WITH ORDINALITY AS r(e, n))
      ELSE ${x} END`;
}

/** The journal row's statement: each part as the JSON text its projection reads (null when it has no rows). */
export function journalInsert(id: string, masterAccountIds: string[], parts: Record<JournalPart, unknown[] | Record<string, unknown>>): { text: string; params: unknown[] } {
  return {
    text: INSERT_SQL,
    params: [id, masterAccountIds, ...JOURNAL_PARTS.map((n) => {
      const rows = parts[n];
      if (!hasRows(rows)) return null;
      const hoist = HOISTED[n];
      return JSON.stringify(hoist && Array.isArray(rows) && rows.length > 1 ? hoistShared(rows as Record<string, unknown>[], hoist.nested) : rows);
    })],
  };
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
p AS (
  SELECT ${JOURNAL_PARTS.map((n) => (HOISTED[n] ? `${unhoistSql(`j_${n}`, HOISTED[n].nested)} AS j_${n}` : `j_${n}`)).join(',\n         ')}
    FROM j),
${JOURNAL_PARTS.filter((n) => n !== 'notify').map((n) => `${n} AS (${FLUSH_PARTS[n](`(SELECT j_${n} FROM p)`)})`).join(',\n')}
${FLUSH_PARTS.notify('(SELECT j_notify FROM p)')}`;

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
