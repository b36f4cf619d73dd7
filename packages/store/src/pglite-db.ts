import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { Db, QueryResult } from './db';
import { copyPgliteTemplateDir, currentTemplatePath, readPgliteTemplate } from './pglite-template';

export interface PgliteDbOptions {
  /** Directory of the embedded database, or undefined for an in-memory one (tests). */
  dataDir?: string;
  /**
   * The template a new database starts from (see pglite-template.ts), named by its tarball (its
   * data dir beside it is used first on disk); null: never use one. Default: the template for the
   * current migrations and PGlite version, when it has been built.
   */
  templateFile?: string | null;
}

/**
 * Embedded PostgreSQL (PGlite, WASM). One instance per process; it serialises transactions
 * itself, so `tx` calls queue behind each other exactly as they would on one connection.
 */
export async function openPgliteDb(options: PgliteDbOptions): Promise<Db> {
  return (await openPglite(options)).db;
}

/** openPgliteDb, also handing back the PGlite instance itself (the template builder dumps it). */
export async function openPglite(options: PgliteDbOptions): Promise<{ pglite: PGlite; db: Db }> {
  const dataDir = options.dataDir ?? 'memory://';
  // Only a database that does not exist yet starts from the template: an empty (or missing) dir,
  // or memory. A dir with anything in it is left to PGlite exactly as before, so an existing
  // database is never replaced, and a failed load below can be undone by emptying the dir.
  const fresh = !options.dataDir || isEmptyDir(options.dataDir);
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const template = fresh && options.templateFile !== null ? options.templateFile ?? currentTemplatePath() : undefined;
  // While PGlite's module loads (off the main thread): on disk the template's data dir is copied,
  // in memory its tarball read.
  const [{ PGlite, types }, copied, read] = await Promise.all([
    import('@electric-sql/pglite'),
    template && options.dataDir ? copyPgliteTemplateDir(template, options.dataDir) : false,
    template && !options.dataDir ? readPgliteTemplate(template) : undefined,
  ]);
  const parsers = { [types.INT8]: (v: string) => Number(v), [types.NUMERIC]: (v: string) => Number(v) };
  // Each way that fails costs the time it took and is undone (the dir emptied); the next is tried:
  // the copied data dir, then the tarball, then a database made from scratch.
  const attempt = async (how: () => Promise<PGlite>): Promise<PGlite | undefined> => {
    try {
      return await how();
    } catch {
      if (options.dataDir) emptyDir(options.dataDir);
      return undefined;
    }
  };
  let pglite = copied ? await attempt(() => PGlite.create(dataDir, { parsers })) : undefined;
  if (!pglite && template) {
    const tarball = read ?? await readPgliteTemplate(template);
    if (tarball) pglite = await attempt(() => PGlite.create(dataDir, { parsers, loadDataDir: tarball }));
  }
  pglite ??= await PGlite.create(dataDir, { parsers });
  return { pglite, db: asDb(pglite) };
}

function asDb(pglite: PGlite): Db {
  const toResult = <R>(r: { rows: unknown[]; affectedRows?: number }): QueryResult<R> => ({
    rows: r.rows as R[],
    rowCount: r.affectedRows ?? r.rows.length,
  });

  return {
    kind: 'pglite',
    query: async (text, params) => toResult(await pglite.query(text, params as unknown[] | undefined)),
    tx: (fn) => pglite.transaction(async (t) => {
      // As on PostgreSQL: every statement is checked before the commit, awaited by fn or not,
      // and the first to fail is the transaction's error.
      const issued: Array<Promise<unknown>> = [];
      const issue = <R>(p: Promise<R>): Promise<R> => {
        issued.push(p);
        p.catch(() => {});
        return p;
      };
      const run = async (text: string, params?: readonly unknown[]) => toResult<never>(await t.query(text, params as unknown[] | undefined));
      const atCommit: Array<[string, readonly unknown[] | undefined]> = [];
      // One process, transactions serialised: the COMMIT follows fn here as before, but a
      // statement after commitNow() fails as it does on PostgreSQL.
      let committing = false;
      const open = () => {
        if (committing) throw new Error('no statement after commitNow()');
      };
      const result = await fn({
        query: (text, params) => { open(); return issue(run(text, params)); },
        send: (text, params) => { open(); void issue(run(text, params)); },
        sendWithCommit: (text, params) => { open(); atCommit.push([text, params]); },
        commitNow: () => { committing = true; },
      });
      for (const [text, params] of atCommit) issue(run(text, params));
      for (const p of issued) await p;
      return result;
    }),
    async exec(sql) {
      await pglite.exec(sql);
    },
    async listen(channel, onPayload) {
      const unsub = await pglite.listen(channel, onPayload);
      return unsub;
    },
    async close() {
      await pglite.close();
    },
  };
}

function isEmptyDir(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw e;
  }
}

function emptyDir(dir: string): void {
  for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
}
