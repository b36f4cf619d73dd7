import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { migrate } from './migrate';
import { openPglite } from './pglite-db';
import { readPgliteTemplate, templateDirOf, templatePath } from './pglite-template';

/**
 * Builds the template for the current migrations (see pglite-template.ts): a fresh in-memory
 * PGlite, migrated, dumped as a tarball; then the data dir that tarball gives a new database on
 * disk, opened once and closed cleanly. Each appears whole or not at all (written beside it, then
 * renamed), so a process opening a database meanwhile never reads half of one. Older templates in
 * the same directory are removed: nothing can use them any more.
 */
export async function buildPgliteTemplate(path = templatePath()): Promise<string> {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(path)) await buildTarball(path);
  if (!existsSync(templateDirOf(path))) await buildDataDir(path);
  // Older fingerprints (their tarball, gzip tarball of earlier versions, or data dir); not the
  // `.…partial` entries of a build running meanwhile.
  const ours = new Set([basename(path), basename(templateDirOf(path))]);
  for (const name of readdirSync(dir)) {
    if (/^[0-9a-f]{16}(\.tar(\.gz)?)?$/.test(name) && !ours.has(name)) rmSync(join(dir, name), { recursive: true, force: true });
  }
  return path;
}

async function buildTarball(path: string): Promise<void> {
  const { pglite, db } = await openPglite({ templateFile: null });
  let tarball: Blob;
  try {
    await migrate(db);
    tarball = await pglite.dumpDataDir('none');
  } finally {
    await db.close();
  }
  const partial = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
  try {
    writeFileSync(partial, Buffer.from(await tarball.arrayBuffer()));
    renameSync(partial, path);
  } finally {
    rmSync(partial, { force: true });
  }
}

/**
 * The data dir a new database on disk gets from the tarball, closed cleanly (a shutdown
 * checkpoint), without the template databases: `template0` and `template1` are there only for
 * CREATE DATABASE, which an embedded database never runs (one database, `postgres`), and they are
 * 600 of its 1,070 files — each file a new database copies costs ≈ 0.3–1 ms on a small VM's disk.
 */
async function buildDataDir(path: string): Promise<void> {
  const target = templateDirOf(path);
  const partial = join(dirname(path), `.${basename(target)}.${process.pid}.partial`);
  rmSync(partial, { recursive: true, force: true });
  try {
    const loadDataDir = await readPgliteTemplate(path);
    if (!loadDataDir) throw new Error(`cannot read ${path}`);
    const { PGlite } = await import('@electric-sql/pglite');
    const pglite = await PGlite.create(partial, { loadDataDir });
    try {
      await pglite.exec(`UPDATE pg_database SET datistemplate = false WHERE datname IN ('template0', 'template1')`);
      await pglite.exec('DROP DATABASE template0');
      await pglite.exec('DROP DATABASE template1');
    } finally {
      await pglite.close();
    }
    renameSync(partial, target);
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

/** Builds the template unless the one for the current migrations is already there (both forms). */
export async function ensurePgliteTemplate(path = templatePath()): Promise<{ path: string; built: boolean }> {
  if (existsSync(path) && existsSync(templateDirOf(path))) return { path, built: false };
  return { path: await buildPgliteTemplate(path), built: true };
}
