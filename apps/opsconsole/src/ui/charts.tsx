import { ms } from './format';

/**
 * Signals per minute over the last hour: 60 bars, hand-drawn SVG, the newest on the right. The
 * SVG stretches to its box; the scale's labels are HTML so they stay legible on a phone.
 */
export function SignalsChart({ buckets }: { buckets: Array<{ at: string; count: number }> }) {
  const W = 600;
  const H = 110;
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const n = Math.max(1, buckets.length);
  const bw = W / n;
  const y = (v: number) => H * (1 - v / max);
  const total = buckets.reduce((s, b) => s + b.count, 0);
  const last = buckets.at(-1)?.count ?? 0;
  const ticks = [...new Set([0, Math.round(max / 2), max])];
  return (
    <figure className="chart signals" aria-label={`Signals per minute: ${total} in the window, ${last} in the last minute`}>
      <div className="sig-plot">
        <div className="sig-y" aria-hidden="true">{[...ticks].reverse().map((v) => <span key={v} style={{ top: `${(1 - v / max) * 100}%` }}>{v}</span>)}</div>
        <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-hidden="true">
          {ticks.map((v) => <line key={v} x1={0} x2={W} y1={Math.min(H - 0.5, Math.max(0.5, y(v)))} y2={Math.min(H - 0.5, Math.max(0.5, y(v)))} className="grid" vectorEffect="non-scaling-stroke" />)}
          {buckets.map((b, i) => (
            <rect key={b.at} x={i * bw + 0.5} y={y(b.count)} width={Math.max(1, bw - 1)} height={H - y(b.count)}
              className={i === n - 1 ? 'bar bar-now' : 'bar'}><title>{`${b.at.slice(11, 16)} UTC: ${b.count}`}</title></rect>
          ))}
        </svg>
      </div>
      <figcaption className="sig-x"><span>−60 min</span><span>{last} in the last minute · {total} in the hour</span><span>now</span></figcaption>
    </figure>
  );
}

export interface LatencyRow { stage: string; p50: number | null; p99: number | null }

/**
 * Copy latency by stage: p50 as the solid bar, p99 as the faint one behind it, on a log scale
 * so a 2 ms plan and a 900 ms execution both read. Labels are HTML so they stay legible at
 * phone width; each bar is a small SVG stretched to its track.
 */
export function LatencyChart({ rows }: { rows: LatencyRow[] }) {
  const max = Math.max(10, ...rows.map((r) => r.p99 ?? r.p50 ?? 0));
  const lo = 0.1;
  const scale = (v: number) => Math.max(0.005, (Math.log10(Math.max(lo, v)) - Math.log10(lo)) / (Math.log10(max) - Math.log10(lo)));
  const ticks = [1, 10, 100, 1000, 10_000, 100_000].filter((t) => t <= max);
  return (
    <figure className="chart latency" aria-label="Copy latency p50 and p99 by stage">
      {rows.map((r) => (
        <div key={r.stage} className="lat-row">
          <span className="lat-stage">{r.stage}</span>
          <svg className="lat-track" viewBox="0 0 1000 20" preserveAspectRatio="none" aria-hidden="true">
            {ticks.map((t) => <line key={t} x1={scale(t) * 1000} x2={scale(t) * 1000} y1={0} y2={20} className="grid" />)}
            {r.p99 !== null ? <rect x={0} y={2} height={16} width={scale(r.p99) * 1000} className="bar-p99" /> : null}
            {r.p50 !== null ? <rect x={0} y={5} height={10} width={scale(r.p50) * 1000} className="bar-p50" /> : null}
          </svg>
          <span className="lat-value mono">{r.p50 === null ? 'no data' : `${ms(r.p50)} · ${ms(r.p99)}`}</span>
        </div>
      ))}
      <div className="lat-row lat-axis" aria-hidden="true">
        <span />
        <span className="lat-ticks">{ticks.map((t) => <span key={t} style={{ left: `${scale(t) * 100}%` }}>{t >= 1000 ? `${t / 1000}s` : `${t}ms`}</span>)}</span>
        <span />
      </div>
      <figcaption className="legend"><span className="sw sw-p50" /> p50 <span className="sw sw-p99" /> p99 <span className="muted">· log scale</span></figcaption>
    </figure>
  );
}
