// The launcher's static serving of the console, on a real Fastify with a real Vite build.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { CONSOLE_ROOT, needsBuild, registerOpsConsole } from '../server/serve-console';

describe('registerOpsConsole', () => {
  let dir: string;
  let dist: string;
  let app: FastifyInstance;
  let asset: string;
  let buildMs = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kopitra-console-'));
    dist = join(dir, 'dist');
    app = Fastify({ logger: false });
    // An API beside the console, with its own not-found answer, as in the launcher.
    await app.register(async (api) => {
      api.get('/ping', async () => ({ ok: true }));
      api.setNotFoundHandler((_req, reply) => reply.status(404).send({ error: { code: 'not_found', message: 'api 404' } }));
    }, { prefix: '/admin/v1' });
    const started = performance.now();
    // dist is missing: registering builds it with Vite first.
    const res = await registerOpsConsole(app, { distDir: dist });
    buildMs = performance.now() - started;
    assert.ok(res.files >= 3, `files served: ${res.files}`);
    await app.ready();
    const html = readFileSync(join(dist, 'index.html'), 'utf8');
    asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a missing dist is built once with Vite; index.html loads the hashed bundle', () => {
    assert.match(asset, /^\/assets\/index-[\w-]{8,}\.js$/);
    assert.ok(buildMs < 60_000, `build took ${Math.round(buildMs)} ms`);
  });

  test('index.html at / and at every console path (SPA fallback), never cached', async () => {
    for (const url of ['/', '/runs/run_123', '/accounts?role=master', '/tasks/resync-follower']) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.headers['content-type'], 'text/html; charset=utf-8', url);
      assert.equal(res.headers['cache-control'], 'no-cache', url);
      assert.match(res.body, /<div id="root">/, url);
      assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
    }
  });

  test('hashed assets: right content type, cached for a year, ETag revalidation', async () => {
    const res = await app.inject({ method: 'GET', url: asset });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.ok(res.body.length > 10_000);
    const again = await app.inject({ method: 'GET', url: asset, headers: { 'if-none-match': String(res.headers.etag) } });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
    const css = readFileSync(join(dist, 'index.html'), 'utf8').match(/href="(\/assets\/[^"]+\.css)"/)![1]!;
    assert.equal((await app.inject({ method: 'GET', url: css })).headers['content-type'], 'text/css; charset=utf-8');
    const icon = await app.inject({ method: 'GET', url: '/favicon.svg' });
    assert.equal(icon.headers['content-type'], 'image/svg+xml');
    assert.equal(icon.headers['cache-control'], 'public, max-age=3600');
  });

  test('a missing asset is a 404, not the page; API paths keep their JSON answers', async () => {
    const gone = await app.inject({ method: 'GET', url: '/assets/index-00000000.js' });
    assert.equal(gone.statusCode, 404);
    assert.doesNotMatch(gone.body, /<html/);
    const api = await app.inject({ method: 'GET', url: '/admin/v1/nope' });
    assert.equal(api.statusCode, 404);
    assert.deepEqual(api.json(), { error: { code: 'not_found', message: 'api 404' } });
    assert.deepEqual((await app.inject({ method: 'GET', url: '/admin/v1/ping' })).json(), { ok: true });
    const other = await app.inject({ method: 'GET', url: '/trade-agent/v1/x' });
    assert.equal(other.statusCode, 404);
    assert.equal(other.json().error.code, 'not_found');
    const post = await app.inject({ method: 'POST', url: '/somewhere' });
    assert.equal(post.statusCode, 404);
  });

  test('needsBuild: missing dist, sources newer than the build, deployed dist without sources', () => {
    const root = join(dir, 'console');
    const out = join(root, 'dist');
    assert.equal(needsBuild(out, root), true, 'no dist');
    // A dist with no sources beside it (a deployed image) is served as it is.
    const deployed = join(dir, 'dist');
    assert.equal(needsBuild(deployed, root), false);
    // The real console: a source touched after the build asks for a rebuild.
    const index = join(dist, 'index.html');
    // Older than any checkout (an hour ago was not, in a checkout more than an hour old).
    const past = new Date(1_000);
    utimesSync(index, past, past);
    assert.equal(needsBuild(dist, CONSOLE_ROOT), true, 'sources newer than dist');
    const future = new Date(Date.now() + 3_600_000);
    utimesSync(index, future, future);
    assert.equal(needsBuild(dist, CONSOLE_ROOT), false, 'dist newer than every source');
  });
});
