import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A PGlite template: a tarball of a data dir that already holds every migration. Opening a
 * new embedded database from it skips initdb and the migrations (measured: ~0.8 s instead of
 * ~3 s plus the migrations). It is only an optimisation — with no template, or a stale one, a new
 * database is made from scratch as before. It is built by the root postinstall
 * (scripts/postinstall.mjs, see pglite-template-build.ts) and never committed.
 */

const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));
const TEMPLATE_DIR = fileURLToPath(new URL('../.pglite-template/', import.meta.url));

/** Same filter as migrate(): these files, and nothing else, make up the schema. */
const MIGRATION_FILE = /^\d{3}_.+\.sql$/;

/**
 * Names the schema a template holds: the migrations' names and contents, and the PGlite version
 * (a data dir written by another PGlite build may not load, or may load wrongly).
 */
export function migrationsFingerprint(migrationsDir = MIGRATIONS_DIR, pgliteVersion = installedPgliteVersion()): string {
  const hash = createHash('sha256').update(`pglite ${pgliteVersion}\0`);
  const files = readdirSync(migrationsDir).filter((f) => MIGRATION_FILE.test(f)).sort();
  for (const file of files) hash.update(`${file}\0`).update(readFileSync(join(migrationsDir, file))).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/** Where the template for a fingerprint lives: packages/store/.pglite-template/<fingerprint>.tar. */
export function templatePath(fingerprint = migrationsFingerprint()): string {
  return join(TEMPLATE_DIR, `${fingerprint}.tar`);
}

/**
 * The template for the current migrations as a tarball, or undefined when there is none. Any
 * failure to find or read it also means undefined: the caller then makes the database from
 * scratch.
 *
 * Kept uncompressed (41 MB on disk, never committed): reading it takes tens of milliseconds where
 * gunzipping it took 0.35 s of every fresh start. An uncompressed tar also keeps PGlite 0.5 off
 * its own gzip path, which on a damaged stream rejects a promise nobody awaits and so ends the
 * process whatever the caller catches.
 */
export async function readPgliteTemplate(path?: string): Promise<Blob | undefined> {
  try {
    const file = path ?? templatePath();
    if (!existsSync(file)) return undefined;
    return new Blob([await readFile(file)], { type: 'application/x-tar' });
  } catch {
    return undefined;
  }
}

/**
 * PGlite does not export its package.json, so find it from the resolved entry point: walk up to
 * the directory whose package.json names the package.
 */
function installedPgliteVersion(): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve('@electric-sql/pglite'));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@electric-sql/pglite' && pkg.version) return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the version of @electric-sql/pglite');
    dir = parent;
  }
}
