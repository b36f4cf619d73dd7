#!/usr/bin/env node
// Root postinstall: prepares what the first `npm start` would otherwise do itself, so that start
// is as quick as every later one:
//   - the pre-migrated PGlite template (packages/store/src/pglite-template.ts), which every new
//     embedded database and every in-memory test database starts from (no initdb, no migrations);
//   - the ops console's static files (apps/opsconsole/dist), which `npm start` serves;
//   - the launcher's bundle (scripts/launcher-bundle.mjs), which `npm start` runs;
//   - Azurite's bundle (packages/storage/src/azurite-bundle.ts), which `npm start` starts.
// All only save time (start-up makes them itself when they are missing, or goes without the
// Azurite bundle), so this must never fail an install: each runs in a child process (a crash
// there, even an out-of-memory kill, is only a warning) and we always exit 0.
// Usage: node scripts/postinstall.mjs
import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Each task: what it is called in the output, what is left when it fails, and its work (in the child). */
const TASKS = {
  'pglite template': {
    otherwise: 'a new embedded database will be made from scratch',
    async run(tsImport) {
      const { ensurePgliteTemplate } = await tsImport('../packages/store/src/pglite-template-build.ts', import.meta.url);
      const { path, built } = await ensurePgliteTemplate();
      return `${built ? 'built' : 'already built, skipped'} ${relative(root, path)} and its data dir`;
    },
  },
  'ops console': {
    otherwise: 'the first `npm start` will build it',
    async run(tsImport) {
      const { buildConsole, needsBuild, DEFAULT_DIST_DIR } = await tsImport('../apps/opsconsole/server/serve-console.ts', import.meta.url);
      if (!needsBuild(DEFAULT_DIST_DIR)) return `already built, skipped ${relative(root, DEFAULT_DIST_DIR)}`;
      await buildConsole(DEFAULT_DIST_DIR);
      return `built ${relative(root, DEFAULT_DIST_DIR)}`;
    },
  },
  'azurite bundle': {
    otherwise: 'Azurite will start from node_modules, a little slower',
    async run(tsImport) {
      const { AZURITE_BUNDLE, azuriteBundleStale, buildAzuriteBundle } = await tsImport('../packages/storage/src/azurite-bundle.ts', import.meta.url);
      if (azuriteBundleStale() === null) return `already built, skipped ${relative(root, AZURITE_BUNDLE)}`;
      const { bytes } = await buildAzuriteBundle();
      return `built ${relative(root, AZURITE_BUNDLE)} (${(bytes / 1024).toFixed(0)} KiB)`;
    },
  },
  'launcher bundle': {
    otherwise: 'the first `npm start` will build it',
    async run() {
      const { buildLauncherBundle, launcherBundleStale, LAUNCHER_BUNDLE } = await import('./launcher-bundle.mjs');
      if (launcherBundleStale() === null) return `already built, skipped ${relative(root, LAUNCHER_BUNDLE)}`;
      const { sources, bytes } = await buildLauncherBundle();
      return `built ${relative(root, LAUNCHER_BUNDLE)} (${sources} sources, ${(bytes / 1024).toFixed(0)} KiB)`;
    },
  },
};

const started = performance.now();
const seconds = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;

if (process.argv[2] === '--child') {
  const name = process.argv[3];
  // tsx is a dev dependency: loaded here, inside the parent's child process, so an install
  // without it only warns.
  const { tsImport } = await import('tsx/esm/api');
  console.log(`${name}: ${await TASKS[name].run(tsImport)} in ${seconds()}`);
  process.exit(0);
}

for (const [name, task] of Object.entries(TASKS)) {
  const taskStarted = performance.now();
  try {
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', name], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'pipe'],
      encoding: 'utf8',
    });
    if (child.error) throw child.error;
    if (child.status !== 0) {
      const lines = (child.stderr ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
      const why = lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? `exit ${child.status ?? child.signal}`;
      throw new Error(why);
    }
  } catch (e) {
    const after = `${((performance.now() - taskStarted) / 1000).toFixed(1)} s`;
    console.warn(`${name}: not built (${e instanceof Error ? e.message : String(e)}) after ${after}; ${task.otherwise}`);
  }
}
process.exit(0);
