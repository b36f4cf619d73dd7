import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cpuSnapshot, cpuUse, type CpuSnapshot } from './cpu';

const snap = (server: number, postgres: number, loadGenerator: number, busy: number, total: number): CpuSnapshot =>
  ({ atMs: 0, seconds: { server, postgres, loadGenerator }, machine: { busy, total } });

test('CPU per unit of work, by process group, and the machine busy share between two snapshots', () => {
  const use = cpuUse(snap(10, 20, 1, 1_000, 4_000), snap(10.5, 20.25, 1.1, 1_600, 5_000), 500);
  assert.ok(use);
  assert.equal(use.perUnitMs.server, 1); // 0.5 s over 500 signals
  assert.equal(use.perUnitMs.postgres, 0.5);
  assert.ok(Math.abs(use.perUnitMs.loadGenerator - 0.2) < 1e-9);
  assert.equal(use.machineBusy, 0.6);
  assert.equal(cpuUse(null, snap(1, 1, 1, 1, 1), 10), null);
  assert.equal(cpuUse(snap(1, 1, 1, 1, 1), snap(2, 2, 2, 2, 2), 0), null, 'no work done: nothing to divide by');
});

test('a snapshot reads this process and the machine (Linux)', { skip: !existsSync('/proc/stat') }, () => {
  const before = cpuSnapshot(process.pid)!;
  let x = 0;
  const until = performance.now() + 120;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  const after = cpuSnapshot(process.pid)!;
  assert.ok(x > 0);
  // The server's pid here is this process: both counters saw the busy loop.
  assert.ok(after.seconds.server - before.seconds.server >= 0.05, `${after.seconds.server - before.seconds.server}`);
  assert.ok(after.seconds.loadGenerator - before.seconds.loadGenerator >= 0.05);
  assert.ok(after.machine.busy > before.machine.busy && after.machine.total > before.machine.total);
});
