import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One Prometheus registry per process (or per test), with the metrics every Kopitra service exports. */
export interface KopitraMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  signalsAccepted: Counter;
  ordersCreated: Counter;
  executionsReported: Counter<'status'>;
  /** Reads the current number of waiting long-polls when scraped (set by the gateway's host). */
  setLongPollSource(read: () => number): void;
  /** Reads the copy path's commits so far when scraped (set by the gateway's host). */
  setCommitSource(read: () => CopyCommits): void;
}

/**
 * Copy-path batches committed so far, by kind and by how: as one statement that commits by itself
 * (planned from what the gateway holds), or in a transaction that reads first.
 */
export type CopyCommits = Record<'signals' | 'executions', { statement: number; transaction: number }>;

/** Default metrics whose collection costs time in proportion to the open connections. */
export const EXPENSIVE_DEFAULT_METRICS = ['nodejs_active_handles', 'nodejs_active_handles_total', 'nodejs_active_resources', 'nodejs_active_resources_total'];

export function createMetrics(options: { defaultMetrics?: boolean; prefix?: string } = {}): KopitraMetrics {
  const registry = new Registry();
  const p = options.prefix ?? 'kopitra_';
  if (options.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry, prefix: p });
    // Not these: each scrape lists every libuv handle and async resource (a gateway holds one per
    // open EA connection) and counts them by type, on the event loop. With 1,000 long-polls open a
    // scrape took 3.2–5.7 ms at p50 with them, 2.0–2.7 ms without (docs/performance.md, session 9);
    // a scrape that lands in a fan-out delays it by that much. The open connections are counted
    // anyway: `process_open_fds` and the gateway's `long_polls_waiting`.
    for (const name of EXPENSIVE_DEFAULT_METRICS) registry.removeSingleMetric(p + name);
  }
  let readWaiting: () => number = () => 0;
  let readCommits: (() => CopyCommits) | null = null;
  const httpDuration = new Histogram({
    name: `${p}http_request_duration_seconds`,
    help: 'HTTP request duration by route template, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const signalsAccepted = new Counter({ name: `${p}signals_accepted_total`, help: 'Master signals accepted (202)', registers: [registry] });
  const ordersCreated = new Counter({ name: `${p}orders_created_total`, help: 'Follower orders created by accepted signals', registers: [registry] });
  const executionsReported = new Counter({ name: `${p}executions_reported_total`, help: 'Execution reports accepted', labelNames: ['status'] as const, registers: [registry] });
  new Gauge({
    name: `${p}long_polls_waiting`,
    help: 'Follower long-polls currently waiting for orders',
    registers: [registry],
    collect() {
      this.set(readWaiting());
    },
  });
  new Counter({
    name: `${p}copy_commits_total`,
    help: 'Copy-path batches committed, by kind (signals, executions) and path (statement: one statement that commits by itself; transaction)',
    labelNames: ['kind', 'path'] as const,
    registers: [registry],
    collect() {
      if (!readCommits) return;
      this.reset();
      for (const [kind, byPath] of Object.entries(readCommits())) {
        for (const [path, n] of Object.entries(byPath)) this.inc({ kind, path }, n);
      }
    },
  });
  return {
    registry, httpDuration, signalsAccepted, ordersCreated, executionsReported,
    setLongPollSource(read) {
      readWaiting = read;
    },
    setCommitSource(read) {
      readCommits = read;
    },
  };
}
