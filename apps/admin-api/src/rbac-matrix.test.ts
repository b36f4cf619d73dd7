import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { testBackends } from '../../../packages/store/src/testing';
import { signToken } from './auth/jwt';
import { loadTokenSigningKey } from './auth/signing-key';
import { adminApiPlugin } from './plugin';
import { listAuditLog } from './store';
import { ROOT_PASSWORD, createAccount, openHarness, type Harness } from './test-harness';

type Role = 'viewer' | 'operator' | 'admin';
const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
const AUDIENCE = 'api://kopitra-test';
const ROLE_MAP = { 'Kopitra.Viewer': 'viewer', 'Kopitra.Operator': 'operator', 'Kopitra.Admin': 'admin' };
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/**
 * Every route of the real management API plugin — enumerated as it registers, so routes added
 * later are covered without touching this file — called as every kind of caller: nobody, each
 * role by local sign-in and by OpenID Connect, and forged or stale tokens. Nothing may pass
 * that should not, and no response may carry a secret.
 */
for (const backend of [testBackends()[0]!]) {
  describe(`RBAC matrix on ${backend.name}`, () => {
    let h: Harness;
    let jwks: Server;
    let issuer: string;
    let host: FastifyInstance;
    let base: string;
    const routes: Array<{ method: string; url: string; access: 'public' | Role }> = [];
    const logLines: Array<Record<string, unknown>> = [];
    const secrets: string[] = [ROOT_PASSWORD];
    const ids: Record<string, string> = {};
    let good: { key: CryptoKey; kid: string };
    let other: { key: CryptoKey };
    let identities: Record<string, string | null>;

    const oidcToken = async (claims: Record<string, unknown>, o: { key?: CryptoKey; kid?: string; iss?: string; exp?: number } = {}) =>
      new SignJWT({ tid: 'tenant-1', oid: 'oid-1', name: 'Ops Person', email: 'boss@example.com', ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: o.kid ?? good.kid })
        .setIssuer(o.iss ?? issuer).setAudience(AUDIENCE).setIssuedAt().setExpirationTime(o.exp ?? Math.floor(Date.now() / 1000) + 600)
        .sign(o.key ?? good.key);

    before(async () => {
      const pair = await generateKeyPair('RS256', { extractable: true });
      const otherPair = await generateKeyPair('RS256', { extractable: true });
      good = { key: pair.privateKey, kid: 'k1' };
      other = { key: otherPair.privateKey };
      const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
      jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
      await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
      const jwksBase = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;
      issuer = `${jwksBase}/tenant-1/v2.0`;
      const env = {
        KOPITRA_OIDC_ISSUER: issuer, KOPITRA_OIDC_AUDIENCE: AUDIENCE, KOPITRA_OIDC_JWKS_URI: `${jwksBase}/keys`,
        KOPITRA_OIDC_CLIENT_ID: 'console-client', KOPITRA_OIDC_ROLE_MAP: JSON.stringify(ROLE_MAP),
      };
      h = await openHarness(backend, env);

      // The plugin as the launcher mounts it, with every route it registers recorded.
      const stream = new Writable({ write(c, _e, cb) { for (const l of String(c).split('\n').filter(Boolean)) logLines.push(JSON.parse(l)); cb(); } });
      host = Fastify({ logger: { level: 'info', stream } });
      host.addHook('onRoute', (r: RouteOptions) => {
        for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push({ method: m, url: r.url, access: (r.config as { adminAccess?: 'public' | Role } | undefined)?.adminAccess ?? 'admin' });
      });
      await host.register(adminApiPlugin, { prefix: '/admin/v1', db: h.db, secretBox: h.secretBox, config: h.config });
      await host.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(host.server.address() as AddressInfo).port}`;

      // Real ids and a real EA secret, so routes answer with data and leaks would show.
      ids.master = await createAccount(h, 'master');
      ids.follower = await createAccount(h, 'follower');
      const cred = await h.call(h.tokens.admin, 'POST', `/accounts/${ids.master}/credentials`);
      secrets.push(cred.json().secret);
      const signingKey = await loadTokenSigningKey(h.db, h.secretBox);
      secrets.push(signingKey.toString('base64url'));
      const { rows } = await h.db.query<{ secret_sealed: string }>('SELECT secret_sealed FROM ea_credentials');
      secrets.push(...rows.map((r) => r.secret_sealed));

      const viewerToken = h.tokens.viewer;
      const [hh, pp] = viewerToken.split('.');
      const tamperedLocal = `${hh}.${b64({ ...JSON.parse(Buffer.from(pp!, 'base64url').toString()), role: 'admin' })}.${viewerToken.split('.')[2]}`;
      const oidcViewer = await oidcToken({ roles: ['Kopitra.Viewer'] });
      const [oh, op, os] = oidcViewer.split('.');
      const tamperedOidc = `${oh}.${b64({ ...JSON.parse(Buffer.from(op!, 'base64url').toString()), roles: ['Kopitra.Admin'] })}.${os}`;
      const adminClaims = { tid: 'tenant-1', oid: 'oid-1', roles: ['Kopitra.Admin'], iss: issuer, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 600 };
      const now = Math.floor(Date.now() / 1000);
      identities = {
        anonymous: null,
        viewer: h.tokens.viewer, operator: h.tokens.operator, admin: h.tokens.admin,
        'oidc viewer': oidcViewer,
        'oidc operator': await oidcToken({ roles: ['Kopitra.Operator'], oid: 'oid-2' }),
        'oidc admin': await oidcToken({ roles: ['Kopitra.Admin', 'Kopitra.Viewer'], oid: 'oid-3' }),
        'oidc, no mapped role': await oidcToken({ roles: ['Something.Else'], oid: 'oid-4' }),
        'oidc admin by email only': await oidcToken({ oid: 'oid-5', roles: [], email: 'root@example.com', preferred_username: 'root@example.com' }),
        'expired local admin': signToken(signingKey, { sub: 'op_root', role: 'admin', iat: now - 7200, exp: now - 3600 }),
        'expired oidc admin': await oidcToken({ roles: ['Kopitra.Admin'] }, { exp: now - 600 }),
        'another issuer': await oidcToken({ roles: ['Kopitra.Admin'] }, { key: other.key, iss: 'https://login.example.net/evil/v2.0' }),
        'right issuer, unknown key': await oidcToken({ roles: ['Kopitra.Admin'] }, { key: other.key, kid: 'k1' }),
        'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64(adminClaims)}.`,
        'HS256 signed with the public key': await new SignJWT(adminClaims).setProtectedHeader({ alg: 'HS256', kid: 'k1' })
          .sign(new TextEncoder().encode(JSON.stringify(jwk))),
        'tampered local token': tamperedLocal,
        'tampered oidc token': tamperedOidc,
      };
    });
    after(async () => {
      await host.close();
      await h.close();
      await new Promise((r) => jwks.close(r));
    });

    const expected = (who: string): Role | 'refused401' | 'refused403' => {
      if (['viewer', 'operator', 'admin'].includes(who)) return who as Role;
      if (who.startsWith('oidc ') && ['viewer', 'operator', 'admin'].includes(who.slice(5))) return who.slice(5) as Role;
      if (who === 'oidc, no mapped role' || who === 'oidc admin by email only') return 'refused403';
      return 'refused401';
    };

    async function call(method: string, url: string, token: string | null): Promise<{ status: number; body: string }> {
      const path = url.replace(/:([A-Za-z]+)/g, (_m, name: string) => (name === 'id' && url.includes('/accounts/') ? ids.master! : `x_nope_${name}`));
      const ctl = new AbortController();
      const res = await fetch(`${base}${path}`, {
        method, signal: ctl.signal,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(['POST', 'PUT', 'PATCH'].includes(method) ? { 'content-type': 'application/json' } : {}) },
        ...(['POST', 'PUT', 'PATCH'].includes(method) ? { body: '{}' } : {}),
      });
      // A stream (the event stream) is judged by its status; its body never ends.
      const body = String(res.headers.get('content-type')).startsWith('text/event-stream') ? '' : await res.text();
      ctl.abort();
      return { status: res.status, body };
    }

    test('the routes were enumerated from the plugin itself', () => {
      const keys = routes.map((r) => `${r.method} ${r.url}`);
      for (const k of ['POST /admin/v1/auth/login', 'GET /admin/v1/audit/runs/:runId', 'PUT /admin/v1/flags/:name', 'GET /admin/v1/events', 'GET /admin/v1/operators']) {
        assert.ok(keys.includes(k), `${k} in ${keys.join(', ')}`);
      }
      assert.ok(routes.length >= 25, `${routes.length} routes`);
    });

    test('every route × every caller: 401 for forged, stale or missing tokens, 403 below the route\'s role, never a secret', async () => {
      let calls = 0;
      for (const route of routes) {
        for (const [who, token] of Object.entries(identities)) {
          const res = await call(route.method, route.url, token);
          calls++;
          const label = `${who} ${route.method} ${route.url} → ${res.status} ${res.body.slice(0, 200)}`;
          for (const s of secrets) assert.ok(!res.body.includes(s), `secret leaked: ${label}`);
          assert.ok(!res.body.includes('scrypt$'), `password hash leaked: ${label}`);
          if (route.access === 'public') continue;
          const want = expected(who);
          if (want === 'refused401') assert.equal(res.status, 401, label);
          else if (want === 'refused403') assert.equal(res.status, 403, label);
          else if (RANK[want] < RANK[route.access]) assert.equal(res.status, 403, label);
          else assert.ok(res.status !== 401 && res.status !== 403, label);
          if (res.status === 401 || res.status === 403) assert.equal(JSON.parse(res.body).error.code, res.status === 401 ? 'unauthenticated' : 'forbidden', label);
        }
      }
      assert.equal(calls, routes.length * Object.keys(identities).length);
      // Every refusal was logged as a structured line naming the route.
      const refused = logLines.filter((l) => l.event === 'auth.refused');
      assert.ok(refused.length > routes.length * 10, `${refused.length} refusal lines`);
      assert.ok(refused.every((l) => typeof l.code === 'string' && 'route' in l), 'refusal lines carry code and route');
      const text = JSON.stringify(logLines);
      for (const t of Object.values(identities)) if (t) assert.ok(!text.includes(t), 'a bearer token reached the log');
    });

    test('sign-ins are audited: local success and failure, and one OIDC sign-in per token identified by tid/oid', async () => {
      await fetch(`${base}/admin/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'nobody@example.com', password: 'wrong-password' }) });
      await fetch(`${base}/admin/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'root@example.com', password: ROOT_PASSWORD }) });
      const token = await oidcToken({ roles: ['Kopitra.Operator'], oid: 'oid-audit' });
      for (let i = 0; i < 3; i++) assert.equal((await call('GET', '/admin/v1/auth/me', token)).status, 200);
      const me = JSON.parse((await call('GET', '/admin/v1/auth/me', token)).body);
      assert.deepEqual([me.id, me.role], ['oidc:tenant-1:oid-audit', 'operator']);
      const rows = await listAuditLog(h.db);
      assert.ok(rows.some((r) => r.action === 'auth.login.failed' && r.target === 'email:nobody@example.com'));
      assert.ok(rows.some((r) => r.action === 'auth.login.succeeded' && r.actor.startsWith('op')));
      assert.equal(rows.filter((r) => r.action === 'auth.oidc.succeeded' && r.actor === 'oidc:tenant-1:oid-audit').length, 1);
      assert.ok(logLines.some((l) => l.event === 'auth.sign_in' && l.outcome === 'failed'));
    });

    test('flags: viewers read, admins switch them (audited), unknown flag 404', async () => {
      const list = JSON.parse((await call('GET', '/admin/v1/flags', h.tokens.viewer)).body);
      assert.ok(list.items.some((f: { name: string }) => f.name === 'copy.pending_orders'));
      const put = await fetch(`${base}/admin/v1/flags/copy.reverse`, { method: 'PUT', headers: { authorization: `Bearer ${identities['oidc admin']}`, 'content-type': 'application/json' }, body: '{"enabled":false}' });
      assert.equal(put.status, 200);
      const flag = await put.json() as { enabled: boolean; updatedBy: string };
      assert.deepEqual([flag.enabled, flag.updatedBy], [false, 'oidc:tenant-1:oid-3']);
      const missing = await fetch(`${base}/admin/v1/flags/copy.nope`, { method: 'PUT', headers: { authorization: `Bearer ${h.tokens.admin}`, 'content-type': 'application/json' }, body: '{"enabled":true}' });
      assert.equal(missing.status, 404);
      const badBody = await fetch(`${base}/admin/v1/flags/copy.reverse`, { method: 'PUT', headers: { authorization: `Bearer ${h.tokens.admin}`, 'content-type': 'application/json' }, body: '{"enabled":"yes"}' });
      assert.equal(badBody.status, 400);
      assert.match((await badBody.json() as { error: { message: string } }).error.message, /^enabled/);
    });

    test('OpenAPI lists every route and the EA contract; /docs is self-contained; /auth/config and /health answer without auth', async () => {
      const spec = JSON.parse((await call('GET', '/admin/v1/openapi.json', null)).body);
      assert.equal(spec.openapi, '3.1.0');
      for (const r of routes) {
        const p = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
        assert.ok(spec.paths[p]?.[r.method.toLowerCase()], `${r.method} ${p} described`);
      }
      assert.ok(spec.paths['/trade-agent/v1/signals'].post.requestBody.content['application/json'].schema.anyOf.length >= 7);
      assert.equal(spec.paths['/admin/v1/flags/{name}'].put['x-kopitra-access'], 'admin');
      assert.ok(spec.paths['/admin/v1/audit/runs/{runId}'].get.responses['200'].content['application/json'].schema.properties.executions);
      const docs = await call('GET', '/admin/v1/docs', null);
      assert.equal(docs.status, 200);
      assert.match(docs.body, /openapi\.json/);
      assert.doesNotMatch(docs.body, /<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!127)/);
      const cfg = JSON.parse((await call('GET', '/admin/v1/auth/config', null)).body);
      assert.deepEqual(cfg, { local: true, oidc: { issuer, clientId: 'console-client', authorizeUrl: issuer.replace('/v2.0', '/oauth2/v2.0/authorize'), scopes: ['openid', 'profile'] } });
      const health = await call('GET', '/admin/v1/health', null);
      assert.equal(health.status, 200);
      const hb = JSON.parse(health.body);
      assert.equal(hb.status, 'ok');
      assert.equal(hb.checks.database.status, 'ok');
      assert.equal(typeof hb.checks.database.latencyMs, 'number');
      assert.ok(hb.checks.queue);
    });
  });
}
