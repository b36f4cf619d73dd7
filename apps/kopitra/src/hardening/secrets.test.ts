// Secrets: a launcher child process at LOG_LEVEL=debug; credentials are created and one rotated,
// an operator signs in, EA traffic runs, an audit bundle is exported. Every secret, password and
// token issued in the run is then searched for in the captured stdout/stderr, in every later API
// response, and in the bundle's files: none may appear.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EaHttpClient, ReferenceFollower, ReferenceMaster, SimBroker } from '@kopitra/ea-client';
import { freePort } from './pg-cluster';
import { TEST_SECRET_KEY } from './platform-fixture';

const CLI = new URL('../cli.ts', import.meta.url).pathname;
const EMAIL = 'secrets@kopitra.test';
const PASSWORD = `Pw-${Date.now()}-${Math.random().toString(36).slice(2)}`;

describe('secrets never leak: logs, responses, audit bundles', () => {
  let child: ChildProcess;
  let dir: string;
  let logs = '';
  let base: URL;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kopitra-secrets-'));
    const port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', CLI, 'up'], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', KOPITRA_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'debug', KOPITRA_SECRET_KEY: TEST_SECRET_KEY, KOPITRA_ADMIN_EMAIL: EMAIL, KOPITRA_ADMIN_PASSWORD: PASSWORD },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => { logs += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { logs += d.toString(); });
    const t = Date.now();
    while (!/Kopitra is up/.test(logs)) {
      assert.ok(Date.now() - t < 90_000 && child.exitCode === null, `launcher did not start: ${logs.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    base = new URL(`http://127.0.0.1:${port}`);
  });
  after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('no secret, password or token issued in the run appears anywhere after issue', { timeout: 180_000 }, async () => {
    const responses: string[] = [];
    let token = '';
    const api = async (method: string, path: string, body?: unknown, keep = true) => {
      const r = await fetch(new URL(`/admin/v1${path}`, base), { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      const text = await r.text();
      if (keep) responses.push(`${method} ${path} ${r.status} ${JSON.stringify([...r.headers])} ${text}`);
      return { status: r.status, json: (text ? JSON.parse(text) : null) as Record<string, unknown> };
    };
    const login = await api('POST', '/auth/login', { email: EMAIL, password: PASSWORD }, false);
    assert.equal(login.status, 200);
    token = login.json.token as string;
    const account = async (role: string, n: number) => (await api('POST', '/accounts', { name: `${role} ${n}`, role, platform: 'mt5', broker: { name: 'SimBroker', server: 'Sim-1' }, login: `${1000 + n}` })).json.id as string;
    const masterId = await account('master', 1);
    const followerId = await account('follower', 2);
    const issue = async (id: string) => { const r = await api('POST', `/accounts/${id}/credentials`, undefined, false); assert.equal(r.status, 201); return r.json as { keyId: string; secret: string }; };
    const masterCred = await issue(masterId);
    const followerCred = await issue(followerId);
    const spare = await issue(masterId);
    const sub = await api('POST', '/subscriptions', { masterAccountId: masterId, followerAccountId: followerId, sizing: { mode: 'multiplier', multiplier: 1 } });
    assert.equal(sub.status, 201, JSON.stringify(sub.json));

    // Rotate the follower's credential through the task; fetch the new secret once.
    const rotate = await api('POST', '/tasks/rotate-ea-credential/run', { params: { accountId: followerId, graceSeconds: 600 } });
    assert.equal(rotate.status, 202, JSON.stringify(rotate.json));
    let rotated: { keyId: string; secret: string } | undefined;
    for (let i = 0; i < 150 && !rotated; i++) {
      const r = await api('GET', `/tasks/runs/${rotate.json.runId as string}/secret`, undefined, false);
      if (r.status === 200) rotated = r.json as { keyId: string; secret: string };
      else await new Promise((res) => setTimeout(res, 200));
    }
    assert.ok(rotated, 'the rotated secret could be fetched once');
    const twice = await api('GET', `/tasks/runs/${rotate.json.runId as string}/secret`);
    assert.notEqual(twice.status, 200, 'and only once');

    // EA traffic with the issued and the rotated secrets.
    const url = base.toString().replace(/\/$/, '');
    const master = new ReferenceMaster({ client: new EaHttpClient({ baseUrl: url, keyId: masterCred.keyId, secret: masterCred.secret }), broker: new SimBroker(), outboxDir: join(dir, 'm'), fsync: false });
    const follower = new ReferenceFollower({ client: new EaHttpClient({ baseUrl: url, keyId: rotated.keyId, secret: rotated.secret }), broker: new SimBroker(), stateDir: join(dir, 'f'), fsync: false });
    await follower.snapshot();
    const opened = await master.open('EURUSD', 'buy', 0.5);
    await master.close((opened.signals[0] as { position: { id: string } }).position.id);
    assert.equal((await master.flush()).length, 2);
    for (let i = 0; i < 3; i++) await follower.pollOnce({ wait: 1 });
    const old = new EaHttpClient({ baseUrl: url, keyId: followerCred.keyId, secret: followerCred.secret });
    await old.get('/trade-agent/v1/orders?wait=0');
    const spareClient = new EaHttpClient({ baseUrl: url, keyId: spare.keyId, secret: spare.secret });
    await spareClient.post('/trade-agent/v1/telemetry', { kind: 'heartbeat', sentAt: new Date().toISOString() }, 'hb-1');

    // Every read the console makes.
    for (const p of ['/accounts', `/accounts/${masterId}`, `/accounts/${followerId}`, '/subscriptions', '/operators', '/auth/me', '/audit/runs?limit=200', '/tasks', '/artifacts', '/metrics/overview', '/flags']) await api('GET', p);
    const runs = (await api('GET', '/audit/runs?limit=200')).json.items as Array<{ id: string }> | undefined;
    for (const r of runs ?? []) await api('GET', `/audit/runs/${r.id}`);

    // Export an audit bundle of the whole run and unpack it.
    const exp = await api('POST', '/tasks/export-audit-bundle/run', { params: { from: new Date(Date.now() - 3600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() } });
    assert.equal(exp.status, 202, JSON.stringify(exp.json));
    let artifactId: string | undefined;
    for (let i = 0; i < 150 && !artifactId; i++) {
      const r = await api('GET', `/audit/runs/${exp.json.runId as string}`, undefined, false);
      artifactId = JSON.stringify(r.json).match(/"artifactId":"([^"]+)"/)?.[1];
      if (!artifactId) await new Promise((res) => setTimeout(res, 200));
    }
    assert.ok(artifactId, 'the export task finished');
    const zip = await fetch(new URL(`/admin/v1/artifacts/${artifactId}/content`, base), { headers: { authorization: `Bearer ${token}` } });
    assert.equal(zip.status, 200);
    writeFileSync(join(dir, 'bundle.zip'), Buffer.from(await zip.arrayBuffer()));
    execFileSync('unzip', ['-q', '-o', join(dir, 'bundle.zip'), '-d', join(dir, 'bundle')]);
    const bundle = readdirSync(join(dir, 'bundle'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => readFileSync(join(e.parentPath, e.name), 'utf8')).join('\n');

    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    for (const c of [old, spareClient]) c.close();

    const secrets: Record<string, string> = {
      'admin password': PASSWORD, 'operator token': token, 'token signature': token.split('.')[2] ?? token,
      'master secret': masterCred.secret, 'follower secret': followerCred.secret, 'spare secret': spare.secret, 'rotated secret': rotated.secret,
      'secret key (base64)': TEST_SECRET_KEY,
    };
    const where = (text: string) => Object.entries(secrets).filter(([, v]) => text.includes(v)).map(([k]) => k);
    const logLines = logs.split('\n').length;
    console.log(`secrets: ${Object.keys(secrets).length} secrets searched in ${logLines} log lines (${logs.length} bytes, LOG_LEVEL=debug), ${responses.length} API responses, a ${bundle.length}-byte audit bundle; ` +
      `found in logs: [${where(logs).join(', ')}], responses: [${where(responses.join('\n')).join(', ')}], bundle: [${where(bundle).join(', ')}]`);
    assert.ok(logLines > 20, 'the run logged');
    assert.deepEqual(where(logs), [], 'secrets in the logs');
    assert.deepEqual(where(responses.join('\n')), [], 'secrets in API responses after creation');
    assert.deepEqual(where(bundle), [], 'secrets in the audit bundle');
    assert.ok(!/x-kopitra-signature":"v1=/i.test(logs), 'no request signature logged');
  });
});
