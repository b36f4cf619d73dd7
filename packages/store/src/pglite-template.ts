import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * A PGlite template: the database every migration has already been applied to, kept in two forms
 * side by side. Opening a new embedded database from it skips initdb and the migrations
 * (measured: ~0.8 s instead of ~3 s plus the migrations). It is only an optimisation — with no
 * template, or a stale one, a new database is made from scratch as before. It is built by the
 * root postinstall (scripts/postinstall.mjs, see pglite-template-build.ts) and never committed.
 *   - `<fingerprint>.tar`: a tarball of the data dir, which PGlite loads itself (`loadDataDir`);
 *     what in-memory databases (the tests) start from.
 *   - `<fingerprint>/`: the same database as a closed data dir, for a new database on disk (what
 *     `npm start` makes): plain file copies off the main thread, then PGlite opens it as an
 *     existing database. Unpacking the tarball instead goes file by file through PGlite's WASM
 *     file system on the main thread (open, write, chmod, utimes for each of ~1,100 entries).
 *     Measured alone on a 2-vCPU machine: read + unpack + open 1.7–2.1 s; copy + open of the
 *     unpacked dump 1.1–1.4 s (its open 0.75–0.85 s), of the dir once closed cleanly 0.6–1.0 s
 *     (its open 0.3–0.35 s), and of that dir without the template databases (470 files instead of
 *     1,070; see pglite-template-build.ts) 0.6–0.75 s.
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

/** templatePath() for the current migrations, or undefined when it cannot be worked out. */
export function currentTemplatePath(): string | undefined {
  try {
    return templatePath();
  } catch {
    return undefined;
  }
}

/** The template's closed data dir beside its tarball: `<fingerprint>/` for `<fingerprint>.tar`. */
export function templateDirOf(tarball: string): string {
  return tarball.replace(/\.tar$/, '');
}

/**
 * Makes `dataDir` (missing or empty) a copy of the template's data dir (see templateDirOf). The
 * copy is made beside it and renamed into place, so a start killed meanwhile leaves no half
 * database behind, only a `.…partial` dir that the next start removes. False when there is no
 * template dir or the copy fails: `dataDir` is then as it was, for the caller to make the database
 * another way.
 */
export async function copyPgliteTemplateDir(tarball: string, dataDir: string): Promise<boolean> {
  const dir = templateDirOf(tarball);
  if (dir === tarball || !existsSync(dir)) return false;
  const parent = dirname(dataDir);
  const prefix = `.${basename(dataDir)}.`;
  for (const name of readdirSync(parent)) {
    if (name.startsWith(prefix) && name.endsWith('.partial')) rmSync(join(parent, name), { recursive: true, force: true });
  }
  const partial = join(parent, `${prefix}${process.pid}.partial`);
  try {
    await copyInWorker(dir, partial);
    renameSync(partial, dataDir); // replaces the empty dir
    return true;
  } catch {
    return false;
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

// The copy runs whole on a thread of its own: fs.promises.cp would need the main thread between
// each of its ~4,500 steps, and the main thread is busy loading modules meanwhile (measured in
// `npm start` on 2 vCPUs: 2.0–2.5 s against 0.35–0.6 s alone).
const COPY_SOURCE = `
const { cpSync } = require('node:fs');
const { workerData } = require('node:worker_threads');
cpSync(workerData.from, workerData.to, { recursive: true, errorOnExist: true, force: false });
`;

function copyInWorker(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(COPY_SOURCE, { eval: true, workerData: { from, to } });
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`template copy exited with code ${code}`))));
  });
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
