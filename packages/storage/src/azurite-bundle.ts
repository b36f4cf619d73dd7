import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Azurite bundled with its dependencies into one CommonJS file: the same code, loaded from one
 * file instead of ~1,650 modules each resolved, read and compiled apart. Measured on a 2-vCPU
 * machine: listening after 0.60–0.70 s (0.65–0.73 s of CPU) against 0.91–1.14 s (1.00–1.26 s) for
 * `azurite/dist/src/azurite.js`; on `npm start` Azurite competes for the same two cores with the
 * embedded database's start.
 *
 * Like the launcher bundle, a local cache of this checkout, never committed: built by the root
 * postinstall (scripts/postinstall.mjs), inside the checkout so that what it leaves out resolves
 * from node_modules, and stale once npm has installed anything after it (or this file changed).
 * Only an optimisation: without a fresh bundle Azurite starts from node_modules as before.
 */

export const AZURITE_BUNDLE = fileURLToPath(new URL('../.azurite-bundle/azurite.cjs', import.meta.url));

/** Left out: sequelize's PostgreSQL dialect needs it only for a SQL metadata store, never installed. */
const LEFT_OUT = ['pg-hstore'];

/** Azurite's own entry point inside node_modules (never a global install, never npx). */
export function stockAzuriteEntry(): string {
  return createRequire(import.meta.url).resolve('azurite/dist/src/azurite.js');
}

/** What npm rewrites whenever it changes the node_modules Azurite is installed in. */
function installedMarker(): string {
  const entry = stockAzuriteEntry();
  const at = entry.lastIndexOf(`${sep}node_modules${sep}`);
  return join(entry.slice(0, at), 'node_modules', '.package-lock.json');
}

/** Why the bundle must be (re)built, or null when it is up to date. */
export function azuriteBundleStale(bundle = AZURITE_BUNDLE): string | null {
  let built: number;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    return 'not built';
  }
  if (statSync(fileURLToPath(import.meta.url)).mtimeMs > built) return 'built by an older azurite-bundle.ts';
  const marker = installedMarker();
  if (existsSync(marker) && statSync(marker).mtimeMs > built) return 'npm installed after it';
  return null;
}

/** Builds the bundle (esbuild, a dev dependency); it appears whole or not at all. */
export async function buildAzuriteBundle(bundle = AZURITE_BUNDLE): Promise<{ bytes: number; warnings: number }> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [stockAzuriteEntry()],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: LEFT_OUT,
    write: false,
    logLevel: 'silent',
  });
  mkdirSync(dirname(bundle), { recursive: true });
  const partial = `${bundle}.${process.pid}.partial`;
  try {
    writeFileSync(partial, result.outputFiles[0]!.contents);
    renameSync(partial, bundle);
  } finally {
    rmSync(partial, { force: true });
  }
  return { bytes: statSync(bundle).size, warnings: result.warnings.length };
}

/** The file to start Azurite from: the bundle when it is up to date, else Azurite's own entry. */
export function azuriteEntry(): string {
  return azuriteBundleStale() === null ? AZURITE_BUNDLE : stockAzuriteEntry();
}
