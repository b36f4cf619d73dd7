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
}

export async function openDb(options: OpenDbOptions): Promise<Db> {
  const db = options.databaseUrl
    ? await openPgDb({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 })
    : await openPgliteDb({ dataDir: options.inMemory ? undefined : join(options.dataDir ?? './data', 'pglite') });
  if (options.migrate !== false) await migrate(db);
  return db;
}
