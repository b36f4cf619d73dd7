import { join } from 'node:path';
import type { Db } from './db';
import { migrate } from './migrate';
import { openPgDb } from './pg-db';
import { openPgliteDb } from './pglite-db';

export interface OpenDbOptions {
  /** Real PostgreSQL when set; otherwise embedded PGlite under dataDir. */
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  /** In-memory PGlite (tests). */
  inMemory?: boolean;
  poolSize?: number;
  migrate?: boolean;
  /**
   * PostgreSQL sessions tuned for the copy path (the gateway): see COPY_PATH_SESSION. The
   * management API keeps PostgreSQL's defaults: its reports may rightly prefer a scan.
   */
  copyPath?: boolean;
}

/**
 * Every copy-path statement looks rows up by key. PostgreSQL plans a fresh table (a new
 * deployment, a test database) as if scanning it were cheaper, and prepared statements keep that
 * plan while the table grows — measured: the idempotency, order and copy-leg look-ups scanned whole
 * tables on every call. Generic plans, planned once per connection, without sequential scans where
 * an index exists, and through plain index scans, not bitmap scans: an index scan marks the
 * entries of rows that left a partial index (an order filled, a leg closed) dead as it passes
 * them, a bitmap scan reads them again on every call until VACUUM — measured: a follower's
 * long-poll read went through 250 such entries (222 pages) for no row, 0.10 ms, and through 4
 * pages, 0.015 ms, once they were marked. And without JIT compilation: a statement left with only
 * a disabled scan (a small table no index serves, such as the copy journal) is costed at 10^10,
 * far above `jit_above_cost`, and was compiled on every execution — measured: the copy-state read
 * with the copy journal's look-up in it took 340 ms instead of 1.2, 346 ms of it JIT. Planner
 * settings only: commit durability is untouched.
 */
const COPY_PATH_SESSION = '-c plan_cache_mode=force_generic_plan -c enable_seqscan=off -c enable_bitmapscan=off -c jit=off';

export async function openDb(options: OpenDbOptions): Promise<Db> {
  const db = options.databaseUrl
    ? await openPgDb({ connectionString: options.databaseUrl, max: options.poolSize ?? 10, sessionOptions: options.copyPath ? COPY_PATH_SESSION : undefined })
    : await openPgliteDb({ dataDir: options.inMemory ? undefined : join(options.dataDir ?? './data', 'pglite') });
  if (options.migrate !== false) await migrate(db);
  return db;
}
