// The benchmark's smoke run: correctness only (no timing assertions) — every phase ran, nothing
// failed, every signal sent in the latency phase reached its long-polling follower.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

test('npm run bench -- --quick completes every phase without a failure', { timeout: 180_000 }, async () => {
  const cli = new URL('./cli.ts', import.meta.url).pathname;
  const env = { ...process.env, KOPITRA_BENCH_DATABASE_URL: process.env.KOPITRA_TEST_DATABASE_URL ?? '', LOG_LEVEL: 'silent' };
  if (!env.KOPITRA_BENCH_DATABASE_URL) delete (env as Record<string, string | undefined>).KOPITRA_BENCH_DATABASE_URL;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', cli, 'bench', '--quick'], { env, timeout: 170_000 });
  const line = stdout.split('\n').find((l) => l.startsWith('{"bench"'));
  assert.ok(line, stdout);
  const r = JSON.parse(line) as { gatewayPerSecond: number; echoPerSecond: number; durableFloorPerSecond: number | null; floorSamples: number | null; floorLost: number | null; floorFanOutAllDelivered: number[] | null; latencyBackground: { checkpoints: number | null; expiredOrders: number } | null; gatewayStorage: { walBytes: number; tableBytes: number } | null; durableFloorStorage: { walBytes: number; tableBytes: number } | null; floorLatencyBackground: { expiredOrders: number } | null; failed: number; samples: number; lost: number; fanOutAllDeliveredP99Ms: number; fanOutFirstAllDeliveredMs: number; latencyCpu: { perUnitMs: Record<string, number>; machineBusy: number } | null; echoCpu: { perUnitMs: Record<string, number> } | null; gatewayCpu: { perUnitMs: Record<string, number> } | null; latencyWarmupP50Ms: number; startupHealthyMs: number; startupLauncherMs: number | null; idleRssMb: Record<string, number> };
  assert.ok(r.echoPerSecond > 0 && r.gatewayPerSecond > 0);
  assert.equal(r.failed, 0);
  // The durable floor runs where there is a PostgreSQL server to write to (the process exits 1 if it failed).
  if (env.KOPITRA_BENCH_DATABASE_URL) {
    assert.ok(r.durableFloorPerSecond! > 0, 'the durable floor is measured');
    assert.ok(r.floorSamples! > 0, 'signals went through the durable floor to their followers');
    assert.equal(r.floorLost, 0);
    assert.equal(r.floorFanOutAllDelivered?.length, 2, 'both fan-outs through the floor reached every follower');
    // PostgreSQL's background work beside each latency phase is reported (checkpoints, expiries).
    for (const w of [r.latencyBackground, r.floorLatencyBackground]) assert.ok(w && w.expiredOrders >= 0, JSON.stringify(w));
    assert.ok(r.latencyBackground!.checkpoints !== null && r.latencyBackground!.checkpoints >= 0, JSON.stringify(r.latencyBackground));
    // What each durable request made PostgreSQL write. (The WAL is the whole server's: beside other
    // tests writing to it, no comparison of the two holds.)
    for (const s of [r.gatewayStorage, r.durableFloorStorage]) assert.ok(s && s.walBytes > 0 && s.tableBytes > 0, JSON.stringify(s));
  } else assert.deepEqual([r.durableFloorPerSecond, r.floorSamples, r.floorFanOutAllDelivered, r.latencyBackground, r.floorLatencyBackground, r.gatewayStorage, r.durableFloorStorage], [null, null, null, null, null, null, null]);
  assert.ok(r.samples > 0);
  assert.equal(r.lost, 0);
  assert.ok(Number.isFinite(r.fanOutAllDeliveredP99Ms));
  if (existsSync('/proc/stat')) {
    assert.ok(r.latencyCpu, 'the CPU per signal of the latency phase is reported');
    assert.ok(r.latencyCpu.perUnitMs.server! > 0 && r.latencyCpu.perUnitMs.loadGenerator! > 0, JSON.stringify(r.latencyCpu));
    assert.ok(r.latencyCpu.machineBusy > 0 && r.latencyCpu.machineBusy <= 1, JSON.stringify(r.latencyCpu));
    for (const phase of [r.echoCpu, r.gatewayCpu]) assert.ok(phase && phase.perUnitMs.server! > 0 && phase.perUnitMs.loadGenerator! > 0, JSON.stringify(phase));
  }
  assert.ok(Number.isFinite(r.fanOutFirstAllDeliveredMs), 'the first fan-out is timed and reported too');
  assert.ok(Number.isFinite(r.latencyWarmupP50Ms), 'the latency phase\u2019s warm-up is timed and reported too');
  assert.ok(Number.isFinite(r.startupHealthyMs), 'npm start became healthy');
  assert.ok(r.startupLauncherMs !== null && r.startupLauncherMs > 0 && r.startupLauncherMs < r.startupHealthyMs, `the launcher's own start is part of it: ${r.startupLauncherMs} of ${r.startupHealthyMs} ms`);
  assert.ok(r.idleRssMb.launcher! > 0 && r.idleRssMb.azurite! > 0, JSON.stringify(r.idleRssMb));
});
