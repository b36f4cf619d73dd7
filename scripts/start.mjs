#!/usr/bin/env node
// `npm start`: the launcher (apps/kopitra/src/cli.ts) from its bundle, rebuilt first when a
// source changed (scripts/launcher-bundle.mjs); through tsx when the bundle cannot be built.
// Usage: node scripts/start.mjs [up | demo | bench]   (the launcher's own arguments)
import { pathToFileURL } from 'node:url';
import { freshLauncherBundle, LAUNCHER_ENTRY } from './launcher-bundle.mjs';

const bundle = await freshLauncherBundle();
if (bundle) {
  // Stack traces name the TypeScript sources, as they do under tsx.
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(LAUNCHER_ENTRY).href);
}
