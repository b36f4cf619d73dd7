// Hostile input over real HTTP against a real launcher (startPlatform, embedded PGlite): at least
// 10,000 requests across every EA endpoint and every management endpoint the running app has
// (enumerated from its route table), with bodies from fast-check arbitraries derived from the
// protocol schemas and the management API's OpenAPI document, raw malformed bytes (truncated
// JSON, huge and non-finite numbers, deep nesting, odd unicode, oversized bodies), header floods,
// and slow bodies trickled on real sockets meanwhile. No 5xx, no crash, every error in the contract's
// shape; memory before and after is reported.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { ExecutionBody, SignalBody, TelemetryBody } from '@kopitra/protocol';
import { seedAccount, seedSubscription, type TestCredential } from '@kopitra/gateway/testing';
import { arbitraryFor, hostileScalar } from './schema-arbitrary';
import { ADMIN_EMAIL, signIn, startTestPlatform } from './platform-fixture';
import { rawRequest, rawSocket, routesOf, signedHeaders, trickle, type RawAnswer } from './raw-http';

const REQUESTS = Number(process.env.KOPITRA_FUZZ_REQUESTS ?? 10_000);

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;
/** Percent-encodes the UTF-8 bytes (lone surrogates become U+FFFD, as on the wire). */
const pct = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0').toUpperCase()}`)).join('');
const heapMb = () => { gc(); gc(); return Math.round(process.memoryUsage().heapUsed / 1048576); };
const rssMb = () => Math.round(process.memoryUsage().rss / 1048576);

interface Spec { method: string; path: string; headers: Record<string, string>; body?: Buffer | string; label: string }

const EA_SCHEMAS: Record<string, unknown> = { '/trade-agent/v1/signals': SignalBody, '/trade-agent/v1/telemetry': TelemetryBody, '/trade-agent/v1/executions': ExecutionBody };

/** Raw malformed bodies: the bytes a broken or hostile client sends. */
const rawBody: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.json().map((j) => j.slice(0, Math.max(1, Math.floor(j.length / 2)))), // truncated JSON
  fc.constantFrom('{', '[', '{"a":', '{"sequence":1e999}', '{"sequence":-1e999}', '{"volume":NaN}', '{"volume":Infinity}', '{"sequence":123456789012345678901234567890}',
    '{"sequence":1,"sequence":2}', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}', '"\\ud800"', '{"name":"\\u0000"}', 'null', 'true', '0', '""', '[]', '\ufeff{}'),
  fc.integer({ min: 100, max: 20_000 }).map((d) => '['.repeat(d) + ']'.repeat(d)), // deep nesting
  fc.integer({ min: 100, max: 5_000 }).map((d) => '{"a":'.repeat(d) + '1' + '}'.repeat(d)),
  fc.constantFrom(65 * 1024, 70 * 1024, 300 * 1024, 2 * 1024 * 1024).map((n) => `{"x":"${'a'.repeat(n)}"}`), // oversized
  fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)), // arbitrary bytes, invalid UTF-8 included
  fc.string({ maxLength: 200, unit: 'binary' }).map((s) => JSON.stringify({ name: s, email: s, symbol: s })), // odd unicode
);

describe('hostile input: ≥ 10,000 requests over HTTP at a real launcher', () => {
  let fx: Awaited<ReturnType<typeof startTestPlatform>>;
  let token: string;
  let master: TestCredential;
  let follower: TestCredential;
  let subscriptionId: string;

  before(async () => {
    fx = await startTestPlatform({ KOPITRA_EA_RATE_LIMIT_RPS: '1000000', KOPITRA_EA_RATE_LIMIT_BURST: '1000000' });
    token = await signIn(fx.base, ADMIN_EMAIL, fx.adminPassword);
    master = await seedAccount(fx.platform.db, 'master');
    follower = await seedAccount(fx.platform.db, 'follower');
    subscriptionId = await seedSubscription(fx.platform.db, master.accountId, follower.accountId);
  });
  after(async () => { await fx?.close(); });

  test('no 5xx, no crash, every error in the contract shape', { timeout: 300_000 }, async () => {
    const routes = routesOf(fx.platform.app.printRoutes({ commonPrefix: false }))
      .filter((r) => r.path.startsWith('/trade-agent/') || r.path.startsWith('/admin/v1/') || r.path === '/metrics');
    const openapi = (await (await fetch(new URL('/admin/v1/openapi.json', fx.base))).json()) as { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: unknown }> } }>>; components?: { schemas?: Record<string, unknown> } };
    const defs = openapi.components?.schemas ?? {};
    const bodySchema = (method: string, path: string): unknown => {
      const oaPath = path.replace(/^\/admin\/v1/, '').replace(/:(\w+)/g, '{$1}');
      const op = (openapi.paths[oaPath] ?? openapi.paths[`/admin/v1${oaPath}`])?.[method.toLowerCase()];
      return op?.requestBody?.content?.['application/json']?.schema;
    };
    const knownIds = [master.accountId, follower.accountId, subscriptionId, 'resync-follower', 'export-audit-bundle', 'rotate-ea-credential', 'verify-audit-chain'];
    const paramValue = fc.oneof(fc.constantFrom(...knownIds), fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/), hostileScalar.map((v) => pct(String(v)).slice(0, 300)), fc.constantFrom('%E0%A4%A', '%', '%00', '..%2F..%2Fetc', '%C0%AE'));
    const query = fc.oneof(
      fc.constant(''),
      fc.record({ limit: fc.constantFrom('-1', '0', '1', '50', '100', '101', '200', '201', '1e999', 'NaN', 'abc', '0x10', ''), cursor: fc.oneof(fc.string({ maxLength: 30 }), fc.constant('eyJ4IjoxfQ')) }, { requiredKeys: [] })
        .map((q) => '?' + new URLSearchParams(q as Record<string, string>).toString()),
      fc.string({ maxLength: 60 }).map((s) => '?' + pct(s) + '=' + pct(s)),
    );
    const eaWait = fc.constantFrom('', '?wait=0', '?wait=0.05&limit=100', '?wait=-1', '?wait=31', '?wait=NaN', '?wait=1e999', '?limit=101', '?limit=0', '?limit=1.5', '?wait=0&wait=1');

    const spec: fc.Arbitrary<Spec> = fc.tuple(fc.constantFrom(...routes), fc.boolean(), fc.nat(99), paramValue, paramValue, query, eaWait, fc.constantFrom(master, follower)).chain(([route, raw, roll, p1, p2, q, w, cred]) => {
      let n = 0;
      const path = route.path.replace(/:\w+/g, () => (n++ === 0 ? p1 : p2));
      const schema = route.path.startsWith('/trade-agent/') ? EA_SCHEMAS[route.path] : bodySchema(route.method, route.path);
      const body: fc.Arbitrary<string | Buffer | undefined> = route.method === 'GET' || route.method === 'DELETE'
        ? fc.constant(undefined)
        : raw || !schema ? rawBody : arbitraryFor(schema, defs).map((v) => JSON.stringify(v) ?? 'null');
      return body.map((b) => {
        if (route.path.startsWith('/trade-agent/')) {
          const full = route.method === 'GET' ? path + w : path;
          const headers = roll < 92 ? signedHeaders(cred, route.method, full, b ?? '') : roll < 96 ? { ...signedHeaders(cred, route.method, full, b ?? ''), 'x-kopitra-signature': 'v1=' + '0'.repeat(64) } : { 'content-type': 'application/json' };
          return { method: route.method, path: full, headers, body: b, label: `${route.method} ${route.path}` };
        }
        const headers: Record<string, string> = { 'content-type': roll % 10 === 0 ? 'text/plain' : 'application/json' };
        if (roll < 90) headers.authorization = `Bearer ${token}`;
        else if (roll < 95) headers.authorization = `Bearer ${token.slice(0, -3)}abc`;
        return { method: route.method, path: path + q, headers, body: b, label: `${route.method} ${route.path}` };
      });
    });
    const specs = fc.sample(spec, { numRuns: REQUESTS, seed: 808 });

    // Slow bodies on real sockets, trickling through the whole run.
    const slow = [...Array(10).keys()].map((i) => trickle(fx.base, i % 2 ? '/trade-agent/v1/signals' : '/admin/v1/accounts', { intervalMs: 300 }));
    const heapBefore = heapMb();
    const rssBefore = rssMb();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const answers: Array<{ spec: Spec; a: RawAnswer }> = [];
    let next = 0;
    const started = performance.now();
    await Promise.all([...Array(8).keys()].map(async () => {
      while (next < specs.length) {
        const s = specs[next++]!;
        const sse = s.path.startsWith('/admin/v1/events');
        answers.push({ spec: s, a: await rawRequest(fx.base, { ...s, agent: sse ? undefined : agent, stopAtHeaders: sse, timeoutMs: 15_000 }) });
      }
    }));
    const seconds = (performance.now() - started) / 1000;

    // Header floods on bare sockets.
    const floods = await Promise.all([
      rawSocket(fx.base, `GET /trade-agent/v1/health HTTP/1.1\r\nHost: x\r\n${[...Array(3000).keys()].map((i) => `X-F${i}: ${i}`).join('\r\n')}\r\n\r\n`),
      rawSocket(fx.base, `GET /admin/v1/accounts HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
      rawSocket(fx.base, `POST /trade-agent/v1/signals HTTP/1.1\r\nHost: x\r\n${[...Array(500).keys()].map((i) => `X-Kopitra-Key-Id: k${i}`).join('\r\n')}\r\nContent-Length: 2\r\n\r\n{}`),
      rawSocket(fx.base, `POST /admin/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{"a":1}`),
      rawSocket(fx.base, `POST /admin/v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nZZZ\r\n`),
      rawSocket(fx.base, 'GARBAGE\r\n\r\n'),
    ]);
    for (const s of slow) s.stop();
    agent.destroy();
    const heapAfter = heapMb();
    const rssAfter = rssMb();

    const health = await fetch(new URL('/trade-agent/v1/health', fx.base));
    const adminHealth = await fetch(new URL('/admin/v1/health', fx.base));
    const fiveXx = answers.filter((x) => x.a.status >= 500);
    const noAnswer = answers.filter((x) => x.a.status === 0);
    const badShape = answers.filter(({ a }) => {
      if (a.status < 400) return false;
      try {
        const b = JSON.parse(a.body) as { error?: { code?: unknown; message?: unknown } };
        return typeof b.error?.code !== 'string' || typeof b.error?.message !== 'string';
      } catch { return true; }
    });
    const statuses = new Map<number, number>();
    for (const { a } of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    const perRoute = new Set(answers.map((x) => x.spec.label));
    console.log(`hostile input: ${answers.length} requests in ${seconds.toFixed(1)} s across ${perRoute.size} routes (${routes.length} in the app) + ${floods.length} header floods + ${slow.length} slow bodies; ` +
      `5xx ${fiveXx.length}, no answer ${noAnswer.length}, wrong error shape ${badShape.length}; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}; ` +
      `floods answered ${floods.map((f) => f.status || (f.closed ? 'closed' : 'none')).join('/')}; heap ${heapBefore} → ${heapAfter} MB, rss ${rssBefore} → ${rssAfter} MB; health ${health.status}/${adminHealth.status}`);

    for (const x of [...fiveXx.slice(0, 3), ...badShape.slice(0, 6)]) console.log(`  sample: ${x.spec.method} ${x.spec.path.slice(0, 100)} [${x.spec.headers["content-type"] ?? ""}] → ${x.a.status} ${String(x.a.headers["content-type"])} ${x.a.body.slice(0, 160)}`);
    assert.ok(answers.length >= REQUESTS);
    assert.equal(perRoute.size, routes.length, 'every route was exercised');
    assert.deepEqual(fiveXx.slice(0, 8).map((x) => `${x.spec.method} ${x.spec.path.slice(0, 120)} → ${x.a.status} ${x.a.body.slice(0, 200)}`), [], '5xx answers');
    assert.deepEqual(noAnswer.slice(0, 5).map((x) => `${x.spec.label} → ${x.a.error}`), [], 'requests without an answer');
    assert.deepEqual(badShape.slice(0, 5).map((x) => `${x.spec.label} → ${x.a.status} ${x.a.body.slice(0, 200)}`), [], 'errors outside the contract shape');
    for (const f of floods) assert.ok(f.status === 0 ? f.closed : f.status < 500, `a flood got ${f.status}: ${f.text.slice(0, 200)}`);
    assert.equal(health.status, 200, 'gateway healthy after the run');
    assert.equal(adminHealth.status, 200, 'management API healthy after the run');
    assert.ok(heapAfter < heapBefore + 400, `heap grew from ${heapBefore} to ${heapAfter} MB`);
  });
});
