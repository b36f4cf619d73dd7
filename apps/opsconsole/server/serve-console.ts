import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Serves the built ops console (apps/opsconsole/dist) at `/`: hashed assets cached for a year,
 * index.html never cached, every other console path answered with index.html (the console
 * routes in the browser). Paths of the APIs are never answered with the console.
 *
 * When dist is missing (a fresh `npm install && npm start`) or older than the console's sources,
 * it is built once with Vite before serving. The files are read into memory at start: a few
 * hundred KiB, and a rebuild on disk never serves a half-written file.
 */
export const CONSOLE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_DIST_DIR = join(CONSOLE_ROOT, 'dist');

/** Prefixes that belong to the APIs: unknown paths under them stay JSON 404s. */
const API_PREFIXES = ['/admin/', '/trade-agent/'];

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

export interface StaticFile {
  body: Buffer;
  contentType: string;
  etag: string;
  cacheControl: string;
}

/** Vite names built assets `name-<hash>.ext` under assets/: their content never changes. */
const HASHED = /^assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** Every file of dist, keyed by its URL path (`/assets/index-abc123.js`). */
export function loadDist(distDir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const abs of walk(distDir)) {
    const rel = relative(distDir, abs).split(sep).join('/');
    const body = readFileSync(abs);
    files.set(`/${rel}`, {
      body,
      contentType: CONTENT_TYPES[extname(abs).toLowerCase()] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      cacheControl: HASHED.test(rel) ? 'public, max-age=31536000, immutable' : rel === 'index.html' ? 'no-cache' : 'public, max-age=3600',
    });
  }
  return files;
}

function newestMtime(paths: string[]): number {
  let newest = 0;
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const st = statSync(p);
    const m = st.isDirectory() ? newestMtime(readdirSync(p).map((n) => join(p, n))) : st.mtimeMs;
    if (m > newest) newest = m;
  }
  return newest;
}

/** True when dist is missing, or when the console's sources sit beside it and are newer. */
export function needsBuild(distDir: string, root = CONSOLE_ROOT): boolean {
  const index = join(distDir, 'index.html');
  if (!existsSync(index)) return true;
  const sources = ['src', 'public', 'index.html', 'vite.config.ts'].map((p) => join(root, p));
  if (!existsSync(sources[0]!)) return false; // a deployed dist without sources
  return newestMtime(sources) > statSync(index).mtimeMs;
}

const building = new Map<string, Promise<void>>();

/**
 * Builds the console with Vite's JS API into a fresh directory, then swaps it in, so a reader
 * never sees half a build and two processes building at once both end with a whole one.
 */
export async function buildConsole(distDir = DEFAULT_DIST_DIR, root = CONSOLE_ROOT): Promise<void> {
  const running = building.get(distDir);
  if (running) return running;
  const job = (async () => {
    const { build } = await import('vite');
    // Beside dist (same file system, so the swap is a rename) in a git-ignored .tmp directory.
    const scratch = join(dirname(distDir), '.tmp');
    const tmp = join(scratch, `console-build-${process.pid}-${Date.now()}`);
    try {
      await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'warn', build: { outDir: tmp, emptyOutDir: true } });
      const old = join(scratch, `console-old-${process.pid}-${Date.now()}`);
      if (existsSync(distDir)) renameSync(distDir, old);
      renameSync(tmp, distDir);
      rmSync(old, { recursive: true, force: true });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
      try {
        rmdirSync(scratch); // only when empty: another build may be using it
      } catch {
        /* not empty or already gone */
      }
      building.delete(distDir);
    }
  })();
  building.set(distDir, job);
  return job;
}

function isApiPath(url: string): boolean {
  return API_PREFIXES.some((p) => url === p.slice(0, -1) || url.startsWith(p));
}

function send(request: FastifyRequest, reply: FastifyReply, file: StaticFile): FastifyReply {
  reply.header('content-type', file.contentType).header('cache-control', file.cacheControl).header('etag', file.etag)
    .header('x-content-type-options', 'nosniff');
  if (file.contentType.startsWith('text/html')) {
    reply.header('x-frame-options', 'DENY').header('referrer-policy', 'same-origin')
      .header('content-security-policy', "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'");
  }
  if (request.headers['if-none-match'] === file.etag) return reply.status(304).send();
  return reply.status(200).send(request.method === 'HEAD' ? undefined : file.body);
}

/**
 * Registers the console on `app`: files of dist at their paths, index.html for any other GET
 * outside the API prefixes. Builds dist first when needed (see `needsBuild`).
 */
export async function registerOpsConsole(app: FastifyInstance, opts: { distDir?: string } = {}): Promise<{ files: number }> {
  const distDir = resolve(opts.distDir ?? DEFAULT_DIST_DIR);
  // A missing dist is built; the console's own dist is also rebuilt when its sources are newer.
  const missing = !existsSync(join(distDir, 'index.html'));
  if (missing || (distDir === DEFAULT_DIST_DIR && needsBuild(distDir))) {
    app.log.info({ distDir }, missing ? 'building the ops console (no build yet)' : 'rebuilding the ops console (sources changed)');
    await buildConsole(distDir);
  }
  const files = loadDist(distDir);
  const index = files.get('/index.html');
  if (!index) throw new Error(`ops console: ${distDir}/index.html is missing after the build`);

  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    let path: string;
    try {
      path = decodeURIComponent(request.url.split('?')[0]!);
    } catch {
      return reply.status(400).type('text/plain; charset=utf-8').send('bad path');
    }
    const file = files.get(path);
    if (file) return send(request, reply, file);
    // A missing asset is a 404, not the page: a stale tab must not parse HTML as JavaScript.
    if (path.startsWith('/assets/') || /\.[a-z0-9]{1,8}$/i.test(path)) {
      return reply.status(404).type('text/plain; charset=utf-8').send('not found');
    }
    return send(request, reply, index);
  };

  app.get('/', serve);
  for (const path of files.keys()) {
    if (path === '/index.html') continue;
    app.get(path, serve);
  }
  // Everything else that is not an API path: the console's client-side routes.
  app.setNotFoundHandler((request, reply) => {
    if ((request.method === 'GET' || request.method === 'HEAD') && !isApiPath(request.url)) return serve(request, reply);
    return reply.status(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url}` } });
  });
  return { files: files.size };
}
