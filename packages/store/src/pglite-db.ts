import { mkdirSync } from 'node:fs';
import type { Db, QueryResult } from './db';

export interface PgliteDbOptions {
  /** Directory of the embedded database, or undefined for an in-memory one (tests). */
  dataDir?: string;
}

/**
 * Embedded PostgreSQL (PGlite, WASM). One instance per process; it serialises transactions
 * itself, so `tx` calls queue behind each other exactly as they would on one connection.
 */
export async function openPgliteDb(options: PgliteDbOptions): Promise<Db> {
  const { PGlite, types } = await import('@electric-sql/pglite');
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const parsers = { [types.INT8]: (v: string) => Number(v), [types.NUMERIC]: (v: string) => Number(v) };
  const db = await PGlite.create(options.dataDir ?? 'memory://', { parsers });

  const toResult = <R>(r: { rows: unknown[]; affectedRows?: number }): QueryResult<R> => ({
    rows: r.rows as R[],
    rowCount: r.affectedRows ?? r.rows.length,
  });

  return {
    kind: 'pglite',
    query: async (text, params) => toResult(await db.query(text, params as unknown[] | undefined)),
    tx: (fn) => db.transaction((t) => fn({ query: async (text, params) => toResult(await t.query(text, params as unknown[] | undefined)) })),
    async exec(sql) {
      await db.exec(sql);
    },
    async listen(channel, onPayload) {
      const unsub = await db.listen(channel, onPayload);
      return unsub;
    },
    async close() {
      await db.close();
    },
  };
}
