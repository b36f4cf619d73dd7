import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Target } from './load';

const WORKER = new URL('./load-worker.ts', import.meta.url);

type Counts = { ok: number; failed: number; perSecond: number; statuses: Record<number, number> };

/**
 * The throughput phases' load generator on several threads (one per core by default): one
 * single-threaded generator (then on `node:http`'s client, ≈ 58 µs per request) topped out near
 * 17 k req/s on a core, which was the echo baseline's ceiling, not the echo server's. The targets are dealt out over the threads;
 * each thread runs its closed loops for the same seconds, and the rate is all answers over the
 * wall time from the common start to the last thread's end. The threads' CPU is this process's
 * (process.cpuUsage counts every thread).
 */
export class ParallelLoad {
  private constructor(private readonly workers: Worker[]) {}

  static async start(threads = cpus().length): Promise<ParallelLoad> {
    // The worker is TypeScript: loaded through tsx's API (a worker does not inherit the parent's
    // `--import tsx` loader on Node 20).
    const entry = `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(WORKER.href)}, ${JSON.stringify(import.meta.url)}))`;
    const workers = Array.from({ length: Math.max(1, threads) }, () => new Worker(entry, { eval: true }));
    try {
      await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
        w.once('error', reject);
        w.once('message', () => resolve());
      })));
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
    return new ParallelLoad(workers);
  }

  async throughput(targets: Target[], path: string, seconds: number): Promise<Counts> {
    const used = this.workers.slice(0, Math.min(this.workers.length, targets.length));
    const shares = used.map((_, i) => targets.filter((_, j) => j % used.length === i));
    const started = performance.now();
    const results = await Promise.all(used.map((w, i) => new Promise<Counts>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      w.once('error', onError);
      w.once('message', (m: Counts & { error?: string }) => {
        w.off('error', onError);
        if (m.error) reject(new Error(m.error));
        else resolve(m);
      });
      w.postMessage({ job: { targets: shares[i], path, seconds } });
    })));
    const elapsed = (performance.now() - started) / 1000;
    const statuses: Record<number, number> = {};
    for (const r of results) for (const [k, v] of Object.entries(r.statuses)) statuses[Number(k)] = (statuses[Number(k)] ?? 0) + v;
    const ok = results.reduce((a, r) => a + r.ok, 0);
    return { ok, failed: results.reduce((a, r) => a + r.failed, 0), perSecond: ok / elapsed, statuses };
  }

  /** Ends the threads; again is a no-op. */
  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((w) => w.terminate()));
  }

  get threads(): number {
    return this.workers.length;
  }
}
