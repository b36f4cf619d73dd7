// The launcher (`apps/kopitra/src/cli.ts`) bundled with esbuild into one ESM file for `npm start`,
// with its dependencies: loading ~160 TypeScript modules through tsx cost ≈ 0.6 s of every start
// (≈ 1 s with tsx's cache cold, as on a fresh machine) against ≈ 0.1 s for the one bundle; and
// loading the dependencies module by module from node_modules (fastify, pino, ajv, the Azure SDK,
// pg: ≈ 900 files, each resolved, read and compiled apart) cost another ≈ 0.5–0.7 s on a 2-vCPU
// machine, part of it only when the first route or storage client was made.
//
// The bundle is a local cache of this checkout, not a build artefact: the workspace's sources and
// their dependencies are inside it, but for the few left in node_modules (LEFT_OUT below), which
// are resolved from the bundle's folder upwards (so the bundle lives inside the checkout); and
// every `import.meta.url` of a workspace source keeps the URL of the file it was written in, so
// that paths computed from it (the migrations, the PGlite template, the console's files) point
// where they point under tsx.
// Beside it, `<bundle>.inputs.json` lists the workspace sources it was built from and
// node_modules/.package-lock.json (which npm rewrites at every install): the bundle is stale when
// one of them (or this file) is newer than it, or gone.
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const LAUNCHER_ENTRY = join(root, 'apps/kopitra/src/cli.ts');
export const LAUNCHER_BUNDLE = join(root, 'apps/kopitra/dist/launcher.mjs');

const inputsFile = (bundle) => `${bundle}.inputs.json`;

/**
 * Dependencies left in node_modules: PGlite finds its WASM and data files beside its own module;
 * vite (the console's build, when its files are stale), tsx and esbuild are large and loaded only when
 * needed; pg-native is pg's optional native driver, never installed.
 */
const LEFT_OUT = ['@electric-sql/pglite', 'vite', 'tsx', 'esbuild', 'pg-native'];
const leftOut = (path) => LEFT_OUT.some((name) => path === name || path.startsWith(`${name}/`));
/** What npm rewrites whenever it changes node_modules. */
const INSTALLED = 'node_modules/.package-lock.json';

/** Why the bundle must be (re)built, or null when it is up to date with its sources. */
export function launcherBundleStale(bundle = LAUNCHER_BUNDLE) {
  let built;
  let inputs;
  try {
    built = statSync(bundle).mtimeMs;
    inputs = JSON.parse(readFileSync(inputsFile(bundle), 'utf8'));
  } catch {
    return 'not built';
  }
  if (!Array.isArray(inputs) || inputs.length === 0) return 'no list of its sources';
  for (const file of [fileURLToPath(import.meta.url), ...inputs.map((f) => join(root, f))]) {
    let changed;
    try {
      changed = statSync(file).mtimeMs;
    } catch {
      return `${relative(root, file)} is gone`;
    }
    if (changed > built) return `${relative(root, file)} changed`;
  }
  return null;
}

/** Builds the bundle and its list of sources; returns the number of sources and the size. */
export async function buildLauncherBundle(bundle = LAUNCHER_BUNDLE, entry = LAUNCHER_ENTRY) {
  const { build } = await import('esbuild');
  const ownUrl = {
    name: 'own-import-meta-url',
    setup(b) {
      // Workspace sources only (dependencies are external): import.meta.url → the file's own URL.
      b.onLoad({ filter: /\.[cm]?tsx?$/ }, (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const source = readFileSync(args.path, 'utf8');
        const contents = source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href));
        return { contents, loader: args.path.endsWith('x') ? 'tsx' : 'ts' };
      });
      b.onResolve({ filter: /^[^./]/ }, (args) => (leftOut(args.path) ? { path: args.path, external: true } : undefined));
    },
  };
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile: bundle,
    write: false, // written below, each file renamed into place: a concurrent start never reads half a bundle
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: 'linked',
    // Stack traces need the mappings, not the sources' text (which would triple the map).
    sourcesContent: false,
    metafile: true,
    logLevel: 'error',
    plugins: [ownUrl],
    // CommonJS dependencies bundled into ESM still call require() for node built-ins.
    banner: { js: "import { createRequire as __kopitraCreateRequire } from 'node:module'; const require = __kopitraCreateRequire(import.meta.url);" },
  });
  mkdirSync(dirname(bundle), { recursive: true });
  // The workspace's sources one by one; the dependencies by what npm installed.
  const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.split(/[\\/]/).includes('node_modules'));
  if (existsSync(join(root, INSTALLED))) inputs.push(INSTALLED);
  const files = [...result.outputFiles.map((f) => ({ path: f.path, contents: f.contents })), { path: inputsFile(bundle), contents: `${JSON.stringify(inputs, null, 1)}\n` }];
  // The bundle last: its time stamp is what the sources are compared with.
  files.sort((a, b) => Number(a.path === bundle) - Number(b.path === bundle));
  for (const f of files) {
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
  return { sources: inputs.length, bytes: statSync(bundle).size };
}

/** The bundle, rebuilt first when stale; null when it cannot be built (the caller runs the sources). */
export async function freshLauncherBundle(bundle = LAUNCHER_BUNDLE, warn = console.warn) {
  if (launcherBundleStale(bundle) === null) return bundle;
  try {
    await buildLauncherBundle(bundle);
    return bundle;
  } catch (e) {
    warn(`launcher bundle: not built (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); running the sources through tsx`);
    return null;
  }
}
