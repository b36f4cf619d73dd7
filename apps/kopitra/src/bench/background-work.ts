import { readFileSync } from 'node:fs';
import type { Queryable } from '@kopitra/store';

/**
 * What PostgreSQL did besides the measured phase's own work while it ran: checkpoints (after one
 * starts, the first change to each page writes the whole page to the WAL, and the commits of the
 * moment wait longer) and the expiry of earlier phases' unanswered orders (the gateway's sweep
 * writes them in chunks). A latency tail that moves between runs of the same code is often one of
 * these; the bench prints them beside the phase's figures so that a run can be read for what it is.
 * Also the kernel's dirty page cache: data pages PostgreSQL wrote in an earlier phase (its new
 * table pages above all) that the kernel writes back 30 s later, hundreds of MB at once — every
 * commit's WAL flush meanwhile waits behind them (session 17: in a probe, a second with a p99 of
 * 54–100 ms in 16 runs of 17, when 245 MB were written back; the bench's first second 84–140 ms).
 */
export interface BackgroundWork {
  /** Checkpoints started (timed or requested); null where the server does not say. */
  checkpoints: number | null;
  /**
   * Buffers the checkpointer wrote: a checkpoint is spread over minutes, so one that started before
   * the phase shows here, not in `checkpoints`. Null where the server does not say.
   */
  checkpointBuffers: number | null;
  /** Orders that the expiry sweep marked expired. */
  expiredOrders: number;
  /** The kernel's dirty page cache (MB, /proc/meminfo) at the first snapshot and the last; null off Linux. */
  kernelDirtyMb: { atStart: number; atEnd: number } | null;
}

/** The kernel's dirty page cache in MB, or null where /proc/meminfo does not say. */
export function kernelDirtyMb(meminfo?: string): number | null {
  let text = meminfo;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/meminfo', 'utf8');
    } catch {
      return null;
    }
  }
  const m = /^Dirty:\s+(\d+) kB$/m.exec(text);
  return m ? Math.round(Number(m[1]) / 1024) : null;
}

// PostgreSQL 17 moved the checkpoint counters out of pg_stat_bgwriter into pg_stat_checkpointer.
const CHECKPOINT_COUNTERS = [
  'SELECT (num_timed + num_requested)::int AS n, buffers_written::bigint AS b FROM pg_stat_checkpointer',
  'SELECT (checkpoints_timed + checkpoints_req)::int AS n, buffers_checkpoint::bigint AS b FROM pg_stat_bgwriter',
];

async function checkpointCounters(db: Queryable): Promise<{ n: number; b: number } | null> {
  for (const sql of CHECKPOINT_COUNTERS) {
    try {
      const { rows } = await db.query<{ n: number; b: string }>(sql);
      if (rows[0]) return { n: Number(rows[0].n), b: Number(rows[0].b) };
    } catch {
      // Not this server's version: try the next.
    }
  }
  return null;
}

export async function backgroundSnapshot(db: Queryable): Promise<BackgroundWork> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM orders WHERE status = 'expired'`);
  const c = await checkpointCounters(db);
  const dirty = kernelDirtyMb();
  return { checkpoints: c?.n ?? null, checkpointBuffers: c?.b ?? null, expiredOrders: rows[0]!.n, kernelDirtyMb: dirty === null ? null : { atStart: dirty, atEnd: dirty } };
}

/** What happened between two snapshots. */
export function backgroundSince(from: BackgroundWork, to: BackgroundWork): BackgroundWork {
  const delta = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);
  return {
    checkpoints: delta(from.checkpoints, to.checkpoints),
    checkpointBuffers: delta(from.checkpointBuffers, to.checkpointBuffers),
    expiredOrders: to.expiredOrders - from.expiredOrders,
    kernelDirtyMb: from.kernelDirtyMb && to.kernelDirtyMb ? { atStart: from.kernelDirtyMb.atStart, atEnd: to.kernelDirtyMb.atEnd } : null,
  };
}

export function describeBackground(w: BackgroundWork): string {
  const parts = [`${w.expiredOrders} earlier orders expired`];
  if (w.checkpoints !== null) parts.unshift(`checkpoints: ${w.checkpoints} started, ${w.checkpointBuffers} buffers written`);
  if (w.kernelDirtyMb) parts.push(`the kernel's dirty pages ${w.kernelDirtyMb.atStart} MB at the start, ${w.kernelDirtyMb.atEnd} MB at the end`);
  return `meanwhile ${parts.join('; ')}`;
}
