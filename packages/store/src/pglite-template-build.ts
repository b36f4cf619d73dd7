import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { migrate } from './migrate';
import { openPglite } from './pglite-db';
import { templatePath } from './pglite-template';

/**
 * Builds the template for the current migrations (see pglite-template.ts): a fresh in-memory
 * PGlite, migrated, dumped as a tarball. The file appears whole or not at all (written beside
 * it, then renamed), so a process opening a database meanwhile never reads half of it. Older
 * templates in the same directory are removed: nothing can use them any more.
 */
export async function buildPgliteTemplate(path = templatePath()): Promise<string> {
  const { pglite, db } = await openPglite({ templateFile: null });
  let tarball: Blob;
  try {
    await migrate(db);
    tarball = await pglite.dumpDataDir('none');
  } finally {
    await db.close();
  }

  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const partial = join(dir, `.${basename(path)}.${process.pid}.partial`);
  try {
    writeFileSync(partial, Buffer.from(await tarball.arrayBuffer()));
    renameSync(partial, path);
  } finally {
    rmSync(partial, { force: true });
  }
  // Also the gzip tarballs (.tar.gz) of earlier versions.
  for (const name of readdirSync(dir)) {
    if (/\.tar(\.gz)?$/.test(name) && name !== basename(path)) rmSync(join(dir, name), { force: true });
  }
  return path;
}

/** Builds the template unless the one for the current migrations is already there. */
export async function ensurePgliteTemplate(path = templatePath()): Promise<{ path: string; built: boolean }> {
  if (existsSync(path)) return { path, built: false };
  return { path: await buildPgliteTemplate(path), built: true };
}
