import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/**
 * CPU time spent during a bench phase, by who spent it: the server under load (the gateway or the
 * echo), PostgreSQL's processes (when the server runs on this machine), this process (the load
 * generator, all its threads) and the machine as a whole. A latency that misses its goal on a busy machine is queueing, not the
 * copy path's own work: these figures tell the two apart. Linux only (/proc); elsewhere null.
 */
export interface CpuSnapshot {
  atMs: number;
  /** CPU seconds per process group. */
  seconds: { server: number; postgres: number; loadGenerator: number };
  /** /proc/stat: busy and total jiffies of all cores. */
  machine: { busy: number; total: number };
}

export interface CpuUse {
  /** CPU milliseconds per unit of work (a signal and what follows it), by process group. */
  perUnitMs: { server: number; postgres: number; loadGenerator: number };
  /** Share of all cores busy during the phase, 0..1 (everything on the machine). */
  machineBusy: number;
  cores: number;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of one process (all its threads), in seconds; 0 when it is gone. */
function processSeconds(pid: number | string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return 0;
  }
}

function postgresSeconds(): number {
  let total = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'postgres') total += processSeconds(d);
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

function machineJiffies(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy, total: busy + idle! + iowait! };
}

export function cpuSnapshot(serverPid: number): CpuSnapshot | null {
  if (!existsSync('/proc/stat')) return null;
  const self = process.cpuUsage();
  return {
    atMs: performance.now(),
    seconds: { server: processSeconds(serverPid), postgres: postgresSeconds(), loadGenerator: (self.user + self.system) / 1e6 },
    machine: machineJiffies(),
  };
}

/** What was spent between two snapshots, per unit of work done in between. */
export function cpuUse(from: CpuSnapshot | null, to: CpuSnapshot | null, units: number): CpuUse | null {
  if (!from || !to || units <= 0) return null;
  const per = (k: keyof CpuSnapshot['seconds']) => ((to.seconds[k] - from.seconds[k]) * 1000) / units;
  const total = to.machine.total - from.machine.total;
  return {
    perUnitMs: { server: per('server'), postgres: per('postgres'), loadGenerator: per('loadGenerator') },
    machineBusy: total > 0 ? (to.machine.busy - from.machine.busy) / total : NaN,
    cores: cpus().length,
  };
}
