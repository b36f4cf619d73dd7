// Crash matrix (npm run test:chaos): the gateway process is SIGKILLed 50 times at random moments
// while the reference master streams 10,000 signals and three reference followers long-poll,
// execute on their simulated brokers and report. A checker then compares every acknowledgement
// the clients saw with the database: acknowledged-but-lost 0, duplicate orders 0 (in the database
// and on the followers' brokers), every follower converged to the copies the engine intends.
// KOPITRA_CHAOS_SIGNALS / KOPITRA_CHAOS_KILLS scale it down for a quick look.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EaHttpClient, ReferenceFollower, ReferenceMaster, SimBroker, seededRandom } from '@kopitra/ea-client';
import { TEST_SECRET_KEY, seedAccount, seedSubscription, spawnGateway, type SpawnedGateway, type TestCredential } from '@kopitra/gateway/testing';
import { openDb, type Db } from '@kopitra/store';
import { createFreshDatabase } from '@kopitra/store/testing';
import { chaosConfig } from './config';
import { createPgCluster, freePort, pgClusterSupport, type PgCluster } from '../pg-cluster';
import { randomTrade } from '../../testing/random-trades';

const SIGNALS = chaosConfig.signals;
const KILLS = chaosConfig.kills;
const FOLLOWERS = 3;
const version = pgClusterSupport();
const sharedUrl = chaosConfig.sharedDatabaseUrl;

describe(`crash matrix: ${KILLS} SIGKILLs of the gateway during a ${SIGNALS}-signal stream, ${FOLLOWERS} followers`, { skip: version || sharedUrl ? false : 'needs a private PostgreSQL cluster (root + pg_createcluster) or KOPITRA_TEST_DATABASE_URL' }, () => {
  let cluster: PgCluster | undefined;
  let databaseUrl: string;
  let dropDb: (() => Promise<void>) | undefined;
  let db: Db;
  let dir: string;
  let gateway: SpawnedGateway | null = null;

  before(async () => {
    if (version) {
      cluster = await createPgCluster(version);
      databaseUrl = cluster.url;
    } else {
      const fresh = await createFreshDatabase(sharedUrl!);
      databaseUrl = fresh.url;
      dropDb = fresh.drop;
    }
    db = await openDb({ databaseUrl });
    dir = mkdtempSync(join(tmpdir(), 'kopitra-crash-matrix-'));
  });
  after(async () => {
    await gateway?.kill('SIGKILL');
    await db?.close();
    await dropDb?.();
    cluster?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('acknowledged-but-lost 0, duplicate orders 0, followers converged', { timeout: 1_800_000 }, async () => {
    const started = performance.now();
    const masterCred: TestCredential = await seedAccount(db, 'master');
    const followerCreds: TestCredential[] = [];
    for (let i = 0; i < FOLLOWERS; i++) {
      const f = await seedAccount(db, 'follower');
      followerCreds.push(f);
      await seedSubscription(db, masterCred.accountId, f.accountId, { sizing: { mode: 'multiplier', multiplier: 1 }, maxSignalAgeMs: 3_600_000 });
    }
    const env = {
      DATABASE_URL: databaseUrl, KOPITRA_SECRET_KEY: TEST_SECRET_KEY, PORT: String(await freePort()),
      KOPITRA_EA_RATE_LIMIT_RPS: '100000', KOPITRA_EA_RATE_LIMIT_BURST: '100000', KOPITRA_LONG_POLL_FALLBACK_MS: '500',
    };
    gateway = await spawnGateway(env);
    const url = gateway.url;
    const backoff = { baseMs: 20, maxMs: 300 };
    const master = new ReferenceMaster({
      client: new EaHttpClient({ baseUrl: url, keyId: masterCred.keyId, secret: masterCred.secret, timeoutMs: 3000 }),
      broker: new SimBroker({ mode: 'hedging', balance: 1e9 }), outboxDir: join(dir, 'master'), fsync: false, backoff,
    });
    const followers = followerCreds.map((cred) => new ReferenceFollower({
      client: new EaHttpClient({ baseUrl: url, keyId: cred.keyId, secret: cred.secret, timeoutMs: 3000 }),
      broker: new SimBroker({ mode: 'hedging', balance: 1e9 }), stateDir: join(dir, cred.accountId), fsync: false, backoff,
    }));
    for (const f of followers) await f.snapshot();
    const running = followers.map((f) => f.run({ wait: 5, limit: 100 }));

    // The killer: SIGKILL at a random moment 0.3–2.3 s after each restart is listening.
    const random = seededRandom(20260808);
    let kills = 0;
    let restartMs = 0;
    const spawnFailures: string[] = [];
    let streaming = true;
    const killer = (async () => {
      while (streaming && kills < KILLS) {
        await new Promise((r) => setTimeout(r, 300 + random() * 2000));
        if (!streaming) break;
        await gateway!.kill('SIGKILL');
        kills++;
        await new Promise((r) => setTimeout(r, random() * 200));
        const t = performance.now();
        // A restart can fail under load (slow start, port still held): try again, as a supervisor would.
        for (let attempt = 1; ; attempt++) {
          try {
            gateway = await spawnGateway(env, 60_000);
            break;
          } catch (e) {
            spawnFailures.push((e as Error).message.slice(0, 300));
            console.error(`restart failed (attempt ${attempt}): ${(e as Error).message.slice(0, 300)}`);
            if (attempt >= 5) throw e;
            await new Promise((r) => setTimeout(r, 500));
          }
        }
        restartMs += performance.now() - t;
      }
    })();

    const open: string[] = [];
    let emitted = 0;
    let killerFailed: unknown;
    killer.catch((e: unknown) => { killerFailed = e; });
    while (emitted < SIGNALS || (kills < KILLS && emitted < SIGNALS * 3)) {
      if (killerFailed) throw killerFailed;
      for (let i = 0; i < 50; i++) {
        emitted += await randomTrade(master, open, random);
      }
      await master.flush();
    }
    streaming = false;
    await killer;
    if (spawnFailures.length) console.log(`restart attempts that failed: ${spawnFailures.length}: ${spawnFailures[0]}`);
    await master.flush();
    const streamSeconds = (performance.now() - started) / 1000;

    // Let the followers finish: every order of theirs reported and acknowledged.
    const followerIds = followerCreds.map((c) => c.accountId);
    const deadline = Date.now() + 300_000;
    for (;;) {
      const { rows: [o] } = await db.query<{ open: number }>(
        `SELECT count(*)::int AS open FROM orders WHERE follower_account_id = ANY($1) AND status IN ('pending', 'delivered', 'partially_filled')`, [followerIds]);
      if (o!.open === 0 && followers.every((f) => f.outbox.pending().length === 0)) break;
      assert.ok(Date.now() < deadline, `followers did not converge: ${o!.open} orders still open`);
      await new Promise((r) => setTimeout(r, 250));
    }
    for (const f of followers) f.stop();
    await Promise.all(running);

    // The checker.
    const acks = master.readAcks();
    const { rows: stored } = await db.query<{ id: string; sequence: number }>('SELECT id, sequence FROM signals WHERE account_id = $1', [masterCred.accountId]);
    const bySequence = new Map(stored.map((s) => [Number(s.sequence), s.id]));
    const signalsLost = acks.filter((a) => bySequence.get(a.sequence) !== (a.response as { signalId: string }).signalId).length;
    const { rows: [orderCounts] } = await db.query<{ total: number; doubled: number; not_filled: number }>(
      `SELECT count(*)::int AS total,
              (SELECT count(*)::int FROM (SELECT 1 FROM orders WHERE follower_account_id = ANY($1) GROUP BY signal_id, subscription_id HAVING count(*) > 1) d) AS doubled,
              count(*) FILTER (WHERE status <> 'filled')::int AS not_filled
         FROM orders WHERE follower_account_id = ANY($1)`, [followerIds]);
    let executionAcks = 0;
    let executionsLost = 0;
    let brokerDuplicates = 0;
    let converged = 0;
    const masterOpen = master.broker.positions();
    const masterOpenIds = masterOpen.map((p) => p.id);
    for (const [i, f] of followers.entries()) {
      // Every execution report the follower saw acknowledged is in the database.
      const fAcks = f.readAcks();
      executionAcks += fAcks.length;
      const { rows: exe } = await db.query<{ order_id: string; status: string }>(
        'SELECT e.order_id, e.status FROM executions e JOIN orders o ON o.id = e.order_id WHERE o.follower_account_id = $1', [followerIds[i]]);
      const have = new Set(exe.map((e) => `${e.order_id}|${e.status}`));
      executionsLost += fAcks.filter((a) => !have.has(`${a.meta?.orderId}|${a.meta?.status}`)).length;
      // No order carried out twice on the terminal: one deal per order tag.
      const perTag = new Map<string, number>();
      for (const d of f.broker.deals()) perTag.set(d.comment, (perTag.get(d.comment) ?? 0) + 1);
      brokerDuplicates += [...perTag.values()].filter((n) => n > 1).length;
      // Converged: the follower holds exactly the copies of the master positions still open.
      const { rows: intended } = await db.query<{ tag: string; master_position_id: string }>(
        `SELECT tag, master_position_id FROM orders WHERE follower_account_id = $1 AND action = 'open' AND master_position_id = ANY($2)`, [followerIds[i], masterOpenIds]);
      const held = f.broker.positions();
      const same = intended.length === masterOpen.length && held.length === intended.length
        && intended.every((o) => held.some((p) => p.comment === o.tag && p.volume === masterOpen.find((m) => m.id === o.master_position_id)!.volume));
      if (same) converged++;
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`crash matrix: ${emitted} signals in ${streamSeconds.toFixed(0)} s, ${kills} SIGKILLs (mean restart ${(restartMs / Math.max(1, kills)).toFixed(0)} ms); ` +
      `${acks.length} signal acks, ${stored.length} stored, ${signalsLost} acknowledged-but-lost; ${orderCounts!.total} follower orders, ${orderCounts!.doubled} doubled, ${orderCounts!.not_filled} not filled; ` +
      `${executionAcks} execution acks, ${executionsLost} acknowledged-but-lost; ${brokerDuplicates} duplicate executions on the brokers; ` +
      `${converged}/${FOLLOWERS} followers converged (${masterOpen.length} master positions open); total ${seconds.toFixed(0)} s`);

    assert.ok(kills >= KILLS, `killed ${kills} times`);
    assert.equal(acks.length, emitted, 'every signal was eventually acknowledged');
    assert.equal(signalsLost, 0, 'acknowledged-but-lost signals');
    assert.equal(stored.length, emitted, 'each signal stored exactly once');
    assert.equal(orderCounts!.doubled, 0, 'duplicate orders');
    assert.equal(orderCounts!.total, emitted * FOLLOWERS, 'one order per (signal, follower)');
    assert.equal(executionsLost, 0, 'acknowledged-but-lost execution reports');
    assert.equal(brokerDuplicates, 0, 'orders carried out twice');
    assert.equal(orderCounts!.not_filled, 0, 'every order filled');
    assert.equal(converged, FOLLOWERS, 'followers converged');
  });
});
