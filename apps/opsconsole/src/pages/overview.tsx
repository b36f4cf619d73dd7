import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import { useAccountNames } from '../api/hooks';
import type { LiveEvent, MetricsOverview } from '../api/types';
import { useLive } from '../live-events';
import { Link } from '../router';
import { LatencyChart, SignalsChart } from '../ui/charts';
import { Badge, Dot, PageHead } from '../ui/controls';
import { ago, code, time } from '../ui/format';
import { Empty, QueryView } from '../ui/states';
import { useNow } from '../ui/use-now';

function Tile({ label, value, tone, hint }: { label: string; value: number | string; tone?: 'ok' | 'warn' | 'bad'; hint?: string }) {
  return (
    <div className={`tile${tone ? ` tile-${tone}` : ''}`} title={hint}>
      <div className="tile-value">{value}</div>
      <div className="tile-label">{label}</div>
    </div>
  );
}

function ReasonTable({ title, rows, tone, empty }: { title: string; rows: MetricsOverview['skips']; tone: 'warn' | 'bad'; empty: string }) {
  return (
    <section className="panel">
      <h2>{title} <span className="muted">last hour</span></h2>
      {rows.length === 0 ? <Empty title={empty} /> : (
        <table className="table table-compact">
          <thead><tr><th>Reason</th><th className="num">Count</th><th>Last run</th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.reason}>
                <td><Badge tone={tone}>{code(r.reason)}</Badge></td>
                <td className="num">{r.count}</td>
                <td>{r.lastRunId ? <Link to={`/runs/${encodeURIComponent(r.lastRunId)}`}>open trace</Link> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function eventLine(e: LiveEvent, name: (id: string | null | undefined) => string): { what: string; who: string; runId: string | null; tone: 'ok' | 'warn' | 'bad' | 'info' | 'mute'; at: string | null } {
  switch (e.kind) {
    case 'signal': return { what: `${e.type}${e.gap ? ' (gap)' : ''} → ${e.orders} order${e.orders === 1 ? '' : 's'}`, who: name(e.accountId), runId: e.runId, tone: e.orders > 0 ? 'ok' : 'warn', at: e.at };
    case 'execution': return { what: `execution ${e.status}`, who: name(e.followerAccountId), runId: e.runId, tone: e.status === 'filled' ? 'ok' : e.status === 'rejected' ? 'bad' : 'info', at: e.at };
    case 'ea': return { what: e.telemetry, who: name(e.accountId), runId: null, tone: 'mute', at: e.at };
    case 'run': return { what: `${e.runKind} run`, who: name(e.accountId), runId: e.runId, tone: 'info', at: e.at };
    case 'task': return { what: `task ${e.taskId} ${e.status}${e.progress ? ` ${e.progress.done}/${e.progress.total}` : ''}`, who: '', runId: e.runId, tone: e.status === 'failed' ? 'bad' : 'info', at: null };
  }
}

function LiveTape() {
  const { recent, status } = useLive();
  const name = useAccountNames();
  const rows = recent.filter((e) => e.kind !== 'ea').slice(0, 14);
  return (
    <section className="panel panel-tape" aria-live="polite" data-testid="live-tape">
      <h2>Live <span className="muted">signals, executions and runs as they happen</span></h2>
      {rows.length === 0 ? (
        <Empty title={status === 'live' ? 'Waiting for the next signal' : 'Event stream not connected'}>
          {status === 'live' ? 'New master signals, follower executions and task runs appear here without reloading.' : 'Numbers below refresh on their own every few seconds.'}
        </Empty>
      ) : (
        <ol className="tape">
          {rows.map((e, i) => {
            const l = eventLine(e, name);
            return (
              <li key={`${e.kind}-${'runId' in e ? e.runId : ''}-${'orderId' in e ? e.orderId : ''}-${i}-${l.at}`} className={`tape-row tape-${e.kind}`} data-kind={e.kind}>
                <span className="tape-time mono">{time(l.at)}</span>
                <Badge tone={l.tone}>{e.kind}</Badge>
                <span className="tape-who">{l.who}</span>
                <span className="tape-what">{l.what}</span>
                {l.runId ? <Link to={`/runs/${encodeURIComponent(l.runId)}`} className="tape-link">trace →</Link> : <span />}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

function Metrics({ m }: { m: MetricsOverview }) {
  const now = useNow();
  const name = useAccountNames();
  const total = m.signalsPerMinute.reduce((s, b) => s + b.count, 0);
  const eas = [...m.eas.items].sort((a, b) => Number(a.online) - Number(b.online) || a.name.localeCompare(b.name));
  return (
    <>
      <div className="tiles" data-testid="overview-tiles">
        <Tile label="signals, last hour" value={total} />
        <Tile label="EAs online" value={m.eas.online} tone="ok" />
        <Tile label="EAs offline" value={m.eas.offline} tone={m.eas.offline > 0 ? 'bad' : undefined} />
        <Tile label="followers in sync" value={m.followers.inSync} tone="ok" />
        <Tile label="drifting" value={m.followers.drifting} tone={m.followers.drifting > 0 ? 'warn' : undefined} hint="positions differ from what the master holds" />
        <Tile label="stopped out" value={m.followers.stoppedOut} tone={m.followers.stoppedOut > 0 ? 'bad' : undefined} />
      </div>
      <div className="grid-2">
        <section className="panel">
          <h2>Signals per minute</h2>
          <SignalsChart buckets={m.signalsPerMinute} />
        </section>
        <section className="panel">
          <h2>Copy latency <span className="muted">p50 · p99</span></h2>
          <LatencyChart rows={[
            { stage: 'ingest', ...m.latencyMs.ingest },
            { stage: 'plan', ...m.latencyMs.plan },
            { stage: 'delivery', ...m.latencyMs.delivery },
            { stage: 'execution', ...m.latencyMs.execution },
          ]} />
        </section>
      </div>
      <div className="grid-3">
        <section className="panel">
          <h2>Expert Advisors <span className="muted">{m.eas.online} online · {m.eas.offline} offline</span></h2>
          {eas.length === 0 ? <Empty title="No EA has connected yet">Issue a credential on an account and start its EA.</Empty> : (
            <table className="table table-compact">
              <thead><tr><th>Account</th><th>Role</th><th>Last heartbeat</th></tr></thead>
              <tbody>
                {eas.map((e) => (
                  <tr key={e.accountId}>
                    <td><Dot on={e.online} /> <Link to={`/accounts/${encodeURIComponent(e.accountId)}`}>{e.name || name(e.accountId)}</Link></td>
                    <td>{e.role}</td>
                    <td className="mono" title={e.lastHeartbeatAt ?? ''}>{ago(e.lastHeartbeatAt, now)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <ReasonTable title="Skips by reason" rows={m.skips} tone="warn" empty="No skipped copies" />
        <ReasonTable title="Errors by reason" rows={m.errors} tone="bad" empty="No errors" />
      </div>
    </>
  );
}

export function OverviewPage() {
  const { status } = useLive();
  const q = useQuery({ queryKey: ['overview'], queryFn: api.overview, refetchInterval: status === 'live' ? 30_000 : 5_000 });
  return (
    <div className="page">
      <PageHead title="Overview" sub={q.data ? `Window ${q.data.window.from.slice(11, 16)}–${q.data.window.to.slice(11, 16)} UTC` : 'The last hour of copying'} />
      <LiveTape />
      <QueryView q={q}>{(m) => <Metrics m={m} />}</QueryView>
    </div>
  );
}
