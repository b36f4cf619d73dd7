// Acceptance: the deployment shape — two gateway instances and one management API, separate
// processes on one PostgreSQL. Accounts, EA credentials and subscriptions are created through the
// management API over HTTP; the reference master EA talks to gateway A, the reference followers
// to gateway B (long-polls woken across processes by NOTIFY) and one follower to A; the copy path
// runs end to end: open, partial close, SL/TP modify, close — and the management API sees it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EaHttpClient, ReferenceFollower, ReferenceMaster, SimBroker, type SymbolSpec } from '@kopitra/ea-client';
import { spawnGateway, type SpawnedGateway } from '@kopitra/gateway/testing';
import type { FollowerOrder } from '@kopitra/protocol';
import { openDb, type Db } from '@kopitra/store';
import { createFreshDatabase } from '@kopitra/store/testing';
import { TEST_SECRET_KEY, startService, type RunningService } from './support/processes';

const baseUrl = process.env.KOPITRA_TEST_DATABASE_URL;
const ADMIN = { email: 'ops@example.com', password: 'correct horse battery' };
const SPECS: SymbolSpec[] = [{ name: 'EURUSD', volumeMin: 0.01, volumeMax: 100, volumeStep: 0.01, contractSize: 100_000, tickSize: 0.00001, tickValue: 1, digits: 5 }];
const QUOTES = { EURUSD: { bid: 1.08498, ask: 1.085 } };
const FOLLOWERS = [
  { name: 'half', sizing: { mode: 'multiplier', multiplier: 0.5 }, gateway: 'B', open: 0.5 },
  { name: 'fixed', sizing: { mode: 'fixed', lots: 0.1 }, gateway: 'B', open: 0.1 },
  { name: 'double', sizing: { mode: 'multiplier', multiplier: 2 }, gateway: 'A', open: 2 },
] as const;

describe('two gateways + one management API on one PostgreSQL', { skip: baseUrl ? false : 'KOPITRA_TEST_DATABASE_URL not set (needs a real PostgreSQL)' }, () => {
  let db: Db;
  let dropDb: () => Promise<void>;
  let a: SpawnedGateway;
  let b: SpawnedGateway;
  let admin: RunningService;
  let token = '';
  let dir: string;

  async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${admin.url}/admin/v1${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  }
  async function created<T>(path: string, body?: unknown): Promise<T> {
    const r = await api<T>('POST', path, body ?? {});
    assert.equal(r.status, 201, `POST ${path}: ${JSON.stringify(r.body)}`);
    return r.body;
  }

  before(async () => {
    const fresh = await createFreshDatabase(baseUrl!);
    dropDb = fresh.drop;
    db = await openDb({ databaseUrl: fresh.url });
    dir = mkdtempSync(join(tmpdir(), 'kopitra-2gw-'));
    const env = { DATABASE_URL: fresh.url, KOPITRA_SECRET_KEY: TEST_SECRET_KEY };
    // The management API first: it migrates; then both gateways (they migrate idempotently too).
    admin = await startService('admin-api', { env: { ...env, KOPITRA_ADMIN_EMAIL: ADMIN.email, KOPITRA_ADMIN_PASSWORD: ADMIN.password } });
    [a, b] = await Promise.all([spawnGateway(env), spawnGateway(env)]);
  });
  after(async () => {
    await Promise.all([a?.kill(), b?.kill(), admin?.stop()]);
    await db?.close();
    await dropDb?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('master on A, followers on B (and one on A): open, partial close, modify, close', { timeout: 60_000 }, async () => {
    const login = await api<{ token: string }>('POST', '/auth/login', ADMIN);
    assert.equal(login.status, 200, JSON.stringify(login.body));
    token = login.body.token;

    const account = (name: string, role: 'master' | 'follower') =>
      created<{ id: string }>('/accounts', { name, role, platform: 'mt5', broker: { name: 'SimBroker', server: 'Sim-Demo' }, login: String(Math.floor(Math.random() * 1e8)) });
    const masterAcc = await account('master', 'master');
    const masterCred = await created<{ keyId: string; secret: string }>(`/accounts/${masterAcc.id}/credentials`);
    const master = new ReferenceMaster({
      client: new EaHttpClient({ baseUrl: a.url, keyId: masterCred.keyId, secret: masterCred.secret, timeoutMs: 5000 }),
      broker: new SimBroker({ mode: 'hedging', balance: 10_000, symbols: SPECS, quotes: QUOTES }),
      outboxDir: join(dir, 'master'), fsync: false, backoff: { baseMs: 5, maxMs: 50 },
    });
    const rigs: Array<{ name: string; open: number; accountId: string; ea: ReferenceFollower; orders: FollowerOrder[] }> = [];
    for (const f of FOLLOWERS) {
      const acc = await account(`follower ${f.name}`, 'follower');
      const cred = await created<{ keyId: string; secret: string }>(`/accounts/${acc.id}/credentials`);
      const sub = await created<{ id: string; status: string }>('/subscriptions', { masterAccountId: masterAcc.id, followerAccountId: acc.id, sizing: f.sizing });
      assert.equal(sub.status, 'active');
      const ea = new ReferenceFollower({
        client: new EaHttpClient({ baseUrl: f.gateway === 'A' ? a.url : b.url, keyId: cred.keyId, secret: cred.secret, timeoutMs: 5000 }),
        broker: new SimBroker({ mode: 'hedging', balance: 10_000, symbols: SPECS, quotes: QUOTES }),
        stateDir: join(dir, acc.id), fsync: false, backoff: { baseMs: 5, maxMs: 50 },
      });
      const snap = await ea.snapshot();
      assert.ok(snap.kind === 'response' && snap.status === 202, JSON.stringify(snap));
      rigs.push({ name: f.name, open: f.open, accountId: acc.id, ea, orders: [] });
    }
    const snap = await master.snapshot();
    assert.ok(snap.kind === 'response' && snap.status === 202, JSON.stringify(snap));

    // Each step: followers already waiting in long-polls, the master acts on A, the orders arrive.
    const step = async (action: ReturnType<ReferenceMaster['open']>) => {
      const polls = rigs.map((r) => r.ea.pollOnce({ wait: 10 }));
      await new Promise((r) => setTimeout(r, 150));
      const sentAt = performance.now();
      const { result, signals } = await action;
      assert.ok(result.ok, result.message);
      const acks = await master.flush();
      assert.equal(acks.length, signals.length, 'every signal acknowledged');
      const got = await Promise.all(polls);
      const latencyMs = performance.now() - sentAt;
      got.forEach((p, i) => { assert.ok(p.ok, JSON.stringify(p.outcome)); rigs[i]!.orders.push(...p.orders); });
      return { signals, latencyMs };
    };

    const { signals: [opened], latencyMs } = await step(master.open('EURUSD', 'buy', 1, { sl: 1.08, tp: 1.09 }));
    const pos = (opened as { position: { id: string } }).position.id;
    console.log(`two gateways: master on A -> followers long-polling on B and A got the open in ${latencyMs.toFixed(0)} ms`);
    assert.ok(latencyMs < 900, `orders arrived by NOTIFY across processes, not the fallback (${latencyMs.toFixed(0)} ms)`);
    for (const r of rigs) assert.deepEqual(r.orders.map((o) => [o.action, o.side, o.volume]), [['open', 'buy', r.open]], r.name);

    await step(master.close(pos, 0.5));
    await step(master.modify(pos, { sl: 1.081, tp: 1.095 }));
    await step(master.close(pos));
    for (const r of rigs) {
      assert.deepEqual(r.orders.map((o) => o.action), ['open', 'close', 'modify', 'close'], r.name);
      assert.deepEqual(r.ea.broker.positions(), [], `${r.name} is flat when the master is flat`);
    }
    assert.deepEqual(rigs[0]!.orders.filter((o) => o.action === 'close').map((o) => o.volume), [0.25, 0.25]);

    // Every order reported back, none delivered twice; the management API sees the accounts online.
    for (const r of rigs) {
      const { rows: [o] } = await db.query<{ n: number; open: number }>(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE status NOT IN ('filled','cancelled','rejected','expired'))::int AS open FROM orders WHERE follower_account_id = $1`, [r.accountId]);
      assert.deepEqual([o!.n, o!.open], [4, 0], `${r.name}: 4 orders, all reported`);
      assert.equal(new Set(r.orders.map((x) => x.orderId)).size, 4);
    }
    const { rows: [s] } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM signals WHERE account_id = $1', [masterAcc.id]);
    assert.equal(s!.n, 4, 'open, partial close, modify, close: one signal each');
    const accounts = await api<{ items: Array<{ id: string; connectivity: { online: boolean } }> }>('GET', '/accounts?limit=200');
    assert.equal(accounts.status, 200);
    for (const id of [masterAcc.id, ...rigs.map((r) => r.accountId)]) {
      assert.equal(accounts.body.items.find((x) => x.id === id)?.connectivity.online, true, `${id} online as seen by the management API`);
    }
  });
});
