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
