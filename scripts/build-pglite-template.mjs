#!/usr/bin/env node
// Root postinstall: builds the pre-migrated PGlite template (packages/store/src/pglite-template.ts)
// so the first `npm start` and every in-memory test database skip initdb and the migrations.
// The template only saves time, so this must never fail an install: the work runs in a child
// process (a crash there, even an out-of-memory kill, is only a warning) and we always exit 0.
// Usage: node scripts/build-pglite-template.mjs
import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const started = performance.now();
const seconds = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;

if (process.argv[2] === '--child') {
  // tsx is a dev dependency: loaded here, inside the try of the parent's child process, so an
  // install without it only warns.
  const { tsImport } = await import('tsx/esm/api');
  const { ensurePgliteTemplate } = await tsImport('../packages/store/src/pglite-template-build.ts', import.meta.url);
  const { path, built } = await ensurePgliteTemplate();
  console.log(`pglite template: ${built ? 'built' : 'already built, skipped'} ${relative(root, path)} in ${seconds()}`);
  process.exit(0);
}

try {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child'], {
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
  console.warn(`pglite template: not built (${e instanceof Error ? e.message : String(e)}) after ${seconds()}; a new embedded database will be made from scratch`);
}
process.exit(0);
