// Acceptance: SIGTERM to a gateway in the middle of traffic loses nothing. Eight masters stream
// signals (each one in flight at a time, as an EA's outbox sends), three followers copy every
// master, and four idle followers hold 25-second long-polls. Mid-stream the gateway gets SIGTERM.
// Afterwards: every signal answered 202 is in the database with one order per subscription;
// signals answered after the SIGTERM show the in-flight ones were finished, not cut; every
// long-poll got an HTTP answer, promptly; the process exits 0 within a few seconds. Then a new
// gateway takes the masters' unacknowledged signals (same Idempotency-Keys, as the EA retries) and
// everything is stored exactly once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EaHttpClient, isResponse, type HttpOutcome } from '@kopitra/ea-client';
import { openedSignal, seedAccount, seedSubscription, snapshotBody, spawnGateway, type SpawnedGateway, type TestCredential } from '@kopitra/gateway/testing';
import { openDb, type Db } from '@kopitra/store';
import { createFreshDatabase } from '@kopitra/store/testing';
import { TEST_SECRET_KEY, freePort } from './support/processes';

const baseUrl = process.env.KOPITRA_TEST_DATABASE_URL;
const MASTERS = 8;
const FOLLOWERS = 3;
const IDLE_POLLERS = 4;

interface Sent { master: number; sequence: number; key: string; body: unknown; outcome?: HttpOutcome; answeredAt?: number }

describe('SIGTERM to a gateway during long-polls and in-flight signals', { skip: baseUrl ? false : 'KOPITRA_TEST_DATABASE_URL not set (needs a real PostgreSQL)' }, () => {
  let db: Db;
  let dropDb: () => Promise<void>;
  let env: Record<string, string>;
  let gateway: SpawnedGateway | null = null;

  before(async () => {
    const fresh = await createFreshDatabase(baseUrl!);
    dropDb = fresh.drop;
    db = await openDb({ databaseUrl: fresh.url });
    env = {
      DATABASE_URL: fresh.url, KOPITRA_SECRET_KEY: TEST_SECRET_KEY, PORT: String(await freePort()),
      KOPITRA_EA_RATE_LIMIT_RPS: '100000', KOPITRA_EA_RATE_LIMIT_BURST: '100000',
    };
  });
  after(async () => {
    await gateway?.kill('SIGKILL');
    await db?.close();
    await dropDb?.();
  });

  test('nothing acknowledged is lost, long-polls are answered, exit 0', { timeout: 90_000 }, async () => {
    const masters: TestCredential[] = [];
    const followers: TestCredential[] = [];
    for (let i = 0; i < MASTERS; i++) masters.push(await seedAccount(db, 'master'));
    for (let i = 0; i < FOLLOWERS; i++) followers.push(await seedAccount(db, 'follower'));
    for (const m of masters) for (const f of followers) await seedSubscription(db, m.accountId, f.accountId, { maxSignalAgeMs: 3_600_000 });
    const idle: TestCredential[] = [];
    for (let i = 0; i < IDLE_POLLERS; i++) idle.push(await seedAccount(db, 'follower'));

    gateway = await spawnGateway(env);
    const client = (c: TestCredential) => new EaHttpClient({ baseUrl: gateway!.url, keyId: c.keyId, secret: c.secret, timeoutMs: 10_000 });
    for (const f of [...followers, ...idle]) {
      const snap = await client(f).post('/trade-agent/v1/telemetry', snapshotBody(), `snap-${f.accountId}`);
      assert.ok(isResponse(snap) && snap.status === 202, JSON.stringify(snap));
    }

    // Idle followers wait on long-polls that nothing will wake but the shutdown.
    const polls = idle.map((f) => {
      const startedAt = performance.now();
      return client(f).get('/trade-agent/v1/orders?wait=25', { extraTimeoutMs: 25_000 }).then((outcome) => ({ outcome, startedAt, answeredAt: performance.now() }));
    });
    await new Promise((r) => setTimeout(r, 300));

    // Masters stream until their first failure (503 or a connection error), one request in flight each.
    const sent: Sent[] = [];
    let sigtermAt = Infinity;
    const streams = masters.map(async (m, i) => {
      const c = client(m);
      for (let seq = 1; ; seq++) {
        const s: Sent = { master: i, sequence: seq, key: `sig-${i}-${seq}`, body: openedSignal(seq, { id: `M${i}P${seq}`, volume: 1 }) };
        sent.push(s);
        s.outcome = await c.post('/trade-agent/v1/signals', s.body, s.key);
        s.answeredAt = performance.now();
        if (!isResponse(s.outcome) || s.outcome.status !== 202) return;
      }
    });
    // Let the stream get going, then SIGTERM while signals are in flight.
    while (sent.filter((s) => s.outcome && isResponse(s.outcome) && s.outcome.status === 202).length < 40) await new Promise((r) => setTimeout(r, 5));
    sigtermAt = performance.now();
    const exitedAfter = gateway.kill('SIGTERM').then((code) => ({ code, ms: performance.now() - sigtermAt }));
    await Promise.all(streams);
    const exit = await exitedAfter;
    const answeredPolls = await Promise.all(polls);

    const acked = sent.filter((s) => s.outcome && isResponse(s.outcome) && s.outcome.status === 202);
    const ackedAfterSigterm = acked.filter((s) => s.answeredAt! > sigtermAt);
    const failed = sent.filter((s) => !acked.includes(s));
    const failures = failed.map((s) => (isResponse(s.outcome!) ? `http ${s.outcome.status}` : s.outcome!.code));
    const pollMs = answeredPolls.map((p) => p.answeredAt - sigtermAt);
    console.log(`sigterm: ${sent.length} signals sent, ${acked.length} acknowledged (${ackedAfterSigterm.length} answered after SIGTERM), ` +
      `unacknowledged: ${JSON.stringify(failures)}; long-polls answered ${pollMs.map((ms) => ms.toFixed(0)).join('/')} ms after SIGTERM; exit ${exit.code} in ${exit.ms.toFixed(0)} ms`);

    // The process.
    assert.equal(exit.code, 0, 'graceful exit');
    assert.ok(exit.ms < 5000, `exit took ${exit.ms.toFixed(0)} ms`);
    // Long-polls: answered with HTTP 200, within seconds of the SIGTERM, not dropped and not left to run out.
    for (const p of answeredPolls) {
      assert.ok(isResponse(p.outcome), `long-poll answered, not dropped: ${JSON.stringify(p.outcome)}`);
      assert.equal(p.outcome.status, 200);
      assert.deepEqual((p.outcome.body as { orders: unknown[] }).orders, []);
      assert.ok(p.answeredAt - sigtermAt < 5000, `long-poll released ${(p.answeredAt - sigtermAt).toFixed(0)} ms after SIGTERM`);
    }
    // In-flight signals were finished, not cut.
    assert.ok(ackedAfterSigterm.length >= 1, 'some signals were in flight at SIGTERM and still got their 202');

    const stored = async () => {
      const { rows } = await db.query<{ account_id: string; sequence: string; id: string; orders: number }>(
        `SELECT s.account_id, s.sequence, s.id, (SELECT count(*)::int FROM orders o WHERE o.signal_id = s.id) AS orders FROM signals s`);
      return new Map(rows.map((r) => [`${r.account_id}:${Number(r.sequence)}`, r]));
    };
    // Every 202 is in the database, with all its orders.
    let rows = await stored();
    for (const s of acked) {
      const row = rows.get(`${masters[s.master]!.accountId}:${s.sequence}`);
      assert.ok(row, `acknowledged signal ${s.key} is stored`);
      assert.equal(row.id, (s.outcome as { body: { signalId: string } }).body.signalId);
      assert.equal(row.orders, FOLLOWERS, `${s.key}: one order per subscription`);
    }

    // The EAs retry what was not acknowledged, with the same keys, against the next gateway.
    gateway = await spawnGateway(env);
    for (const s of failed) {
      const retry = await client(masters[s.master]!).post('/trade-agent/v1/signals', s.body, s.key);
      assert.ok(isResponse(retry) && retry.status === 202, `retry of ${s.key}: ${JSON.stringify(retry)}`);
    }
    rows = await stored();
    assert.equal(rows.size, sent.length, 'every signal sent is stored exactly once');
    for (const r of rows.values()) assert.equal(r.orders, FOLLOWERS);
    const { rows: [dup] } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT 1 FROM orders GROUP BY signal_id, subscription_id HAVING count(*) > 1) d`);
    assert.equal(dup!.n, 0, 'no order doubled');
  });
});
