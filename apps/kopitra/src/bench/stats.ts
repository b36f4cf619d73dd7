/** Percentile of an unsorted sample (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

/**
 * p50 and p99 of each second of a phase: `at` is when a sample's signal was sent, in ms from the
 * phase's start. The phase's own p99 can be one second's — a stall (the kernel writing back an
 * earlier phase's pages, docs/performance.md session 17) or the first second of code never run
 * before — or spread over all of them: this tells which.
 */
export function bySecond(samples: ReadonlyArray<{ at: number; ms: number }>): Array<{ p50: number; p99: number; n: number }> {
  const seconds: number[][] = [];
  for (const s of samples) {
    const i = Math.max(0, Math.floor(s.at / 1000));
    while (seconds.length <= i) seconds.push([]);
    seconds[i]!.push(s.ms);
  }
  return seconds.map((v) => ({ p50: percentile(v, 50), p99: percentile(v, 99), n: v.length }));
}
