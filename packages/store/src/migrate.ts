import { readdirSync, readFileSync } from 'node:fs';
import type { Db } from './db';

const MIGRATIONS_DIR = new URL('../migrations/', import.meta.url);
const LOCK_KEY = 7_024_117; // pg_advisory_xact_lock key: one migrator at a time across processes

/**
 * Applies every migrations/NNN_name.sql not yet applied, in order, each in its own transaction.
 * `before`: only the versions below it (a test of an upgrade starts from an older schema).
 */
export async function migrate(db: Db, options: { before?: number } = {}): Promise<string[]> {
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{3}_.+\.sql$/.test(f))
    .sort();
  const applied: string[] = [];
  for (const file of files) {
    const version = Number(file.slice(0, 3));
    if (options.before !== undefined && version >= options.before) break;
    const sql = readFileSync(new URL(file, MIGRATIONS_DIR), 'utf8');
    const did = await db.tx(async (q) => {
      await q.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      const { rows } = await q.query('SELECT 1 FROM schema_migrations WHERE version = $1', [version]);
      if (rows.length > 0) return false;
      // Statements run one by one: the pg extended protocol takes a single statement per query.
      for (const statement of splitSql(sql)) await q.query(statement);
      await q.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [version, file]);
      return true;
    });
    if (did) applied.push(file);
  }
  return applied;
}

/** Splits a migration into statements on `;` outside of quotes, comments and $$-bodies. */
export function splitSql(sql: string): string[] {
  const out: string[] = [];
  let cur = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
      continue;
    }
    if (ch === '$' && sql[i + 1] === '$') {
      const end = sql.indexOf('$$', i + 2);
      cur += sql.slice(i, end + 2);
      i = end + 2;
      continue;
    }
    if (ch === "'") {
      let j = i + 1;
      while (j < sql.length && !(sql[j] === "'" && sql[j + 1] !== "'")) j += sql[j] === "'" ? 2 : 1;
      cur += sql.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === ';') {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
      i++;
      continue;
    }
    cur += ch;
    i++;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}
