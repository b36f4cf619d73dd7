// Every task end to end on a real database (PGlite, and PostgreSQL when KOPITRA_TEST_DATABASE_URL
// is set) and a real Azurite: requested over HTTP, queued on Azure Queue Storage, processed by the
// worker, its effect checked where it shows (orders the reference follower EA executes, a paused
// subscription, a working new EA secret, a downloadable zip) and its run traced. A worker that dies
// after an effect and before deleting the message (in process; on PostgreSQL also a separate
// process killed with SIGKILL) leaves the message to reappear, and the effect happens once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { unzipSync, strFromU8 } from 'fflate';
import { EaHttpClient, ReferenceFollower, SimBroker, type SymbolSpec } from '@kopitra/ea-client';
import { DEFAULT_GATEWAY_CONFIG, gatewayPlugin } from '@kopitra/gateway';
import { eaRequest, seedAccount, seedSubscription, snapshotBody, testSecretBox, type TestCredential } from '@kopitra/gateway/testing';
import { EA_BASE_PATH } from '@kopitra/protocol';
import { startAzurite, openStorage, type PlatformStorage, type RunningAzurite } from '@kopitra/storage';
import type { Db } from '@kopitra/store';
import { testBackends } from '@kopitra/store/testing';
import { ensureBootstrapAdmin } from '../bootstrap-admin';
import { loadAdminConfig } from '../config';
import { adminApiPlugin } from '../plugin';
import { createTaskWorker, type TaskWorker } from './task-worker';

const SPECS: SymbolSpec[] = [
  { name: 'EURUSD', volumeMin: 0.01, volumeMax: 100, volumeStep: 0.01, contractSize: 100_000, tickSize: 0.00001, tickValue: 1, digits: 5 },
];
const QUOTES = { EURUSD: { bid: 1.08498, ask: 1.085 } };
const EMAIL = 'root@example.com';
const PASSWORD = 'root-password-1';
const LOG_MAX = 4096;

interface Run {
  id: string; status: string; trigger: { taskId: string; params: Record<string, unknown>; requestedBy: string };
  steps: Array<{ stage: string; outcome: string; detail: unknown }>; result: Record<string, unknown>; progress: { done: number; total: number | null; message: string } | null;
  summary: string; kind: string; account_id: string | null; decisions: unknown[];
}

for (const backend of testBackends()) {
  describe(`tasks end to end on ${backend.name} and Azurite`, () => {
    let db: Db;
    let databaseUrl: string | undefined;
    let drop: () => Promise<void>;
    let dir: string;
    let azurite: RunningAzurite;
    let storage: PlatformStorage;
    let app: FastifyInstance;
    let url: string;
    let worker: TaskWorker;
    const tokens = { admin: '', operator: '', viewer: '' };
    let master: TestCredential;
    let follower: TestCredential;
    let followerEa: ReferenceFollower;
    let subscriptionId: string;
    let sequence = 0;
    const queueName = `tasks-${backend.name}`;

    const call = async (token: string | null, method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown) => {
      const res = await fetch(`${url}/admin/v1${path}`, {
        method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      let json: unknown = null;
      try { json = JSON.parse(text); } catch { /* not JSON */ }
      return { status: res.status, json: json as Record<string, unknown> & { items?: unknown[] }, headers: res.headers, text };
    };

    async function waitForRun(runId: string, timeoutMs = 20_000): Promise<Run> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const { rows } = await db.query<Run>('SELECT * FROM audit_runs WHERE id = $1', [runId]);
        if (rows[0] && rows[0].status !== 'running') return rows[0];
        if (Date.now() > until) throw new Error(`run ${runId} still ${rows[0]?.status}: ${JSON.stringify(rows[0]?.steps)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }

    async function runTask(taskId: string, params: Record<string, unknown>, token = tokens.operator): Promise<Run> {
      const res = await call(token, 'POST', `/tasks/${taskId}/run`, { params });
      assert.equal(res.status, 202, res.text);
      return waitForRun(res.json.runId as string);
    }

    async function signal(type: string, position: Record<string, unknown>) {
      const res = await eaRequest(app, master, 'POST', `${EA_BASE_PATH}/signals`, { sequence: ++sequence, type, occurredAt: new Date().toISOString(), position });
      assert.equal(res.statusCode, 202, res.body);
    }

    async function masterSnapshot(positions: unknown[]) {
      const res = await eaRequest(app, master, 'POST', `${EA_BASE_PATH}/telemetry`, snapshotBody({ positions }));
      assert.equal(res.statusCode, 202, res.body);
    }

    async function followerPoll() {
      const polled = await followerEa.pollOnce({ wait: 0 });
      assert.ok(polled.ok, JSON.stringify(polled.outcome).slice(0, 300));
      const snap = await followerEa.snapshot();
      assert.equal(snap.kind === 'response' && snap.status, 202);
      return polled.orders;
    }

    const startWorker = (extra: Partial<Parameters<typeof createTaskWorker>[0]> = {}) => {
      const w = createTaskWorker({ db, secretBox: testSecretBox, queue: storage.queue, blobs: storage.blobs, pollIntervalMs: 50, visibilityTimeoutSeconds: 2, ...extra });
      w.start();
      return w;
    };

    before(async () => {
      ({ db, drop, databaseUrl } = await backend.open());
      dir = mkdtempSync(join(tmpdir(), 'kopitra-tasks-'));
      azurite = await startAzurite({ location: join(dir, 'azurite') });
      storage = await openStorage({ connectionString: azurite.connectionString, container: 'artifacts', queue: queueName });
      await ensureBootstrapAdmin(db, { email: EMAIL, password: PASSWORD });
      app = Fastify({ logger: false });
      await app.register(gatewayPlugin, { prefix: EA_BASE_PATH, db, secretBox: testSecretBox, config: DEFAULT_GATEWAY_CONFIG, storage: { blobs: storage.blobs, maxBytes: LOG_MAX } });
      await app.register(adminApiPlugin, { prefix: '/admin/v1', db, secretBox: testSecretBox, config: loadAdminConfig({}), storage: storage.blobs, queue: storage.queue });
      url = await app.listen({ port: 0, host: '127.0.0.1' });
      tokens.admin = (await call(null, 'POST', '/auth/login', { email: EMAIL, password: PASSWORD })).json.token as string;
      for (const role of ['operator', 'viewer'] as const) {
        const email = `${role}@example.com`;
        assert.equal((await call(tokens.admin, 'POST', '/operators', { email, password: `${role}-password-1`, role })).status, 201);
        tokens[role] = (await call(null, 'POST', '/auth/login', { email, password: `${role}-password-1` })).json.token as string;
      }
      master = await seedAccount(db, 'master');
      follower = await seedAccount(db, 'follower');
      subscriptionId = await seedSubscription(db, master.accountId, follower.accountId, { sizing: { mode: 'multiplier', multiplier: 1 }, maxSignalAgeMs: 600_000 });
      followerEa = new ReferenceFollower({
        client: new EaHttpClient({ baseUrl: url, keyId: follower.keyId, secret: follower.secret, timeoutMs: 5000 }),
        broker: new SimBroker({ mode: 'hedging', balance: 10_000, symbols: SPECS, quotes: QUOTES }),
        stateDir: join(dir, 'follower'), fsync: false, backoff: { baseMs: 5, maxMs: 50 },
      });
      await followerPoll();
      await masterSnapshot([]);
      worker = startWorker();
    });

    after(async () => {
      await worker.stop();
      followerEa.stop();
      await app.close();
      await azurite.close();
      await drop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('catalog, access and params validation', async () => {
      const list = await call(tokens.operator, 'GET', '/tasks');
      assert.equal(list.status, 200);
      const items = list.json.items as Array<{ id: string; params: { type: string; properties: Record<string, unknown> }; supportsDryRun: boolean; dangerous: boolean }>;
      assert.deepEqual(items.map((t) => t.id), ['resync-follower', 'close-follower-positions', 'pause-subscription', 'resume-subscription', 'rotate-ea-credential', 'export-audit-bundle', 'verify-audit-chain']);
      const resync = items[0]!;
      assert.equal(resync.params.type, 'object');
      assert.deepEqual(Object.keys(resync.params.properties).sort(), ['dryRun', 'openMissing', 'reopenClosedByHand', 'subscriptionId']);
      assert.equal(resync.supportsDryRun, true);
      assert.equal((await call(tokens.viewer, 'GET', '/tasks')).status, 403);
      assert.equal((await call(null, 'GET', '/tasks')).status, 401);
      const unknown = await call(tokens.operator, 'POST', '/tasks/no-such-task/run', { params: {} });
      assert.equal(unknown.status, 404);
      const missing = await call(tokens.operator, 'POST', '/tasks/resync-follower/run', { params: { dryRun: true } });
      assert.equal(missing.status, 400);
      assert.deepEqual([(missing.json.error as { code: string; field: string }).code, (missing.json.error as { field: string }).field], ['invalid_payload', 'params.subscriptionId']);
      const wrongType = await call(tokens.operator, 'POST', '/tasks/resync-follower/run', { params: { subscriptionId: subscriptionId, dryRun: 'yes' } });
      assert.equal((wrongType.json.error as { field: string }).field, 'params.dryRun');
      const extra = await call(tokens.operator, 'POST', '/tasks/pause-subscription/run', { params: { subscriptionId, force: true } });
      assert.equal(extra.status, 400);
      assert.equal((await call(tokens.operator, 'POST', '/tasks/pause-subscription/run', { params: { subscriptionId: 'sub_nope' } })).status, 404);
      assert.equal((await call(tokens.operator, 'POST', '/tasks/rotate-ea-credential/run', { params: { accountId: follower.accountId } })).status, 403, 'rotation is admin only');
      const badRange = await call(tokens.operator, 'POST', '/tasks/export-audit-bundle/run', { params: { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' } });
      assert.equal((badRange.json.error as { field: string }).field, 'params.to');
      const { rows } = await db.query(`SELECT 1 FROM audit_runs WHERE kind = 'task'`);
      assert.equal(rows.length, 0, 'refused requests record nothing');
    });

    test('pause / resume through the repository, and resync: dry run lists exactly the corrective orders, applied it converges, again it plans nothing', async () => {
      await signal('position.opened', { id: 'P1', symbol: 'EURUSD', side: 'buy', volume: 1, price: 1.085 });
      await signal('position.opened', { id: 'P2', symbol: 'EURUSD', side: 'buy', volume: 1, price: 1.085 });
      assert.equal((await followerPoll()).length, 2);
      assert.equal(followerEa.broker.positions().length, 2);

      const paused = await runTask('pause-subscription', { subscriptionId });
      assert.equal(paused.status, 'succeeded', JSON.stringify(paused.result));
      assert.deepEqual(paused.result, { subscriptionId, status: 'paused', changed: true });
      assert.equal((await call(tokens.viewer, 'GET', `/subscriptions/${subscriptionId}`)).json.status, 'paused');
      const operatorId = paused.trigger.requestedBy;
      const audit = await db.query<{ actor: string; after: { status: string } }>(`SELECT actor, after FROM audit_log WHERE action = 'subscription.update' AND target = $1`, [subscriptionId]);
      assert.deepEqual(audit.rows.map((r) => [r.actor, r.after.status]), [[operatorId, 'paused']], 'audited as the operator who asked');

      // Opened while paused: the follower gets no copy.
      await signal('position.opened', { id: 'P3', symbol: 'EURUSD', side: 'sell', volume: 0.5, price: 1.08498 });
      assert.equal((await followerPoll()).length, 0);
      const resumed = await runTask('resume-subscription', { subscriptionId });
      assert.deepEqual(resumed.result, { subscriptionId, status: 'active', changed: true });
      // Divergence: P1's close never reached us (the master's snapshot no longer has it), the
      // follower's sizing halves (its P2 copy is now oversized), P3 has no copy.
      await masterSnapshot([
        { id: 'P2', symbol: 'EURUSD', side: 'buy', volume: 1, price: 1.085 },
        { id: 'P3', symbol: 'EURUSD', side: 'sell', volume: 0.5, price: 1.08498 },
      ]);
      assert.equal((await call(tokens.operator, 'PATCH', `/subscriptions/${subscriptionId}`, { sizing: { mode: 'multiplier', multiplier: 0.5 } })).status, 200);

      const expected = [
        { action: 'close', symbol: 'EURUSD', side: 'buy', volume: 1, masterPositionId: 'P1', reason: 'master_position_closed' },
        { action: 'close', symbol: 'EURUSD', side: 'buy', volume: 0.5, masterPositionId: 'P2', reason: 'oversized_copy' },
        { action: 'open', symbol: 'EURUSD', side: 'sell', volume: 0.25, masterPositionId: 'P3', reason: 'missing_copy' },
      ];
      const strip = (plan: unknown) => (plan as Array<Record<string, unknown>>).map(({ followerPositionId: _f, ...rest }) => rest);

      const dry = await runTask('resync-follower', { subscriptionId, dryRun: true, openMissing: true });
      assert.equal(dry.status, 'succeeded', JSON.stringify(dry.result));
      assert.equal(dry.result.applied, false);
      assert.deepEqual(strip(dry.result.plan), expected);
      assert.equal((await db.query('SELECT 1 FROM orders WHERE run_id = $1', [dry.id])).rows.length, 0, 'a dry run sends nothing');
      const withoutOpen = await runTask('resync-follower', { subscriptionId });
      assert.deepEqual(strip(withoutOpen.result.plan), expected.slice(0, 2), 'openMissing off: the missing copy is only reported');
      assert.ok((withoutOpen.result.reported as Array<{ kind: string; detail: string }>).some((r) => r.kind === 'missing_copy_not_opened' && r.detail === 'open_missing_disabled'));

      const real = await runTask('resync-follower', { subscriptionId, dryRun: false, openMissing: true });
      assert.equal(real.status, 'succeeded', JSON.stringify(real.result));
      assert.equal(real.result.applied, true);
      assert.deepEqual(strip(real.result.plan), expected);
      assert.equal((real.result.orderIds as string[]).length, 3);
      // The run's trace: who asked, timed steps, progress to the end.
      assert.equal(real.kind, 'task');
      assert.equal(real.account_id, follower.accountId);
      assert.deepEqual(real.trigger, { taskId: 'resync-follower', params: { subscriptionId, dryRun: false, openMissing: true, reopenClosedByHand: false }, requestedBy: operatorId });
      assert.deepEqual(real.steps.map((s) => s.stage), ['queued', 'started', 'effect:apply', 'finished']);
      assert.equal(real.progress?.done, real.progress?.total);

      const executed = await followerPoll();
      assert.deepEqual(executed.map((o) => [o.action, o.side, o.volume, o.masterPositionId]), expected.map((e) => [e.action, e.side, e.volume, e.masterPositionId]));
      const held = followerEa.broker.positions().map((p) => [p.side, p.volume]).sort();
      assert.deepEqual(held, [['buy', 0.5], ['sell', 0.25]], 'converged: P2 copy at its target, P3 copied, P1 copy gone');

      const again = await runTask('resync-follower', { subscriptionId, dryRun: false, openMissing: true });
      assert.deepEqual(again.result.plan, [], 'run again it plans nothing');
      assert.deepEqual(again.result.orderIds, []);
    });

    test('close-follower-positions flattens the follower through its EA', async () => {
      const before = followerEa.broker.positions().length;
      assert.equal(before, 2);
      const run = await runTask('close-follower-positions', { followerAccountId: follower.accountId });
      assert.equal(run.status, 'succeeded', JSON.stringify(run.result));
      assert.equal(run.result.closes, 2);
      await followerPoll();
      assert.deepEqual(followerEa.broker.positions(), []);
      const audit = await db.query(`SELECT 1 FROM audit_log WHERE action = 'follower.close_all' AND target = $1`, [follower.accountId]);
      assert.equal(audit.rows.length, 1);
    });

    test('rotate-ea-credential: a new secret read once by an admin, the old one valid for the grace period', async () => {
      const t0 = Date.now();
      const run = await runTask('rotate-ea-credential', { accountId: follower.accountId, graceSeconds: 120 }, tokens.admin);
      assert.equal(run.status, 'succeeded', JSON.stringify(run.result));
      assert.equal(run.result.oldKeyId, follower.keyId);
      assert.ok(!JSON.stringify(run).includes('"secret"'), 'no secret in the run');
      const oldValidUntil = Date.parse(run.result.oldValidUntil as string);
      assert.ok(oldValidUntil >= t0 + 119_000 && oldValidUntil <= Date.now() + 121_000);
      const { rows } = await db.query<{ revoked_at: Date }>('SELECT revoked_at FROM ea_credentials WHERE key_id = $1', [follower.keyId]);
      assert.equal(new Date(rows[0]!.revoked_at).getTime(), oldValidUntil);

      assert.equal((await call(tokens.operator, 'GET', `/tasks/runs/${run.id}/secret`)).status, 403);
      const got = await call(tokens.admin, 'GET', `/tasks/runs/${run.id}/secret`);
      assert.equal(got.status, 200);
      assert.equal(got.json.keyId, run.result.keyId);
      assert.equal(got.headers.get('cache-control'), 'no-store');
      assert.equal((await call(tokens.admin, 'GET', `/tasks/runs/${run.id}/secret`)).status, 404, 'only once');

      const fresh = { keyId: got.json.keyId as string, secret: got.json.secret as string };
      assert.equal((await eaRequest(app, fresh, 'GET', `${EA_BASE_PATH}/orders?wait=0`)).statusCode, 200, 'the new secret works');
      await new Promise((r) => setTimeout(r, db.kind === 'postgres' ? 200 : 20)); // the cache notification
      assert.equal((await eaRequest(app, follower, 'GET', `${EA_BASE_PATH}/orders?wait=0`)).statusCode, 200, 'the old one still works within the grace period');
    });

    test('a worker that dies after the effect and before the delete: the message reappears, the effect happens once', async () => {
      await worker.stop();
      const count = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM ea_credentials WHERE account_id = $1', [master.accountId])).rows[0]!.n);
      const before = await count();
      let crashes = 0;
      // The first attempt "crashes" right after its effect committed: no finish, no delete.
      worker = startWorker({ afterEffect: async () => { if (crashes++ === 0) throw new Error('simulated crash after the effect'); } });
      const run = await runTask('rotate-ea-credential', { accountId: master.accountId, graceSeconds: 0 }, tokens.admin);
      assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
      assert.deepEqual(run.steps.map((s) => s.stage), ['queued', 'started', 'effect:rotate', 'attempt_failed', 'started', 'effect:rotate', 'finished']);
      assert.deepEqual(run.steps[5]!.detail, { replayed: true });
      assert.equal(await count(), before + 1, 'one new credential');
      const created = await db.query(`SELECT 1 FROM audit_log WHERE action = 'credential.create' AND target = $1`, [run.result.keyId]);
      assert.equal(created.rows.length, 1);
      await worker.stop();
      worker = startWorker();
    });

    test('poison: a message that fails on every delivery fails its run after maxDequeueCount attempts and is dropped', async () => {
      await worker.stop();
      worker = startWorker({ maxDequeueCount: 2, visibilityTimeoutSeconds: 1, afterEffect: async () => { throw new Error('always fails'); } });
      const run = await runTask('verify-audit-chain', {});
      assert.equal(run.status, 'succeeded', 'a task without effects is unaffected by the hook');
      const res = await call(tokens.operator, 'POST', '/tasks/pause-subscription/run', { params: { subscriptionId } });
      const failed = await waitForRun(res.json.runId as string);
      assert.equal(failed.status, 'failed');
      assert.match(String(failed.result.error), /gave up after 2 attempts: always fails/);
      assert.deepEqual(failed.steps.filter((s) => s.stage === 'started').length, 2);
      await new Promise((r) => setTimeout(r, 1_300));
      assert.deepEqual(await storage.queue.receive({ max: 5, visibilityTimeoutSeconds: 1 }), [], 'the message is gone');
      await worker.stop();
      worker = startWorker();
      await runTask('resume-subscription', { subscriptionId });
    });

    // A second process needs a database it can reach: real PostgreSQL only (PGlite lives in this process).
    if (backend.name === 'postgres') {
      test('SIGKILL of a worker process mid-task: another worker picks the message up and the effect happens once', async () => {
        await worker.stop();
        const count = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM ea_credentials WHERE account_id = $1', [master.accountId])).rows[0]!.n);
        const before = await count();
        const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'testing', 'worker-process.ts')], {
          env: { ...process.env, DATABASE_URL: databaseUrl, AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString, KOPITRA_TASK_QUEUE: queueName, KOPITRA_BLOB_CONTAINER: 'artifacts', VISIBILITY: '2' },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        const seen = (text: string) => new Promise<void>((resolve) => {
          const check = () => { if (out.includes(text)) { child.stdout!.off('data', onData); resolve(); } };
          const onData = (c: Buffer) => { out += c.toString(); check(); };
          child.stdout!.on('data', onData);
          check();
        });
        await seen('ready');
        const res = await call(tokens.admin, 'POST', '/tasks/rotate-ea-credential/run', { params: { accountId: master.accountId } });
        const runId = res.json.runId as string;
        await seen(`effect ${runId} rotate`);
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
        assert.equal((await db.query<{ status: string }>('SELECT status FROM audit_runs WHERE id = $1', [runId])).rows[0]!.status, 'running', 'killed before it finished');
        worker = startWorker();
        const run = await waitForRun(runId);
        assert.equal(run.status, 'succeeded');
        assert.ok(run.steps.some((s) => s.stage === 'effect:rotate' && (s.detail as { replayed?: boolean } | null)?.replayed === true));
        assert.equal(await count(), before + 1, 'one new credential despite two deliveries');
      });
    }

    test('EA logs: uploaded through the gateway, listed and streamed by the management API', async () => {
      const content = 'line 1\nline 2 ✓\n';
      const body = { name: 'kopitra-ea.log', contentType: 'text/plain', encoding: 'base64', content: Buffer.from(content).toString('base64') };
      const first = await eaRequest(app, follower, 'POST', `${EA_BASE_PATH}/logs`, body, { idempotencyKey: 'log-1' });
      assert.equal(first.statusCode, 202, first.body);
      const artifactId = first.json().artifactId as string;
      const repeat = await eaRequest(app, follower, 'POST', `${EA_BASE_PATH}/logs`, body, { idempotencyKey: 'log-1' });
      assert.deepEqual(repeat.json(), { artifactId }, 'a retry is the same upload');
      const reused = await eaRequest(app, follower, 'POST', `${EA_BASE_PATH}/logs`, { ...body, content: 'eA==' }, { idempotencyKey: 'log-1' });
      assert.equal(reused.statusCode, 409);
      const tooBig = await eaRequest(app, follower, 'POST', `${EA_BASE_PATH}/logs`, { ...body, encoding: 'utf8', content: 'x'.repeat(LOG_MAX + 1) });
      assert.equal(tooBig.statusCode, 413);
      const badName = await eaRequest(app, follower, 'POST', `${EA_BASE_PATH}/logs`, { ...body, name: '../etc/passwd' });
      assert.deepEqual([badName.statusCode, badName.json().error.field], [400, 'name']);
      const badB64 = await eaRequest(app, follower, 'POST', `${EA_BASE_PATH}/logs`, { ...body, content: 'not base64!' });
      assert.deepEqual([badB64.statusCode, badB64.json().error.field], [400, 'content']);

      const list = await call(tokens.viewer, 'GET', `/artifacts?kind=ea_log&accountId=${follower.accountId}`);
      assert.equal(list.status, 200);
      assert.deepEqual((list.json.items as Array<{ id: string; name: string; size: number; contentType: string }>).map((a) => [a.id, a.name, a.size, a.contentType]),
        [[artifactId, 'kopitra-ea.log', Buffer.byteLength(content), 'text/plain']]);
      const got = await fetch(`${url}/admin/v1/artifacts/${artifactId}/content`, { headers: { authorization: `Bearer ${tokens.viewer}` } });
      assert.equal(got.status, 200);
      assert.equal(await got.text(), content);
      assert.equal(got.headers.get('content-type'), 'text/plain');
      assert.match(got.headers.get('content-disposition') ?? '', /^attachment; filename="kopitra-ea.log"/);
      assert.equal((await fetch(`${url}/admin/v1/artifacts/${artifactId}/content`)).status, 401);
      assert.equal((await call(tokens.viewer, 'GET', '/artifacts/art_nope/content')).status, 404);
    });

    test('export-audit-bundle: a zip in Blob Storage with the runs, their orders and executions and the audit log, downloadable', async () => {
      // A signal run with two decisions: the inputs they share are stored once, and the bundle has them in each.
      const fanMaster = await seedAccount(db, 'master');
      for (let i = 0; i < 2; i++) await seedSubscription(db, fanMaster.accountId, (await seedAccount(db, 'follower')).accountId, { maxSignalAgeMs: 600_000 });
      const fan = await eaRequest(app, fanMaster, 'POST', `${EA_BASE_PATH}/signals`, {
        sequence: 1, type: 'position.opened', occurredAt: new Date().toISOString(),
        position: { id: 'FAN-1', symbol: 'EURUSD', side: 'buy', volume: 1, price: 1.085, sl: null, tp: null },
      });
      assert.equal(fan.statusCode, 202, fan.body);
      const run = await runTask('export-audit-bundle', { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() });
      assert.equal(run.status, 'succeeded', JSON.stringify(run.result));
      const artifactId = run.result.artifactId as string;
      const list = await call(tokens.viewer, 'GET', '/artifacts?kind=audit_bundle');
      assert.deepEqual((list.json.items as Array<{ id: string }>).map((a) => a.id), [artifactId]);
      const res = await fetch(`${url}/admin/v1/artifacts/${artifactId}/content`, { headers: { authorization: `Bearer ${tokens.viewer}` } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/zip');
      const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
      assert.deepEqual(Object.keys(files).sort(), ['audit_log.json', 'executions.json', 'manifest.json', 'orders.json', 'runs.json']);
      const runs = JSON.parse(strFromU8(files['runs.json']!)) as Array<{ id: string; kind: string; trigger: Record<string, unknown> | null; decisions: Array<{ inputs?: Record<string, unknown> }> }>;
      // Every decision carries its whole inputs (the master's side of the event included), none left on the trigger.
      const signalRuns = runs.filter((r) => r.kind === 'signal');
      assert.ok(signalRuns.some((r) => r.decisions.length > 1), 'a signal run with several decisions');
      for (const r of signalRuns) {
        assert.equal(r.trigger?.decisionInputs, undefined);
        for (const d of r.decisions) assert.ok(d.inputs?.eventType, `${r.id}: a decision without its event type`);
      }
      const { rows: taskRuns } = await db.query<{ id: string }>(`SELECT id FROM audit_runs WHERE kind IN ('task', 'signal') AND id <> $1`, [run.id]);
      for (const r of taskRuns) assert.ok(runs.some((x) => x.id === r.id), `bundle holds run ${r.id}`);
      const orders = JSON.parse(strFromU8(files['orders.json']!)) as Array<{ id: string }>;
      const executions = JSON.parse(strFromU8(files['executions.json']!)) as Array<{ order_id: string }>;
      assert.ok(orders.length >= 7 && executions.length >= 7, `${orders.length} orders, ${executions.length} executions`);
      const log = JSON.parse(strFromU8(files['audit_log.json']!)) as Array<{ action: string }>;
      assert.ok(log.some((l) => l.action === 'subscription.update'));
      const manifest = JSON.parse(strFromU8(files['manifest.json']!)) as { counts: { runs: number } };
      assert.equal(manifest.counts.runs, runs.length);
    });

    test('without storage: tasks and log uploads answer 503 unavailable and record nothing', async () => {
      const bare = Fastify({ logger: false });
      await bare.register(gatewayPlugin, { prefix: EA_BASE_PATH, db, secretBox: testSecretBox, config: DEFAULT_GATEWAY_CONFIG });
      await bare.register(adminApiPlugin, { prefix: '/admin/v1', db, secretBox: testSecretBox, config: loadAdminConfig({}) });
      await bare.ready();
      try {
        const runsBefore = (await db.query(`SELECT 1 FROM audit_runs WHERE kind = 'task'`)).rows.length;
        const res = await bare.inject({ method: 'POST', url: '/admin/v1/tasks/verify-audit-chain/run', headers: { authorization: `Bearer ${tokens.operator}` }, payload: { params: {} } });
        assert.equal(res.statusCode, 503);
        assert.equal(res.json().error.code, 'unavailable');
        assert.equal((await db.query(`SELECT 1 FROM audit_runs WHERE kind = 'task'`)).rows.length, runsBefore);
        const log = await eaRequest(bare, follower, 'POST', `${EA_BASE_PATH}/logs`, { name: 'a.log', contentType: 'text/plain', encoding: 'utf8', content: 'x' });
        assert.equal(log.statusCode, 503);
        const list = await bare.inject({ method: 'GET', url: '/admin/v1/artifacts', headers: { authorization: `Bearer ${tokens.viewer}` } });
        const id = (list.json().items as Array<{ id: string }>)[0]!.id;
        const content = await bare.inject({ method: 'GET', url: `/admin/v1/artifacts/${id}/content`, headers: { authorization: `Bearer ${tokens.viewer}` } });
        assert.equal(content.statusCode, 503);
      } finally {
        await bare.close();
      }
    });

    test('verify-audit-chain: intact, then names the one row altered directly in the database', async () => {
      const ok = await runTask('verify-audit-chain', {});
      assert.equal(ok.status, 'succeeded');
      assert.equal(ok.result.ok, true);
      assert.ok((ok.result.rows as number) > 10);
      assert.equal(ok.result.firstBadId, null);

      const { rows } = await db.query<{ id: number }>(`SELECT id FROM audit_log WHERE action = 'subscription.update' ORDER BY id LIMIT 1`);
      const victim = Number(rows[0]!.id);
      await assert.rejects(db.query(`UPDATE audit_log SET actor = 'mallory' WHERE id = $1`, [victim]), /append-only/);
      // As the table owner, around the one statement: what an attacker with the database would do.
      await db.tx(async (q) => {
        await q.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
        await q.query(`UPDATE audit_log SET actor = 'mallory' WHERE id = $1`, [victim]);
        await q.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
      });
      const broken = await runTask('verify-audit-chain', {});
      assert.deepEqual([broken.result.ok, broken.result.firstBadId], [false, victim]);
      assert.match(broken.summary, new RegExp(`BROKEN at row ${victim}`));
    });
  });
}
