import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildLauncherBundle, freshLauncherBundle, LAUNCHER_BUNDLE, launcherBundleStale } from './launcher-bundle.mjs';

const inputsOf = (bundle: string) => JSON.parse(readFileSync(`${bundle}.inputs.json`, 'utf8')) as string[];

test('the launcher bundle runs the launcher, keeps each source its own import.meta.url, and is rebuilt when stale', async (t) => {
  // Inside the checkout, beside the real one (git-ignored): the bundle imports its dependencies
  // from the checkout's node_modules.
  mkdirSync(dirname(LAUNCHER_BUNDLE), { recursive: true });
  const dir = mkdtempSync(join(dirname(LAUNCHER_BUNDLE), 'test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bundle = join(dir, 'launcher.mjs');
  assert.equal(launcherBundleStale(bundle), 'not built');

  const { sources, bytes } = await buildLauncherBundle(bundle);
  assert.ok(sources > 50 && bytes > 100_000, `${sources} sources, ${bytes} bytes`);
  assert.equal(launcherBundleStale(bundle), null, 'fresh right after the build');
  const code = readFileSync(bundle, 'utf8');
  // Paths computed from import.meta.url (the migrations, the template) point into the sources.
  assert.match(code, /packages\/store\/src\/migrate\.ts"\)/);
  // esbuild heads each module's code with its path: no workspace source uses the bundle's own URL.
  const workspaceSections = code.split(/^\/\/ (?=(?:apps|packages)\/)/m).slice(1);
  assert.ok(workspaceSections.length > 50);
  for (const section of workspaceSections) {
    const source = section.slice(0, section.indexOf('\n'));
    const next = section.search(/^\/\/ node_modules\//m);
    assert.doesNotMatch(next === -1 ? section : section.slice(0, next), /import\.meta\.url/, source);
  }
  // Dependencies inside, but for the few left in node_modules (PGlite finds its WASM beside itself).
  assert.doesNotMatch(code, /from "fastify"/);
  assert.match(code, /import\("@electric-sql\/pglite"\)/);
  assert.ok(inputsOf(bundle).includes('node_modules/.package-lock.json'), 'stale after an npm install');
  assert.ok(!inputsOf(bundle).some((f) => f.includes('node_modules/fastify')), 'not each dependency file');

  // It is the launcher: its own answer to an unknown command, exit code 2.
  const run = spawnSync(process.execPath, [bundle, 'no-such-command'], { encoding: 'utf8' });
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /unknown command 'no-such-command'/);

  // Older than a source: stale, and rebuilt by freshLauncherBundle.
  const past = new Date(Date.now() - 3_600_000 * 24 * 365 * 20);
  utimesSync(bundle, past, past);
  assert.match(launcherBundleStale(bundle) ?? '', / changed$/);
  assert.equal(await freshLauncherBundle(bundle), bundle);
  assert.equal(launcherBundleStale(bundle), null);

  // A source it was built from is gone: stale.
  writeFileSync(`${bundle}.inputs.json`, JSON.stringify([...inputsOf(bundle), 'apps/kopitra/src/no-such-file.ts']));
  assert.equal(launcherBundleStale(bundle), 'apps/kopitra/src/no-such-file.ts is gone');

  // A build that fails: null (the caller runs the sources through tsx) and a warning.
  const warnings: string[] = [];
  assert.equal(await freshLauncherBundle(join(dir, 'nowhere\0', 'launcher.mjs'), (w) => warnings.push(w)), null);
  assert.match(warnings[0] ?? '', /^launcher bundle: not built/);
});
