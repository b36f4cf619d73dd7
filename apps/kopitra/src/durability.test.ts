// Durability under SIGKILL: the reference master streams 2,000 signals through its durable outbox
// while the gateway process is killed with SIGKILL at random moments and restarted. Afterwards every
// signal the master saw acknowledged is stored exactly once, and every follower has exactly one
// order per (signal, subscription): none lost, none doubled. Every other gateway commits each
// batch's follower rows as a copy-journal row, projected after the answer: a kill between the two
// leaves a row the next gateway projects when it starts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EaHttpClient, ReferenceMaster, SimBroker, seededRandom } from '@kopitra/ea-client';
import { freePort, seedAccount, seedSubscription, spawnGateway, TEST_SECRET_KEY, type SpawnedGateway, type TestCredential } from '@kopitra/gateway/testing';
import { openDb, type Db } from '@kopitra/store';
import { createFreshDatabase } from '@kopitra/store/testing';
import { randomTrade } from './testing/random-trades';

const baseUrl = process.env.KOPITRA_TEST_DATABASE_URL;
const SIGNALS = Number(process.env.KOPITRA_DURABILITY_SIGNALS ?? 2000);
const FOLLOWERS = 3;


describe('durability: SIGKILL the gateway during a 2,000-signal stream', { skip: baseUrl ? false : 'KOPITRA_TEST_DATABASE_URL not set (needs a PostgreSQL shared by restarted processes)' }, () => {
  let db: Db;
  let dropDb: () => Promise<void>;
  let dir: string;
  let gateway: SpawnedGateway | null = null;
  let env: Record<string, string>;

  before(async () => {
    const fresh = await createFreshDatabase(baseUrl!);
    dropDb = fresh.drop;
    db = await openDb({ databaseUrl: fresh.url });
    dir = mkdtempSync(join(tmpdir(), 'kopitra-durability-'));
    env = { DATABASE_URL: fresh.url, KOPITRA_SECRET_KEY: TEST_SECRET_KEY, PORT: String(await freePort()), KOPITRA_EA_RATE_LIMIT_RPS: '100000', KOPITRA_EA_RATE_LIMIT_BURST: '100000' };
  });
  after(async () => {
    await gateway?.kill('SIGKILL');
    await db.close();
    await dropDb();
    rmSync(dir, { recursive: true, force: true });
  });

  test('every acknowledged signal stored exactly once; one order per (signal, subscription)', { timeout: 600_000 }, async () => {
    const masterCred: TestCredential = await seedAccount(db, 'master');
    const subs: string[] = [];
    for (let i = 0; i < FOLLOWERS; i++) {
      const f = await seedAccount(db, 'follower');
      subs.push(await seedSubscription(db, masterCred.accountId, f.accountId, { sizing: { mode: 'multiplier', multiplier: 1 }, maxSignalAgeMs: 3_600_000 }));
    }
    // Every batch through the copy journal (each master has FOLLOWERS subscriptions), or none.
    const gatewayEnv = (n: number) => ({ ...env, KOPITRA_JOURNAL_FROM_FOLLOWERS: n % 2 === 0 ? String(FOLLOWERS) : '0' });
    gateway = await spawnGateway(gatewayEnv(0));
    const url = gateway.url;
    const master = new ReferenceMaster({
      client: new EaHttpClient({ baseUrl: url, keyId: masterCred.keyId, secret: masterCred.secret, timeoutMs: 3000 }),
      broker: new SimBroker({ mode: 'hedging', balance: 1_000_000 }),
      // The gateway is killed here, not the client: its outbox need not fsync.
      outboxDir: join(dir, 'master'), backoff: { baseMs: 20, maxMs: 300 }, fsync: false,
    });

    // The killer: SIGKILL at random moments, restart on the same port, until the stream is done.
    const random = seededRandom(20261125);
    let kills = 0;
    let streaming = true;
    const killer = (async () => {
      while (streaming) {
        await new Promise((r) => setTimeout(r, 1500 + random() * 2000));
        if (!streaming) break;
        await gateway!.kill('SIGKILL');
        kills++;
        await new Promise((r) => setTimeout(r, random() * 300));
        gateway = await spawnGateway(gatewayEnv(kills));
      }
    })();

    const open: string[] = [];
    let emitted = 0;
    while (emitted < SIGNALS) {
      for (let i = 0; i < 50 && emitted < SIGNALS; i++) {
        emitted += await randomTrade(master, open, random);
      }
      await master.flush();
      // Make sure the stream outlives at least five kills.
      if (emitted >= SIGNALS && kills < 5) {
        while (kills < 5) {
          const extra = await master.open('EURUSD', 'buy', 0.1);
          open.push((extra.signals[0] as { position: { id: string } }).position.id);
          emitted += extra.signals.length;
          await master.flush();
        }
      }
    }
    streaming = false;
    await killer;
    await master.flush();
    // The last journal row is projected right after its answer: wait for it.
    for (let i = 0; i < 100 && (await db.query('SELECT 1 FROM copy_journal')).rows.length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await db.query('SELECT 1 FROM copy_journal')).rows.length, 0, 'the copy journal is projected');
    // Rows the journal took (PostgreSQL's statistics, reported by each connection within a second).
    let journaled = 0;
    for (let i = 0; i < 40 && journaled === 0; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      journaled = Number((await db.query<{ n: string }>(`SELECT n_tup_ins AS n FROM pg_stat_user_tables WHERE relname = 'copy_journal'`)).rows[0]?.n ?? 0);
    }

    const acks = master.readAcks();
    const { rows: signals } = await db.query<{ id: string; sequence: number }>('SELECT id, sequence FROM signals WHERE account_id = $1', [masterCred.accountId]);
    const bySequence = new Map(signals.map((s) => [Number(s.sequence), s.id]));
    const { rows: [orderCounts] } = await db.query<{ total: number; doubled: number; signals_with_orders: number }>(
      `SELECT count(*)::int AS total,
              (SELECT count(*)::int FROM (SELECT 1 FROM orders WHERE signal_id IS NOT NULL GROUP BY signal_id, subscription_id HAVING count(*) > 1) d) AS doubled,
              count(DISTINCT signal_id)::int AS signals_with_orders
         FROM orders WHERE signal_id IN (SELECT id FROM signals WHERE account_id = $1)`, [masterCred.accountId]);
    const lost = acks.filter((a) => bySequence.get(a.sequence) !== (a.response as { signalId: string }).signalId).length;
    console.log(`durability: ${emitted} signals, ${kills} SIGKILLs, ${acks.length} acknowledged, ${signals.length} stored, ${lost} acknowledged-but-lost, ${orderCounts!.total} orders, ${orderCounts!.doubled} doubled, ${journaled} batches through the copy journal`);

    assert.ok(kills >= 5, `killed ${kills} times`);
    assert.ok(journaled > 0, 'the journaling gateways wrote through the copy journal');
    assert.equal(acks.length, emitted, 'every signal was eventually acknowledged');
    assert.equal(lost, 0, 'no acknowledged signal is missing or different');
    assert.equal(signals.length, emitted, 'each stored exactly once');
    assert.equal(orderCounts!.doubled, 0, 'no doubled order');
    assert.equal(orderCounts!.total, emitted * FOLLOWERS, 'one order per (signal, subscription)');
    assert.equal(orderCounts!.signals_with_orders, emitted);
  });
});
