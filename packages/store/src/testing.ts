import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Db } from './db';
import { openDb } from './open-db';
import { openPgliteDb } from './pglite-db';

/**
 * Test support: the backends a suite runs on. PGlite always; real PostgreSQL too when
 * KOPITRA_TEST_DATABASE_URL is set (CI sets it). Each real-PostgreSQL test database is fresh.
 */
export interface TestBackend {
  name: 'pglite' | 'postgres';
  /** A fresh database, migrated unless `empty` (an upgrade test migrates it itself). */
  open(options?: { empty?: boolean }): Promise<{ db: Db; databaseUrl: string | undefined; drop(): Promise<void> }>;
}

export function testBackends(): TestBackend[] {
  const baseUrl = process.env.KOPITRA_TEST_DATABASE_URL;
  const backends: TestBackend[] = [
    {
      name: 'pglite',
      async open(options) {
        // The template is an already migrated database: an empty one starts without it.
        const db = options?.empty ? await openPgliteDb({ templateFile: null }) : await openDb({ inMemory: true });
        return { db, databaseUrl: undefined, drop: () => db.close() };
      },
    },
  ];
  if (baseUrl) {
    backends.push({
      name: 'postgres',
      async open(options) {
        const { url, drop } = await createFreshDatabase(baseUrl);
        const db = await openDb({ databaseUrl: url, migrate: !options?.empty });
        return {
          db,
          databaseUrl: url,
          async drop() {
            await db.close();
            await drop();
          },
        };
      },
    });
  }
  return backends;
}

/** Creates an empty database beside the one baseUrl names; drop() removes it. */
export async function createFreshDatabase(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `kopitra_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * The indexes (those named `prefix…`) the generic plan of `sql` scans, prepared now on the tables
 * as they are: what a connection keeps for a statement first prepared while its tables were small.
 */
export async function genericPlanIndexes(db: Db, sql: string, types: string, args: string, prefix: string): Promise<string[]> {
  return db.tx(async (q) => {
    await q.query('SET LOCAL plan_cache_mode = force_generic_plan');
    await q.query(`PREPARE plan_probe(${types}) AS ${sql}`);
    const { rows } = await q.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) EXECUTE plan_probe(${args})`);
    await q.query('DEALLOCATE plan_probe');
    const plan = rows[0]!['QUERY PLAN'];
    return [...JSON.stringify(typeof plan === 'string' ? JSON.parse(plan) : plan).matchAll(/"Index Name":"([^"]+)"/g)].map((m) => m[1]!).filter((n) => n.startsWith(prefix));
  });
}
