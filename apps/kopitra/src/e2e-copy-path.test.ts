// End to end over real HTTP: the reference master EA trades on a simulated broker, the gateway
// plans and commits, reference follower EAs long-poll, execute on their own simulated brokers and
// report. Every response of every third master request is cut after the gateway committed it, so
// the master retries with the same idempotency keys throughout.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { EaHttpClient, ReferenceFollower, ReferenceMaster, SimBroker, type SymbolSpec } from '@kopitra/ea-client';
import { buildGatewayApp, DEFAULT_GATEWAY_CONFIG } from '@kopitra/gateway';
import { seedAccount, seedSubscription, testSecretBox, type TestCredential } from '@kopitra/gateway/testing';
import type { FollowerOrder } from '@kopitra/protocol';
import type { Db } from '@kopitra/store';
import { testBackends } from '@kopitra/store/testing';
import { startLossyProxy } from './testing/lossy-proxy';

const SPECS: SymbolSpec[] = [
  { name: 'EURUSD', volumeMin: 0.01, volumeMax: 100, volumeStep: 0.01, contractSize: 100_000, tickSize: 0.00001, tickValue: 1, digits: 5 },
  { name: 'XAUUSD.m', volumeMin: 0.01, volumeMax: 50, volumeStep: 0.01, contractSize: 100, tickSize: 0.01, tickValue: 1, digits: 2 },
  { name: 'GOLD', volumeMin: 0.01, volumeMax: 50, volumeStep: 0.01, contractSize: 100, tickSize: 0.01, tickValue: 1, digits: 2 },
];
const QUOTES = { EURUSD: { bid: 1.08498, ask: 1.085 }, 'XAUUSD.m': { bid: 2650, ask: 2650.3 }, GOLD: { bid: 2650.1, ask: 2650.4 } };

interface FollowerRig {
  name: string;
  cred: TestCredential;
  ea: ReferenceFollower;
  orders: FollowerOrder[];
}

const FOLLOWERS: Array<{ name: string; balance: number; settings: Record<string, unknown> }> = [
  { name: 'ex1 multiplier 0.5', balance: 10_000, settings: { sizing: { mode: 'multiplier', multiplier: 0.5 } } },
  { name: 'ex2 balance_ratio', balance: 2_500, settings: { sizing: { mode: 'balance_ratio' } } },
  { name: 'ex3 fixed 0.10', balance: 10_000, settings: { sizing: { mode: 'fixed', lots: 0.1 } } },
  { name: 'ex4 maxLot 2', balance: 10_000, settings: { sizing: { mode: 'multiplier', multiplier: 1 }, maxLot: 2 } },
  { name: 'ex5 multiplier 0.001', balance: 10_000, settings: { sizing: { mode: 'multiplier', multiplier: 0.001 } } },
  { name: 'ex6 multiplier 0.3', balance: 10_000, settings: { sizing: { mode: 'multiplier', multiplier: 0.3 } } },
  { name: 'ex7 fixed 0.30', balance: 10_000, settings: { sizing: { mode: 'fixed', lots: 0.3 } } },
  { name: 'ex8 reverse', balance: 10_000, settings: { sizing: { mode: 'multiplier', multiplier: 1 }, reverse: true } },
  { name: 'ex9 risk 1%', balance: 10_000, settings: { sizing: { mode: 'risk_percent', percent: 1 } } },
  { name: 'ex10 symbolMap', balance: 10_000, settings: { sizing: { mode: 'multiplier', multiplier: 1 }, symbolMap: { 'XAUUSD.m': 'GOLD' }, symbols: { allow: ['XAUUSD.m'], deny: [] } } },
];

for (const backend of testBackends()) {
  describe(`copy path end to end over HTTP on ${backend.name}`, () => {
    let db: Db;
    let drop: () => Promise<void>;
    let app: FastifyInstance;
    let proxy: Awaited<ReturnType<typeof startLossyProxy>>;
    let dir: string;
    let master: ReferenceMaster;
    let masterCred: TestCredential;
    const rigs: FollowerRig[] = [];
    let signalsSent = 0;
    let gatewayUrl = '';

    const rig = (prefix: string) => rigs.find((r) => r.name.startsWith(prefix))!;
    const ordersFor = (r: FollowerRig, masterPositionId: string) => r.orders.filter((o) => o.masterPositionId === masterPositionId);

    async function step(action: Promise<{ result: { ok: boolean; message: string }; signals: unknown[] }>) {
      const { result, signals } = await action;
      assert.ok(result.ok, result.message);
      signalsSent += signals.length;
      await master.flush();
      for (const r of rigs) {
        const polled = await r.ea.pollOnce({ wait: 0 });
        assert.ok(polled.ok, `${r.name}: ${JSON.stringify(polled.outcome).slice(0, 300)}`);
        r.orders.push(...polled.orders);
      }
      return signals as Array<{ position?: { id: string }; order?: { id: string } }>;
    }

    before(async () => {
      ({ db, drop } = await backend.open());
      app = await buildGatewayApp({ db, secretBox: testSecretBox, config: DEFAULT_GATEWAY_CONFIG });
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      gatewayUrl = url;
      proxy = await startLossyProxy(new URL(url), (n) => n % 3 === 0);
      dir = mkdtempSync(join(tmpdir(), 'kopitra-e2e-'));
      masterCred = await seedAccount(db, 'master');
      const masterBroker = new SimBroker({ mode: 'hedging', balance: 10_000, symbols: SPECS, quotes: QUOTES });
      master = new ReferenceMaster({
        client: new EaHttpClient({ baseUrl: proxy.url, keyId: masterCred.keyId, secret: masterCred.secret, timeoutMs: 5000 }),
        broker: masterBroker, outboxDir: join(dir, 'master'), fsync: false, backoff: { baseMs: 5, maxMs: 50 },
      });
      for (const f of FOLLOWERS) {
        const cred = await seedAccount(db, 'follower', { name: f.name });
        await seedSubscription(db, masterCred.accountId, cred.accountId, f.settings);
        const ea = new ReferenceFollower({
          client: new EaHttpClient({ baseUrl: url, keyId: cred.keyId, secret: cred.secret, timeoutMs: 5000 }),
          broker: new SimBroker({ mode: 'hedging', balance: f.balance, symbols: SPECS, quotes: QUOTES }),
          stateDir: join(dir, cred.accountId), fsync: false, backoff: { baseMs: 5, maxMs: 50 },
        });
        const snap = await ea.snapshot();
        assert.equal(snap.kind === 'response' && snap.status, 202);
        rigs.push({ name: f.name, cred, ea, orders: [] });
      }
      const snap = await master.snapshot();
      assert.equal(snap.kind === 'response' && snap.status, 202, JSON.stringify(snap));
    });

    after(async () => {
      await app.close();
      await proxy.close();
      await drop();
      rmSync(dir, { recursive: true, force: true });
    });

    test('worked examples 1, 3, 5, 8, 9 and partial close (6) on one master position', async () => {
      const [opened] = await step(master.open('EURUSD', 'buy', 1, { sl: 1.08, tp: 1.09 }));
      const p1 = opened!.position!.id;
      const o1 = ordersFor(rig('ex1'), p1);
      assert.deepEqual(o1.map((o) => [o.action, o.side, o.volume, o.symbol]), [['open', 'buy', 0.5, 'EURUSD']]);
      assert.deepEqual(ordersFor(rig('ex3'), p1).map((o) => o.volume), [0.1]);
      assert.deepEqual(ordersFor(rig('ex5'), p1), [], 'example 5: below_min_volume, no order');
      const [rev] = ordersFor(rig('ex8'), p1);
      assert.deepEqual([rev!.side, rev!.sl, rev!.tp], ['sell', 1.09, 1.08], 'example 8: reversed with SL and TP swapped');
      assert.deepEqual(ordersFor(rig('ex9'), p1).map((o) => o.volume), [0.2], 'example 9: risk 1% of 10 000 at 500 ticks');
      assert.deepEqual(ordersFor(rig('ex6'), p1).map((o) => o.volume), [0.3]);
      const { rows } = await db.query<{ decisions: Array<{ followerAccountId: string; outcome: string; reason: string | null }> }>(
        `SELECT decisions FROM audit_runs WHERE account_id = $1 AND trigger->>'type' = 'position.opened' ORDER BY started_at LIMIT 1`, [masterCred.accountId]);
      const ex5 = rows[0]!.decisions.find((d) => d.followerAccountId === rig('ex5').cred.accountId)!;
      assert.deepEqual([ex5.outcome, ex5.reason], ['skipped', 'below_min_volume']);

      await step(master.close(p1, 0.5));
      assert.deepEqual(ordersFor(rig('ex6'), p1).map((o) => [o.action, o.volume]), [['open', 0.3], ['close', 0.15]], 'example 6');
      assert.deepEqual(ordersFor(rig('ex1'), p1).map((o) => [o.action, o.volume]), [['open', 0.5], ['close', 0.25]]);
      for (const o of ordersFor(rig('ex6'), p1).filter((x) => x.action === 'close')) assert.ok(o.followerPositionId, 'the close names the follower position the open reported');

      await step(master.modify(p1, { sl: 1.081, tp: 1.095 }));
      const mod = ordersFor(rig('ex1'), p1).find((o) => o.action === 'modify')!;
      assert.deepEqual([mod.sl, mod.tp], [1.081, 1.095]);
      const modRev = ordersFor(rig('ex8'), p1).find((o) => o.action === 'modify')!;
      assert.deepEqual([modRev.sl, modRev.tp], [1.095, 1.081]);

      await step(master.close(p1));
      assert.deepEqual(ordersFor(rig('ex6'), p1).map((o) => [o.action, o.volume]), [['open', 0.3], ['close', 0.15], ['modify', null], ['close', 0.15]]);
      for (const r of rigs) assert.equal(r.ea.broker.positions().filter((p) => p.symbol === 'EURUSD').length, 0, `${r.name} holds nothing of P1`);
    });

    test('worked examples 2, 4, 7 and 10', async () => {
      const [sell] = await step(master.open('EURUSD', 'sell', 0.3));
      assert.deepEqual(ordersFor(rig('ex2'), sell!.position!.id).map((o) => [o.action, o.side, o.volume]), [['open', 'sell', 0.07]], 'example 2');
      const [big] = await step(master.open('EURUSD', 'buy', 5));
      assert.deepEqual(ordersFor(rig('ex4'), big!.position!.id).map((o) => o.volume), [2], 'example 4');
      const { rows } = await db.query<{ decisions: Array<{ followerAccountId: string; notes: string[] }> }>(
        `SELECT decisions FROM audit_runs WHERE account_id = $1 AND trigger->'signal'->'position'->>'id' = $2`, [masterCred.accountId, big!.position!.id]);
      assert.ok(rows[0]!.decisions.find((d) => d.followerAccountId === rig('ex4').cred.accountId)!.notes.includes('clamped'));
      const [gold] = await step(master.open('XAUUSD.m', 'buy', 1));
      assert.deepEqual(ordersFor(rig('ex10'), gold!.position!.id).map((o) => [o.symbol, o.volume]), [['GOLD', 1]], 'example 10');
      const [p5] = await step(master.open('EURUSD', 'buy', 1));
      assert.deepEqual(ordersFor(rig('ex7'), p5!.position!.id).map((o) => o.volume), [0.3]);
      await step(master.close(p5!.position!.id));
      assert.deepEqual(ordersFor(rig('ex7'), p5!.position!.id).map((o) => [o.action, o.volume]), [['open', 0.3], ['close', 0.3]], 'example 7');
      for (const id of [sell, big, gold].map((s) => s!.position!.id)) await step(master.close(id));
      for (const r of rigs) assert.deepEqual(r.ea.broker.positions(), [], `${r.name} is flat when the master is flat`);
    });

    test('pending orders: place, amend, cancel', async () => {
      const [placed] = await step(master.placePending({ symbol: 'EURUSD', kind: 'buy_limit', volume: 1, price: 1.08 }));
      const id = placed!.order!.id;
      await step(master.amendPending(id, { price: 1.079 }));
      await step(master.cancelPending(id));
      const got = rig('ex1').orders.filter((o) => o.masterOrderId === id);
      assert.deepEqual(got.map((o) => [o.action, o.kind ?? null, o.volume, o.price]), [['place', 'buy_limit', 0.5, 1.08], ['amend', 'buy_limit', null, 1.079], ['cancel', 'buy_limit', null, null]].map(([a, k, v, p]) => [a, k, v, p]));
      assert.deepEqual(rig('ex1').ea.broker.orders(), []);
      assert.equal(got[1]!.openTag, got[0]!.tag, 'amend names the pending copy by its place order tag');
      assert.equal(got[2]!.openTag, got[0]!.tag, 'cancel names the pending copy by its place order tag');
      const rev = rig('ex8').orders.filter((o) => o.masterOrderId === id);
      assert.equal(rev[0]!.kind, 'sell_stop', 'a reversed buy limit is a sell stop at the same price');
    });

    test('a master pending order that fills is linked to the follower\'s pending copy, then closed', async () => {
      const [placed] = await step(master.placePending({ symbol: 'EURUSD', kind: 'buy_limit', volume: 1, price: 1.084 }));
      const id = placed!.order!.id;
      // The market reaches the limit at both brokers.
      for (const r of rigs) r.ea.broker.setQuote('EURUSD', 1.0838, 1.0839);
      const filled = await step(master.setQuote('EURUSD', 1.0838, 1.0839));
      const opened = filled.find((s) => (s as { type?: string }).type === 'position.opened')!;
      assert.equal(opened.position!.id, id, 'MT5: the position id is the pending order ticket');
      assert.deepEqual(ordersFor(rig('ex1'), id).filter((o) => o.action === 'open'), [], 'no second open for a filled pending copy');
      assert.equal(rig('ex1').ea.broker.positions().length, 1, 'the follower pending copy filled at its own broker');
      await step(master.close(id));
      const close = ordersFor(rig('ex1'), id).find((o) => o.action === 'close')!;
      assert.equal(close.volume, 0.5);
      assert.deepEqual(rig('ex1').ea.broker.positions(), [], 'the copy that came from the pending order is closed');
      for (const r of rigs) r.ea.broker.setQuote('EURUSD', QUOTES.EURUSD.bid, QUOTES.EURUSD.ask);
      await step(master.setQuote('EURUSD', QUOTES.EURUSD.bid, QUOTES.EURUSD.ask));
    });

    test('netting master: scale-in (position.increased) copies a second leg; partial and full closes consume the legs oldest first', async () => {
      const m2Cred = await seedAccount(db, 'master');
      const m2 = new ReferenceMaster({
        client: new EaHttpClient({ baseUrl: proxy.url, keyId: m2Cred.keyId, secret: m2Cred.secret, timeoutMs: 5000 }),
        broker: new SimBroker({ mode: 'netting', balance: 10_000, symbols: SPECS, quotes: QUOTES }), outboxDir: join(dir, 'm2'), fsync: false, backoff: { baseMs: 5, maxMs: 50 },
      });
      const fCred = await seedAccount(db, 'follower');
      await seedSubscription(db, m2Cred.accountId, fCred.accountId, { sizing: { mode: 'multiplier', multiplier: 0.5 } });
      const f = new ReferenceFollower({
        client: new EaHttpClient({ baseUrl: gatewayUrl, keyId: fCred.keyId, secret: fCred.secret }),
        broker: new SimBroker({ mode: 'hedging', balance: 10_000, symbols: SPECS, quotes: QUOTES }), stateDir: join(dir, 'nf'), fsync: false,
      });
      await f.snapshot();
      const got: FollowerOrder[] = [];
      const run = async (a: Promise<{ result: { ok: boolean; message: string }; signals: Array<{ type: string; position?: { id: string } }> }>) => {
        const { result, signals } = await a;
        assert.ok(result.ok, result.message);
        await m2.flush();
        got.push(...(await f.pollOnce()).orders);
        return signals;
      };
      const [open] = await run(m2.open('EURUSD', 'buy', 1));
      const id = open!.position!.id;
      const [inc] = await run(m2.increase(id, 0.4));
      assert.equal(inc!.type, 'position.increased');
      await run(m2.close(id, 0.7));
      await run(m2.close(id));
      assert.deepEqual(got.map((o) => [o.action, o.volume]), [['open', 0.5], ['open', 0.2], ['close', 0.35], ['close', 0.15], ['close', 0.2]]);
      assert.deepEqual(f.broker.positions(), [], 'nothing left behind');
    });

    test('retries and repeats created nothing new', async () => {
      assert.ok(proxy.dropped() >= 3, `the proxy cut ${proxy.dropped()} acknowledgements`);
      const s = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM signals WHERE account_id = $1', [masterCred.accountId]);
      assert.equal(s.rows[0]!.n, signalsSent, 'one signal row per signal the master emitted');
      const acks = master.readAcks();
      assert.equal(new Set(acks.map((a) => a.sequence)).size, signalsSent, 'every signal acknowledged once');
      for (const r of rigs) {
        const { rows } = await db.query<{ n: number; open: number }>(
          `SELECT count(*)::int AS n, count(*) FILTER (WHERE status NOT IN ('filled', 'cancelled', 'rejected', 'expired'))::int AS open FROM orders WHERE follower_account_id = $1`, [r.cred.accountId]);
        assert.equal(rows[0]!.n, r.orders.length, `${r.name}: orders in the database = orders delivered`);
        assert.equal(rows[0]!.open, 0, `${r.name}: every order reported`);
        assert.equal(new Set(r.orders.map((o) => o.orderId)).size, r.orders.length, `${r.name}: no order delivered twice`);
      }
      const again = await rigs[0]!.ea.pollOnce({ wait: 0 });
      assert.deepEqual(again.orders, []);
    });
  });
}
