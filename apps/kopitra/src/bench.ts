import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { TEST_SECRET_KEY, seedAccount, seedSubscription, spawnGateway, type TestCredential } from '@kopitra/gateway/testing';
import { openDb, type Db } from '@kopitra/store';
import { createFreshDatabase } from '@kopitra/store/testing';
import type { PlatformConfig } from './config';
import { SignedHttp, signalBody, type Target } from './bench/load';
import { ParallelLoad } from './bench/parallel-load';
import { bySecond, fmt, percentile } from './bench/stats';
import { measureStartup } from './bench/startup';
import { cpuSnapshot, cpuUse, type CpuUse } from './bench/cpu';
import { backgroundSince, backgroundSnapshot, describeBackground, type BackgroundWork } from './bench/background-work';
import { storagePerUnit, storageSnapshot, type StoragePerUnit } from './bench/storage-per-signal';

const SYMBOLS = [{ name: 'EURUSD', volumeMin: 0.01, volumeMax: 100, volumeStep: 0.01, contractSize: 100000, tickSize: 0.00001, tickValue: 1, digits: 5 }];

interface Pair { master: TestCredential; follower: TestCredential }
type Tput = Awaited<ReturnType<ParallelLoad['throughput']>> & { cpu: CpuUse | null; storage: StoragePerUnit | null };

/**
 * A throughput run with the CPU each answered request cost the server, PostgreSQL and the
 * generator; with `db` (the server's database), also the WAL and table growth per request.
 */
async function measuredThroughput(serverPid: number, run: () => ReturnType<ParallelLoad['throughput']>, db?: Db): Promise<Tput> {
  const stored = db ? await storageSnapshot(db) : null;
  const from = cpuSnapshot(serverPid);
  const result = await run();
  const cpu = cpuUse(from, cpuSnapshot(serverPid), result.ok);
  return { ...result, cpu, storage: db && stored ? storagePerUnit(stored, await storageSnapshot(db), result.ok) : null };
}

/** `; WAL 4427 B and tables +3912 B per signal` (nothing without the figures). */
function describeStorage(s: StoragePerUnit | null, unit: string): string {
  return s ? `; WAL ${fmt(s.walBytes, 0)} B and tables +${fmt(s.tableBytes, 0)} B per ${unit}` : '';
}

export async function seedPairs(db: Db, n: number): Promise<Pair[]> {
  const pairs: Pair[] = [];
  for (let i = 0; i < n; i++) {
    const master = await seedAccount(db, 'master');
    const follower = await seedAccount(db, 'follower');
    await seedSubscription(db, master.accountId, follower.accountId);
    await db.query(`INSERT INTO account_state (account_id, balance, equity, symbols, positions) VALUES ($1, 10000, 10000, $2, '[]')`, [follower.accountId, JSON.stringify(SYMBOLS)]);
    pairs.push({ master, follower });
  }
  return pairs;
}

/**
 * The gateway's bundle in the image's layout (dist/ beside migrations/), built afresh in the
 * checkout's .tmp/ — inside the checkout, so that what the bundle leaves external (PGlite, for the
 * embedded backend) resolves from its node_modules. A child process: the build script finds the
 * sources from its own location, which a bundle of this file would not keep.
 */
function gatewayBundle(): string {
  const root = new URL('../../../', import.meta.url).pathname;
  const dir = join(root, '.tmp', 'bench-image');
  rmSync(dir, { recursive: true, force: true });
  const out = execFileSync(process.execPath, [join(root, 'infra/build/bundle-services.mjs'), '--layout', dir, 'gateway'], { encoding: 'utf8' });
  return (JSON.parse(out.trim().split('\n').at(-1)!) as { gateway: string }).gateway;
}

/** A baseline server of ./bench (`echo-server.ts`, `durable-floor-server.ts`), once it listens. */
function spawnBaseline(script: string, secret: string, env: Record<string, string | undefined>): Promise<{ url: string; pid: number; kill(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL(`./bench/${script}`, import.meta.url).pathname], {
    env: { ...env, KOPITRA_BENCH_SECRET: secret }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const msg = JSON.parse(line) as { url: string };
      resolve({ url: msg.url, pid: child.pid!, kill: () => child.kill('SIGTERM') });
    });
  });
}

/**
 * Master POST → follower long-poll return, at `rate` signals/s spread over the pairs; with the
 * gateway's pid, also the CPU each signal cost (its POST, the long-poll answer, the follower's
 * execution report and next long-poll) by process, and how busy the machine was meanwhile.
 */
export async function latency(h: SignedHttp, url: string, pairs: Pair[], rate: number, seconds: number, gatewayPid?: number): Promise<{ samples: number[]; perSecond: ReturnType<typeof bySecond>; lost: number; cpu: CpuUse | null }> {
  // Each sample with when its signal was sent (ms from the phase's start), for the phase by second.
  const timed: Array<{ at: number; ms: number }> = [];
  const sentAt = new Map<string, number>();
  let startedAt = Infinity;
  let running = true;
  const followers = pairs.map(async ({ follower }) => {
    const t: Target = { url, keyId: follower.keyId, secret: follower.secret };
    let n = 0;
    while (running) {
      const r = await h.send(t, 'GET', '/trade-agent/v1/orders?wait=2&limit=100', '', '');
      const now = performance.now();
      const orders = (JSON.parse(r.body) as { orders?: Array<{ orderId: string; masterPositionId: string }> }).orders ?? [];
      for (const o of orders) {
        const s = sentAt.get(o.masterPositionId);
        if (s !== undefined) {
          timed.push({ at: s - startedAt, ms: now - s });
          sentAt.delete(o.masterPositionId);
        }
      }
      // Report them so they stop being pending (as a follower EA would).
      await Promise.all(orders.map((o) => h.send(t, 'POST', '/trade-agent/v1/executions',
        JSON.stringify({ orderId: o.orderId, status: 'filled', executedAt: new Date().toISOString(), volume: 1, price: 1.085, followerPositionId: `F${++n}` }), `ex-${o.orderId}`)));
    }
  });
  await new Promise((r) => setTimeout(r, 300));
  const cpuFrom = gatewayPid === undefined ? null : cpuSnapshot(gatewayPid);
  let sent = 0;
  const perMasterIntervalMs = (1000 * pairs.length) / rate;
  startedAt = performance.now();
  const deadline = startedAt + seconds * 1000;
  await Promise.all(pairs.map(async ({ master }, i) => {
    const t: Target = { url, keyId: master.keyId, secret: master.secret };
    let sequence = 0;
    let next = performance.now() + (i * perMasterIntervalMs) / pairs.length;
    while (performance.now() < deadline) {
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      next += perMasterIntervalMs;
      sequence++;
      const body = signalBody(sequence);
      const id = (JSON.parse(body) as { position: { id: string } }).position.id;
      sentAt.set(id, performance.now());
      await h.send(t, 'POST', '/trade-agent/v1/signals', body, `lat-${i}-${sequence}`);
      sent++;
    }
  }));
  // Until the last signals were delivered and reported (the followers then only wait).
  await new Promise((r) => setTimeout(r, 500));
  const cpu = cpuUse(cpuFrom, gatewayPid === undefined ? null : cpuSnapshot(gatewayPid), sent);
  await new Promise((r) => setTimeout(r, 2000));
  running = false;
  await Promise.all(followers);
  return { samples: timed.map((t) => t.ms), perSecond: bySecond(timed), lost: sentAt.size, cpu };
}

/** The gateway's signal batches committed so far (its /metrics): as one statement, in a transaction. */
async function signalCommits(url: string): Promise<{ statement: number; transaction: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (path: string) => Number(new RegExp(`^kopitra_copy_commits_total\\{kind="signals",path="${path}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { statement: read('statement'), transaction: read('transaction') };
}

function commitsSince(from: { statement: number; transaction: number }, to: { statement: number; transaction: number }): { statement: number; transaction: number } {
  return { statement: to.statement - from.statement, transaction: to.transaction - from.transaction };
}

function describeCommits(c: { statement: number; transaction: number }): string {
  return `signal batches: ${c.statement} as one statement, ${c.transaction} in a transaction`;
}

/**
 * Until the gateway holds `n` waiting long-polls (its `kopitra_long_polls_waiting` gauge): a
 * follower whose long-poll has not reached the gateway yet is not a long-polling follower, and a
 * fixed pause let a few of a thousand arrive after the signal (measured: up to 230 of 1,000).
 */
async function untilWaiting(url: string, n: number, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const text = await (await fetch(`${url}/metrics`)).text();
    const m = /^kopitra_long_polls_waiting (\d+)/m.exec(text);
    if (m && Number(m[1]) >= n) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`fewer than ${n} long-polls waiting after ${timeoutMs} ms`);
}

/**
 * One master, `n` followers each long-polling on its own keep-alive socket. For each signal: the
 * time from the master's POST until each follower's long-poll returned the order. The first
 * `warmup` signals are the gateway's first fan-outs since it started (its code for a thousand
 * orders not yet compiled, PostgreSQL's plans for them not yet made): timed, reported apart.
 * `afterSequence`: the master's last sequence before these (a master fanning out again).
 */
export async function fanOut(h: SignedHttp, url: string, master: TestCredential, followers: TestCredential[], signals: number, warmup = 0, afterSequence = 0): Promise<{ allDelivered: number[]; perFollower: number[]; answered: number[]; warmupAllDelivered: number[] }> {
  const rounds: Array<{ answered: number; times: number[] }> = [];
  const m: Target = { url, keyId: master.keyId, secret: master.secret };
  for (let s = 1; s <= warmup + signals; s++) {
    const received: Array<{ t: Target; at: number; orders: Array<{ orderId: string; volume: number }> }> = [];
    const receipts = followers.map(async (f) => {
      const t: Target = { url, keyId: f.keyId, secret: f.secret };
      for (;;) {
        const r = await h.send(t, 'GET', '/trade-agent/v1/orders?wait=10&limit=10', '', '');
        const at = performance.now();
        const orders = (JSON.parse(r.body) as { orders?: Array<{ orderId: string; volume: number }> }).orders ?? [];
        if (orders.length === 0) continue;
        received.push({ t, at, orders });
        return at;
      }
    });
    await untilWaiting(url, followers.length);
    const sentAt = performance.now();
    const posted = await h.send(m, 'POST', '/trade-agent/v1/signals', signalBody(afterSequence + s), `fan-${afterSequence + s}`);
    rounds.push({ answered: posted.ms, times: (await Promise.all(receipts)).map((at) => at - sentAt) });
    // Only now do the followers report, so the reports do not compete with the deliveries measured.
    for (let i = 0; i < received.length; i += 100) {
      await Promise.all(received.slice(i, i + 100).flatMap(({ t, orders }) => orders.map((o) => h.send(t, 'POST', '/trade-agent/v1/executions',
        JSON.stringify({ orderId: o.orderId, status: 'filled', executedAt: new Date().toISOString(), volume: o.volume, price: 1.085, followerPositionId: `F-${o.orderId}` }), `ex-${o.orderId}`))));
    }
  }
  const measured = rounds.slice(warmup);
  return {
    allDelivered: measured.map((r) => Math.max(...r.times)),
    perFollower: measured.flatMap((r) => r.times),
    answered: measured.map((r) => r.answered),
    warmupAllDelivered: rounds.slice(0, warmup).map((r) => Math.max(...r.times)),
  };
}

/** Each second of a latency phase, `1: 2.72 / 58.5, 2: …`: which seconds hold the phase's p99. */
function describeSeconds(seconds: ReturnType<typeof bySecond>): string {
  return seconds.map((x, i) => `${i + 1}: ${fmt(x.p50, 2)} / ${fmt(x.p99, 1)}`).join(', ');
}

export async function runBench(config: PlatformConfig, args: string[]): Promise<void> {
  const quick = args.includes('--quick');
  const seconds = quick ? 1 : 8;
  // Closed loop: each master waits for its answer, so a level caps throughput at level ÷ latency.
  // Two levels, echo and gateway each at both; each side's best is its capacity.
  const levels = quick ? [4] : [32, 128];
  const baseUrl = config.env.KOPITRA_BENCH_DATABASE_URL ?? config.databaseUrl;
  let dbEnv: Record<string, string>;
  let cleanup: () => Promise<void>;
  let seedDb: Db;
  if (baseUrl) {
    const fresh = await createFreshDatabase(baseUrl);
    seedDb = await openDb({ databaseUrl: fresh.url });
    dbEnv = { DATABASE_URL: fresh.url };
    cleanup = async () => { await seedDb.close().catch(() => {}); await fresh.drop(); };
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'kopitra-bench-'));
    seedDb = await openDb({ dataDir: dir });
    dbEnv = { KOPITRA_DATA_DIR: dir };
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  }
  const backend = baseUrl ? 'PostgreSQL' : 'PGlite (embedded)';
  console.log(`kopitra bench — ${cpus().length} cores, ${backend}, ${seconds} s per phase, throughput at ${levels.join(' and ')} concurrent masters${quick ? ' (quick)' : ''}`);
  // First, while the machine is idle: `npm start` on the embedded defaults, fresh data directory.
  const { DATABASE_URL: _ignored, ...startEnv } = config.env;
  const startup = await measureStartup(startEnv, quick ? 500 : 3000);
  // Fresh masters for each level (their sequences start at 1).
  const tputPairs: Pair[][] = [];
  for (const n of levels) tputPairs.push(await seedPairs(seedDb, n));
  const latPairs = await seedPairs(seedDb, quick ? 2 : 10);
  const latWarmPairs = await seedPairs(seedDb, latPairs.length);
  const fanFollowers = quick ? 20 : 1000;
  const fanMaster = await seedAccount(seedDb, 'master');
  const fans: TestCredential[] = [];
  for (let i = 0; i < fanFollowers; i++) {
    const f = await seedAccount(seedDb, 'follower');
    await seedSubscription(seedDb, fanMaster.accountId, f.accountId);
    fans.push(f);
  }
  if (!baseUrl) await seedDb.close(); // PGlite: one process at a time on the data dir

  // The gateway as its image runs it: the esbuild bundle, plain node, the deployed flags.
  const gateway = await spawnGateway({ ...dbEnv, KOPITRA_SECRET_KEY: TEST_SECRET_KEY, KOPITRA_EA_RATE_LIMIT_RPS: '100000', KOPITRA_EA_RATE_LIMIT_BURST: '100000' }, 20_000, [], gatewayBundle());
  const echoSecret = 'bench-echo-secret-0123456789abcdefghijklmnopqrstuv';
  const echo = await spawnBaseline('echo-server.ts', echoSecret, config.env);
  // The durable floor needs a PostgreSQL server of its own to write to (not PGlite's one process).
  const durable = baseUrl ? await spawnBaseline('durable-floor-server.ts', echoSecret, { ...config.env, ...dbEnv }) : null;
  const h = new SignedHttp(Math.max(Math.max(...levels) + 64, fanFollowers * 2 + 16));
  let generator: ParallelLoad | undefined;
  try {
    // The throughput phases' generator: a thread per core, so that it is not the echo's ceiling.
    generator = await ParallelLoad.start();
    const load = generator;
    const threads = load.threads;
    // Warm both up (JIT, connection pools).
    await load.throughput(Array.from({ length: threads }, () => ({ url: echo.url, keyId: 'echo', secret: echoSecret })), '/trade-agent/v1/signals', 0.5);
    if (durable) await load.throughput(Array.from({ length: threads }, (_, j) => ({ url: durable.url, keyId: `durable-warm-${j}`, secret: echoSecret })), '/trade-agent/v1/signals', 0.5);
    const echoRuns: Tput[] = [];
    const durableRuns: Tput[] = [];
    const gwRuns: Tput[] = [];
    // The durable runs' WAL and table growth: on a PostgreSQL server of their own (PGlite's one process is the gateway's).
    const storageDb = baseUrl ? seedDb : undefined;
    const tputCommitsFrom = await signalCommits(gateway.url);
    for (const [i, n] of levels.entries()) {
      echoRuns.push(await measuredThroughput(echo.pid, () => load.throughput(Array.from({ length: n }, () => ({ url: echo.url, keyId: 'echo', secret: echoSecret })), '/trade-agent/v1/signals', seconds)));
      // Each target its own key id, as each master is: their idempotency keys do not collide.
      if (durable) durableRuns.push(await measuredThroughput(durable.pid, () => load.throughput(Array.from({ length: n }, (_, j) => ({ url: durable.url, keyId: `durable-${n}-${j}`, secret: echoSecret })), '/trade-agent/v1/signals', seconds), storageDb));
      gwRuns.push(await measuredThroughput(gateway.child.pid!, () => load.throughput(tputPairs[i]!.map((p) => ({ url: gateway.url, keyId: p.master.keyId, secret: p.master.secret })), '/trade-agent/v1/signals', seconds), storageDb));
    }
    const tputCommits = commitsSince(tputCommitsFrom, await signalCommits(gateway.url));
    // Its threads end here: the later phases measure this process's CPU as the generator's.
    await load.close();
    const best = (runs: Tput[]) => runs.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
    const base = best(echoRuns);
    const gw = { ...best(gwRuns), failed: gwRuns.reduce((a, r) => a + r.failed, 0) };
    const floor = durableRuns.length > 0 ? best(durableRuns) : null;
    const atLevels = (runs: Tput[], unit: string) => `${fmt(best(runs).perSecond, 0)} ${unit} (${runs.map((r, i) => `${fmt(r.perSecond, 0)} at ${levels[i]}`).join(', ')})`;
    const rate = quick ? 50 : 500;
    // What PostgreSQL did besides each latency phase (checkpoints, the expiry of the throughput
    // phases' unanswered orders): only on a server of its own (PGlite's one process is the gateway's).
    const meanwhile = async <T>(phase: () => Promise<T>): Promise<{ result: T; background: BackgroundWork | null }> => {
      const from = baseUrl ? await backgroundSnapshot(seedDb) : null;
      const result = await phase();
      return { result, background: from ? backgroundSince(from, await backgroundSnapshot(seedDb)) : null };
    };
    // The follower's paths (long-poll answers, execution reports) run first here — the throughput
    // phases have no followers — and are compiled in their first seconds (p50 6–18 ms there, then
    // 2–3 ms; docs/performance.md session 19): a warm-up at the same rate on other masters first,
    // reported, as the fan-out's are. The same for the durable floor.
    const warmSeconds = quick ? 1 : 3;
    const latWarm = await latency(h, gateway.url, latWarmPairs, rate, warmSeconds);
    const latCommitsFrom = await signalCommits(gateway.url);
    const { result: lat, background: latBackground } = await meanwhile(() => latency(h, gateway.url, latPairs, rate, seconds, gateway.child.pid));
    const latCommits = commitsSince(latCommitsFrom, await signalCommits(gateway.url));
    // The same phase through the durable floor: its masters `floor-m-<n>`, each with the follower `floor-f-<n>`.
    const floorPairsOf = (tag: string) => latPairs.map((_, i): Pair => ({
      master: { accountId: '', keyId: `floor${tag}-m-${i}`, secret: echoSecret }, follower: { accountId: '', keyId: `floor${tag}-f-${i}`, secret: echoSecret },
    }));
    const floorWarm = durable ? await latency(h, durable.url, floorPairsOf('-warm'), rate, warmSeconds) : null;
    const { result: floorLat, background: floorLatBackground } = durable
      ? await meanwhile(() => latency(h, durable.url, floorPairsOf(''), rate, seconds, durable.pid))
      : { result: null, background: null };
    const p50p99 = (w: { samples: number[] }) => `p50 ${fmt(percentile(w.samples, 50), 2)} ms, p99 ${fmt(percentile(w.samples, 99), 2)} ms`;
    // Three warm-up fan-outs, each reported: the gateway's and the generator's CPU per fan-out falls
    // over the first three after start (JIT, first 1,000-socket rounds; measured 230 / 160 / 100 →
    // 50–130 ms of gateway CPU, 133 / 132 → 31–50 ms of the generator's, docs/performance.md
    // session 8). With one, the p99 of ten was the second fan-out since start, not the steady state.
    const fanWarmup = quick ? 1 : 3;
    const { result: fan, background: fanBackground } = await meanwhile(() => fanOut(h, gateway.url, fanMaster, fans, quick ? 2 : 10, fanWarmup));
    // The same through the durable floor: its master `floor-fan-<n>` has the followers `floor-ff-<i>`.
    const floorFan = durable
      ? await fanOut(h, durable.url, { accountId: '', keyId: `floor-fan-${fanFollowers}`, secret: echoSecret },
        Array.from({ length: fanFollowers }, (_, i) => ({ accountId: '', keyId: `floor-ff-${i}`, secret: echoSecret })), quick ? 2 : 10, fanWarmup)
      : null;
    const p50 = percentile(lat.samples, 50);
    const p99 = percentile(lat.samples, 99);
    const rows = [
      ['bare node:http echo (HMAC verify + JSON parse): the baseline', atLevels(echoRuns, 'req/s')],
      ...(base.cpu ? [['  CPU per request at its best level', `echo server ${fmt(base.cpu.perUnitMs.server * 1000, 0)} µs, load generator ${fmt(base.cpu.perUnitMs.loadGenerator * 1000, 0)} µs on ${threads} threads (≈ ${fmt(1000 / base.cpu.perUnitMs.loadGenerator, 0)} req/s per core); machine ${fmt(base.cpu.machineBusy * 100, 0)} % busy`]] : []),
      ...(floor ? [
        ['durable floor: the echo + each request committed to PostgreSQL (group commit)', `${atLevels(durableRuns, 'req/s')}, ${durableRuns.reduce((a, r) => a + r.failed, 0)} failed; ÷ echo ${fmt(floor.perSecond / base.perSecond, 3)}`],
        ...(floor.cpu ? [['  CPU per request at its best level', `server ${fmt(floor.cpu.perUnitMs.server * 1000, 0)} µs, PostgreSQL ${fmt(floor.cpu.perUnitMs.postgres * 1000, 0)} µs, load generator ${fmt(floor.cpu.perUnitMs.loadGenerator * 1000, 0)} µs; machine ${fmt(floor.cpu.machineBusy * 100, 0)} % busy${describeStorage(floor.storage, 'request')}`]] : []),
      ] : []),
      ['durable signals through the gateway', `${atLevels(gwRuns, 'signals/s')}, ${gw.failed} failed; ${describeCommits(tputCommits)}`],
      ...(gw.cpu ? [['  CPU per signal at its best level', `gateway ${fmt(gw.cpu.perUnitMs.server * 1000, 0)} µs, PostgreSQL ${fmt(gw.cpu.perUnitMs.postgres * 1000, 0)} µs, load generator ${fmt(gw.cpu.perUnitMs.loadGenerator * 1000, 0)} µs; machine ${fmt(gw.cpu.machineBusy * 100, 0)} % busy${describeStorage(gw.storage, 'signal')}`]] : []),
      ['ratio gateway ÷ echo', `${fmt(gw.perSecond / base.perSecond, 3)}   (goal ≥ 0.5)${floor ? `; gateway ÷ durable floor ${fmt(gw.perSecond / floor.perSecond, 3)}` : ''}`],
      [`master POST → follower long-poll (${rate}/s over ${latPairs.length} masters)`, `p50 ${fmt(p50, 2)} ms, p99 ${fmt(p99, 2)} ms   (goal p50 ≤ 2, p99 ≤ 5; ${lat.samples.length} samples, ${lat.lost} not seen; ${describeCommits(latCommits)})${latBackground ? `; ${describeBackground(latBackground)}` : ''}`],
      [`  by second (p50 / p99 ms)`, describeSeconds(lat.perSecond)],
      [`  its warm-up before it (${warmSeconds} s at ${rate}/s, other masters)`, `${p50p99(latWarm)}${floorWarm ? `; the durable floor's ${p50p99(floorWarm)}` : ''}`],
      ...(floorLat ? [[`  the same through the durable floor`, `p50 ${fmt(percentile(floorLat.samples, 50), 2)} ms, p99 ${fmt(percentile(floorLat.samples, 99), 2)} ms (${floorLat.samples.length} samples, ${floorLat.lost} not seen)${floorLat.cpu ? `; CPU per signal: server ${fmt(floorLat.cpu.perUnitMs.server * 1000, 0)} µs, PostgreSQL ${fmt(floorLat.cpu.perUnitMs.postgres * 1000, 0)} µs, load generator ${fmt(floorLat.cpu.perUnitMs.loadGenerator * 1000, 0)} µs; machine ${fmt(floorLat.cpu.machineBusy * 100, 0)} % busy` : ''}${floorLatBackground ? `; ${describeBackground(floorLatBackground)}` : ''}`]] : []),
      ...(floorLat ? [[`  the durable floor by second`, describeSeconds(floorLat.perSecond)]] : []),
      ...(lat.cpu ? [[`  CPU per signal at ${rate}/s (POST, delivery, execution report, next long-poll)`, `gateway ${fmt(lat.cpu.perUnitMs.server * 1000, 0)} µs, PostgreSQL ${fmt(lat.cpu.perUnitMs.postgres * 1000, 0)} µs, load generator ${fmt(lat.cpu.perUnitMs.loadGenerator * 1000, 0)} µs; machine ${fmt(lat.cpu.machineBusy * 100, 0)} % busy (${lat.cpu.cores} cores)`]] : []),
      [`one signal → ${fanFollowers} long-polling followers`, `all delivered p99 ${fmt(percentile(fan.allDelivered, 99), 1)} ms   (goal ≤ 50; ${fan.allDelivered.length} signals after ${fanWarmup} warm-up; answered p50 ${fmt(percentile(fan.answered, 50), 1)} ms, all delivered p50 ${fmt(percentile(fan.allDelivered, 50), 1)} ms, per follower p99 ${fmt(percentile(fan.perFollower, 99), 1)} ms; the first fan-outs since start, all delivered: ${fan.warmupAllDelivered.map((x) => fmt(x, 1)).join(' / ')} ms)${fanBackground ? `; ${describeBackground(fanBackground)}` : ''}`],
      ...(floorFan ? [[`  the same through the durable floor`, `all delivered p99 ${fmt(percentile(floorFan.allDelivered, 99), 1)} ms (answered p50 ${fmt(percentile(floorFan.answered, 50), 1)} ms, all delivered p50 ${fmt(percentile(floorFan.allDelivered, 50), 1)} ms; warm-ups ${floorFan.warmupAllDelivered.map((x) => fmt(x, 1)).join(' / ')} ms)`]] : []),
      ['npm start (embedded, fresh data directory) to healthy', `${fmt(startup.healthyMs / 1000, 2)} s   (goal ≤ 5 s)${startup.launcherMs === null ? '' : `; the launcher's own start ${fmt(startup.launcherMs / 1000, 2)} s, before it npm, node and the launcher's loading ${fmt((startup.healthyMs - startup.launcherMs) / 1000, 2)} s`}${startup.rebuiltBundle ? '; the launcher\'s bundle was stale and rebuilt first' : ''}`],
      ['idle RSS after start', Object.entries(startup.rssMb).map(([k, v]) => `${k} ${v} MB`).join(', ') + '   (reported)'],
    ];
    const width = Math.max(...rows.map((r) => r[0]!.length));
    for (const [k, v] of rows) console.log(`  ${k!.padEnd(width)}  ${v}`);
    console.log(JSON.stringify({ bench: 'copy-path', cores: cpus().length, backend, levels, generatorThreads: threads, echoPerSecond: base.perSecond, durableFloorPerSecond: floor?.perSecond ?? null, durableFloorCpu: floor?.cpu ?? null, durableFloorStorage: floor?.storage ?? null, durableFloorAtLevels: durableRuns.map((r) => r.perSecond), gatewayPerSecond: gw.perSecond, echoCpu: base.cpu, gatewayCpu: gw.cpu, gatewayStorage: gw.storage, echoAtLevels: echoRuns.map((r) => r.perSecond), gatewayAtLevels: gwRuns.map((r) => r.perSecond), ratio: gw.perSecond / base.perSecond, latencyP50Ms: p50, latencyP99Ms: p99, throughputSignalCommits: tputCommits, latencySignalCommits: latCommits, samples: lat.samples.length, lost: lat.lost, latencyCpu: lat.cpu, latencyBySecond: lat.perSecond, latencyWarmupP50Ms: percentile(latWarm.samples, 50), latencyWarmupP99Ms: percentile(latWarm.samples, 99), floorLatencyWarmupP50Ms: floorWarm ? percentile(floorWarm.samples, 50) : null, floorLatencyWarmupP99Ms: floorWarm ? percentile(floorWarm.samples, 99) : null, latencyWarmupSeconds: warmSeconds, floorLatencyBySecond: floorLat?.perSecond ?? null, floorLatencyP50Ms: floorLat ? percentile(floorLat.samples, 50) : null, floorLatencyP99Ms: floorLat ? percentile(floorLat.samples, 99) : null, floorSamples: floorLat?.samples.length ?? null, floorLost: floorLat?.lost ?? null, floorLatencyCpu: floorLat?.cpu ?? null, latencyBackground: latBackground, floorLatencyBackground: floorLatBackground, failed: gw.failed, fanOutFollowers: fanFollowers, fanOutAllDeliveredP99Ms: percentile(fan.allDelivered, 99), fanOutPerFollowerP99Ms: percentile(fan.perFollower, 99), fanOutFirstAllDeliveredMs: fan.warmupAllDelivered[0], fanOutWarmupAllDeliveredMs: fan.warmupAllDelivered, fanOutAllDelivered: fan.allDelivered, fanOutAnswered: fan.answered, fanOutBackground: fanBackground, floorFanOutAllDeliveredP99Ms: floorFan ? percentile(floorFan.allDelivered, 99) : null, floorFanOutAllDelivered: floorFan?.allDelivered ?? null, startupHealthyMs: startup.healthyMs, startupLauncherMs: startup.launcherMs, startupRebuiltBundle: startup.rebuiltBundle, idleRssMb: startup.rssMb }));
    if (gwRuns.some((r) => r.ok === 0) || durableRuns.some((r) => r.ok === 0) || lat.samples.length === 0 || floorLat?.samples.length === 0) process.exitCode = 1;
  } finally {
    await generator?.close();
    h.close();
    echo.kill();
    durable?.kill();
    await gateway.kill('SIGTERM');
    if (baseUrl) await seedDb.close().catch(() => {});
    await cleanup();
  }
}
