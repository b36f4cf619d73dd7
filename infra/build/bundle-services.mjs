#!/usr/bin/env node
// Bundles each service's server.ts into one ESM file, dist/<service>.mjs, so production runs
// plain `node dist/<service>.mjs` without tsx or the workspace sources.
//   node infra/build/bundle-services.mjs [outDir] [service ...]     (npm run build:services)
//   node infra/build/bundle-services.mjs --layout <dir> [service ...]  (the image's /app: dist/ and migrations/)
// Beside the bundle the image needs `migrations/` one level up (the store reads
// new URL('../migrations/', import.meta.url)), which the Dockerfiles copy to /app/migrations.
// External: pg-native (optional in pg, never installed) and @electric-sql/pglite (loaded with a
// dynamic import only when DATABASE_URL is unset — containers always set it).
import { build } from 'esbuild';
import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const SERVICES = {
  gateway: 'apps/gateway/src/server.ts',
  'admin-api': 'apps/admin-api/src/server.ts',
};

export async function bundleServices(outDir = join(root, 'dist'), names = Object.keys(SERVICES)) {
  const out = [];
  for (const name of names) {
    const entry = SERVICES[name];
    if (!entry) throw new Error(`unknown service ${name} (known: ${Object.keys(SERVICES).join(', ')})`);
    const outfile = join(resolve(outDir), `${name}.mjs`);
    const result = await build({
      entryPoints: [join(root, entry)],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      sourcemap: 'linked',
      legalComments: 'linked',
      metafile: true,
      logLevel: 'warning',
      external: ['pg-native', '@electric-sql/pglite'],
      // CommonJS dependencies bundled into ESM still call require() for node built-ins.
      banner: { js: "import { createRequire as __kopitraCreateRequire } from 'node:module'; const require = __kopitraCreateRequire(import.meta.url);" },
    });
    const bytes = result.metafile.outputs[Object.keys(result.metafile.outputs).find((k) => k.endsWith('.mjs'))].bytes;
    out.push({ name, outfile, bytes });
  }
  return out;
}

/**
 * The images' layout in `dir`: dist/<service>.mjs beside migrations/ (what /app holds). Returns
 * each bundle's path by service. Inside the checkout, a bundle also finds what it leaves external
 * (PGlite, for a service started without DATABASE_URL) in the checkout's node_modules.
 */
export async function buildImageLayout(dir, names = Object.keys(SERVICES)) {
  const built = await bundleServices(join(dir, 'dist'), names);
  cpSync(join(root, 'packages/store/migrations'), join(dir, 'migrations'), { recursive: true });
  return Object.fromEntries(built.map((b) => [b.name, b.outfile]));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv[2] === '--layout') {
  const [dir, ...names] = process.argv.slice(3);
  const built = await buildImageLayout(resolve(dir), names.length ? names : undefined);
  console.log(JSON.stringify(built));
} else if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [outDir, ...names] = process.argv.slice(2);
  const built = await bundleServices(outDir ? resolve(outDir) : undefined, names.length ? names : undefined);
  for (const b of built) console.log(`${b.name}: ${b.outfile} (${(b.bytes / 1024).toFixed(0)} KiB)`);
}
