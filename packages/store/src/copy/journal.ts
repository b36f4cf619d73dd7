import type { Db, Queryable } from '../db';
import { FLUSH_PARTS, hasRows, type FlushPart, type PartRows } from './flush-statement';
import { partText } from './keyed-rows';

/**
 * The parts of a copy batch a journal row holds: everything the followers' side of a fan-out
 * writes (the audit runs with their decisions, the orders, copy legs, pending copies) and the
 * notifications that wake the followers' long-polls in other processes — sent when the rows exist,
 * at the projection's commit. The idempotency records, the masters' sequences and the operators'
 * events are written by the journal's own transaction (migration 060).
 */
export const JOURNAL_PARTS = ['run', 'ord', 'leg', 'leg_change', 'pen', 'pen_change', 'notify'] as const satisfies readonly FlushPart[];
export type JournalPart = (typeof JOURNAL_PARTS)[number];

/**
 * A fan-out's orders and copy legs differ only in their ids — the follower, the subscription, the
 * order id and its tag — and carried every other value a thousand times: the orders' part was
 * 562 KB of a 1.04 MB row for 1,000 followers. In the journal they are written with what every row
 * shares once, `{"c": shared, "r": rows without it}`: the copy legs' shared columns (hoistShared),
 * the orders' shared payload values (hoistNested, key `p`: ≈ 200 KB then). The projection merges
 * each order's payload with the shared one in the order statement itself (FLUSH_PARTS.ord's
 * `shared`), and the legs back into rows (unhoistSql). A part of an earlier version's row (an
 * array) is taken as it is.
 */
const HOISTED = { ord: 'p', leg: null } as const satisfies Partial<Record<JournalPart, string | null>>;

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
  for (const key in row) if (!Object.hasOwn(shared, key)) own[key] = row[key];
  return own;
}

type Hoisted = { c: Record<string, unknown>; r: Record<string, unknown>[] };

/** Flat rows as `{"c": what every row shares, "r": the rest of each}` (unhoistSql reverses it). */
export function hoistShared(rows: Record<string, unknown>[]): Hoisted {
  const c = sharedValues(rows);
  return { c, r: rows.map((row) => without(row, c)) };
}

/** Rows with an object under `key`: `c` is what that object shares across the rows, `r` the rows with the rest of it. */
export function hoistNested(rows: Record<string, unknown>[], key: string): Hoisted {
  const c = sharedValues(rows.map((row) => row[key] as Record<string, unknown>));
  return { c, r: rows.map((row) => ({ ...row, [key]: without(row[key] as Record<string, unknown>, c) })) };
}

/** A hoisted part's rows (`x` its jsonb), or `x` itself if it is an array (an earlier version's). */
const rowsOf = (x: string) => `CASE WHEN jsonb_typeof(${x}) = 'object' THEN ${x} -> 'r' ELSE ${x} END`;
/** A hoisted part's shared values; none for an earlier version's array. */
const sharedOf = (x: string) => `CASE WHEN jsonb_typeof(${x}) = 'object' THEN ${x} -> 'c' ELSE '{}'::jsonb END`;

/** hoistShared's `{c, r}` (`x` its jsonb) back as the rows, in their order; an array as it is. */
export function unhoistSql(x: string): string {
  return `CASE WHEN jsonb_typeof(${x}) = 'object'
      THEN (SELECT jsonb_agg((${x} -> 'c') || e ORDER BY n) FROM jsonb_array_elements(${x} -> 'r') WITH ORDINALITY AS r(e, n))
      ELSE ${x} END`;
}

const INSERT_SQL = `INSERT INTO copy_journal (id, master_account_ids, ${JOURNAL_PARTS.join(', ')})
  VALUES ($1, $2::text[], ${JOURNAL_PARTS.map((_, i) => `$${i + 3}`).join(', ')})`;

/** The journal row's statement: each part as the JSON text its projection reads (null when it has no rows). */
export function journalInsert(id: string, masterAccountIds: string[], parts: Record<JournalPart, PartRows>): { text: string; params: unknown[] } {
  const json = (n: JournalPart): string | null => {
    const rows = parts[n];
    if (!hasRows(rows)) return null;
    if (!Array.isArray(rows) || rows.length < 2 || !(n in HOISTED)) return partText(rows);
    const key = HOISTED[n as keyof typeof HOISTED];
    return JSON.stringify(key === null ? hoistShared(rows as Record<string, unknown>[]) : hoistNested(rows as Record<string, unknown>[], key));
  };
  return { text: INSERT_SQL, params: [id, masterAccountIds, ...JOURNAL_PARTS.map(json)] };
}

/**
 * Projects one journal row: deletes it and writes its parts with the copy path's own statement
 * parts, in one statement. The row lock the DELETE takes makes it exactly once: a second projector
 * waits for the first and then finds nothing, and every part reads nothing. Each part is parsed
 * once, in the DELETE's RETURNING (a part read as text would be parsed again for every row); the
 * runs as `json`, the type of their columns.
 */
const PROJECT_SQL = `
WITH j AS (
  DELETE FROM copy_journal WHERE id = $1
  RETURNING ${JOURNAL_PARTS.map((n) => `${n}::${n === 'run' ? 'json' : 'jsonb'} AS j_${n}`).join(', ')}),
p AS (SELECT ${JOURNAL_PARTS.map((n) => (n === 'leg' ? `${unhoistSql('j_leg')} AS j_leg` : `j_${n}`)).join(', ')} FROM j),
${JOURNAL_PARTS.filter((n) => n !== 'notify').map((n) => `${n} AS (${n === 'ord'
    ? FLUSH_PARTS.ord(`(SELECT ${rowsOf('j_ord')} FROM p)`, `(SELECT ${sharedOf('j_ord')} FROM p)`)
    : FLUSH_PARTS[n](`(SELECT j_${n} FROM p)`)})`).join(',\n')}
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
