/**
 * Background work (the order-expiry sweep) at a lower priority than the copy path: it starts a
 * chunk once the copy path has had nothing in a transaction for `quietMs`, and waits at most
 * `maxDeferMs` for that, so that a backlog still drains under a load that never pauses.
 *
 * Why: on a small machine a chunk of background writes running beside a signal's transaction takes
 * the CPU and the WAL flush from it. Measured on the bench's 2-core machine: an expiry chunk of 250
 * orders takes PostgreSQL 7–17 ms (35 µs an order on average), and the sweeps ran a third of the time while
 * the throughput phases’ 20,000–42,000 unanswered orders expired (docs/performance.md, session 16).
 */
export interface QuietWait {
  /** How long the copy path has had nothing waiting or in a transaction (0 while it has). */
  quietFor(): number;
  quietMs: number;
  maxDeferMs: number;
  /** For tests: the clock and the pause (defaults: performance.now, setTimeout). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Resolves `true` once the copy path has been quiet for `quietMs` (a full chunk may run), or
 * `false` when `maxDeferMs` ran out first (the caller runs a small one).
 */
export async function untilCopyPathQuiet(w: QuietWait): Promise<boolean> {
  const now = w.now ?? (() => performance.now());
  const sleep = w.sleep ?? pause;
  const deadline = now() + w.maxDeferMs;
  for (;;) {
    const quiet = w.quietFor();
    if (quiet >= w.quietMs) return true;
    const left = deadline - now();
    if (left <= 0) return false;
    // Until it could be quiet long enough (sooner is pointless), not past the deadline.
    await sleep(Math.max(1, Math.min(w.quietMs - quiet, left)));
  }
}
