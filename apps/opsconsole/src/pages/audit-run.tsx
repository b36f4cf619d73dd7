import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import { useAccountNames } from '../api/hooks';
import type { RunDecision, RunDetail, RunExecution, RunOrder } from '../api/types';
import { Link } from '../router';
import { Badge, PageHead } from '../ui/controls';
import { code, lots, ms, num, time, utc } from '../ui/format';
import { QueryView } from '../ui/states';
import { InputsTable } from './inputs-table';
import { StatusBadge } from './run-badges';
import { TaskResult } from './task-result';

/** Offset of a timestamp from the run's start, as `+12 ms`. */
function offset(run: RunDetail, at: string | null | undefined): string {
  if (!at) return '—';
  const d = Date.parse(at) - Date.parse(run.startedAt);
  return Number.isFinite(d) ? `+${ms(Math.max(0, d))}` : '—';
}

/** Latency by stage as a waterfall: each stage's bar starts where the previous one ended. */
function LatencyWaterfall({ l }: { l: RunDetail['latencyMs'] }) {
  const stages: Array<[string, number | null | undefined, string]> = [
    ['ingest', l.ingest, 'master terminal → gateway'],
    ['plan', l.plan, 'engine sizing every follower'],
    ['first delivery', l.firstDelivery, 'run start → first follower EA took its order'],
    ['last execution', l.lastExecution, 'run start → last execution reported'],
  ];
  const max = Math.max(1, ...stages.map(([, v]) => v ?? 0));
  return (
    <section className="panel" aria-label="Latency by stage">
      <h2>Latency by stage</h2>
      <div className="waterfall">
        {stages.map(([name, v, help]) => (
          <div key={name} className="wf-row" title={help}>
            <span className="wf-name">{name}</span>
            <span className="wf-track"><span className="wf-bar" style={{ width: v == null ? 0 : `${Math.max(0.5, (v / max) * 100)}%` }} /></span>
            <span className="wf-value mono">{ms(v)}</span>
          </div>
        ))}
      </div>
    </section>
  );
}

interface SignalLike { type?: string; position?: Record<string, unknown>; order?: Record<string, unknown>; sequence?: number; occurredAt?: string }

function MasterSignal({ run }: { run: RunDetail }) {
  const name = useAccountNames();
  const signal = (run.trigger.signal ?? null) as SignalLike | null;
  const subject = signal?.position ?? signal?.order ?? null;
  return (
    <li className="tl-item tl-master">
      <div className="tl-time mono">{offset(run, run.startedAt)}</div>
      <div className="tl-card">
        <div className="tl-title"><Badge tone="info">master signal</Badge> <b>{String(run.trigger.type ?? signal?.type ?? run.kind)}</b> from {name(run.accountId)}</div>
        {subject ? (
          <div className="kv-inline mono">
            {['symbol', 'side', 'kind', 'volume', 'price', 'sl', 'tp', 'id'].filter((k) => subject[k] !== undefined && subject[k] !== null).map((k) => (
              <span key={k}><span className="muted">{k}</span> {String(subject[k])}</span>
            ))}
            {signal?.sequence !== undefined ? <span><span className="muted">seq</span> {signal.sequence}</span> : null}
            {signal?.occurredAt ? <span><span className="muted">at terminal</span> {time(signal.occurredAt)}</span> : null}
          </div>
        ) : <pre className="json">{JSON.stringify(run.trigger, null, 2)}</pre>}
      </div>
    </li>
  );
}

function OrderLine({ run, o, execs }: { run: RunDetail; o: RunOrder; execs: RunExecution[] }) {
  return (
    <div className="order">
      <div className="order-head mono">
        <Badge tone="mute">{o.action}</Badge> {o.side ?? ''} {lots(o.volume)} {o.symbol ?? ''} <StatusBadge status={o.status} />
        <span className="muted small">order {o.orderId}</span>
      </div>
      <ol className="order-steps">
        {o.createdAt ? <li><span className="mono tl-sub">{offset(run, o.createdAt)}</span> created</li> : null}
        <li><span className="mono tl-sub">{offset(run, o.deliveredAt)}</span> {o.deliveredAt ? 'delivered to the follower EA' : 'not delivered yet'}</li>
        {execs.map((e, i) => (
          <li key={i}>
            <span className="mono tl-sub">{offset(run, e.receivedAt ?? e.executedAt)}</span> execution <StatusBadge status={e.status} />
            {e.price !== null ? <> at <b className="mono">{e.price}</b></> : null}
            {e.volume !== null ? <> · {lots(e.volume)} lots</> : null}
            {e.slippage !== undefined && e.slippage !== null ? (
              <> · slippage <span className={`mono ${e.slippage > 0 ? 'bad-text' : 'ok-text'}`} title="distance from the master's price; positive is worse for the follower">{e.slippage > 0 ? '+' : ''}{num(e.slippage, 5)}</span></>
            ) : null}
            {e.brokerCode !== undefined && e.brokerCode !== null ? <span className="muted"> · broker {String(e.brokerCode)}</span> : null}
          </li>
        ))}
      </ol>
    </div>
  );
}

function DecisionItem({ run, d }: { run: RunDetail; d: RunDecision }) {
  const name = useAccountNames();
  const ids = new Set(d.orderIds ?? []);
  const orders = run.orders.filter((o) => ids.has(o.orderId) || (!d.orderIds && o.followerAccountId === d.followerAccountId && (!o.subscriptionId || o.subscriptionId === d.subscriptionId)));
  return (
    <li className="tl-item" data-testid="decision" data-follower={d.followerAccountId}>
      <div className="tl-time mono">{offset(run, run.steps.find((s) => s.stage === 'planned')?.at)}</div>
      <div className="tl-card">
        <div className="tl-title">
          <StatusBadge status={d.outcome} /> <Link to={`/accounts/${encodeURIComponent(d.followerAccountId)}`}>{name(d.followerAccountId)}</Link>
          {d.outcome === 'copied' ? <> gets <b className="mono">{lots(d.volume)}</b> lots</> : <> skipped: <b className="reason">{code(d.reason)}</b></>}
          {d.notes?.map((n) => <Badge key={n} tone="info">{code(n)}</Badge>)}
        </div>
        <details className="inputs-details">
          <summary>Inputs of the decision</summary>
          <InputsTable inputs={d.inputs} />
        </details>
        {orders.map((o) => <OrderLine key={o.orderId} run={run} o={o} execs={run.executions.filter((e) => e.orderId === o.orderId)} />)}
      </div>
    </li>
  );
}

function Trace({ run }: { run: RunDetail }) {
  const name = useAccountNames();
  return (
    <>
      <div className="tiles tiles-sm">
        <div className="tile"><div className="tile-value"><StatusBadge status={run.status} /></div><div className="tile-label">{run.kind.replace('_', ' ')} run</div></div>
        <div className="tile"><div className="tile-value mono small">{utc(run.startedAt, true)}</div><div className="tile-label">started (UTC)</div></div>
        <div className="tile"><div className="tile-value mono small">{run.finishedAt ? utc(run.finishedAt, true) : 'running'}</div><div className="tile-label">finished</div></div>
        <div className="tile"><div className="tile-value tile-text">{run.accountId ? <Link to={`/accounts/${encodeURIComponent(run.accountId)}`}>{name(run.accountId)}</Link> : '—'}</div><div className="tile-label">account</div></div>
      </div>
      {run.kind === 'task' ? <TaskResult run={run} /> : null}
      {run.kind !== 'task' ? <LatencyWaterfall l={run.latencyMs} /> : null}
      <section className="panel" aria-label="Timeline">
        <h2>Timeline</h2>
        <ol className="timeline">
          {run.kind === 'signal' ? <MasterSignal run={run} /> : null}
          {run.steps.map((s, i) => (
            <li key={i} className="tl-item tl-step">
              <div className="tl-time mono">{offset(run, s.at)}</div>
              <div className="tl-card tl-card-thin">
                <b>{s.stage}</b> <Badge tone={s.outcome === 'ok' ? 'ok' : s.outcome === 'failed' || s.outcome === 'error' ? 'bad' : 'info'}>{s.outcome}</Badge>
                {s.detail ? <span className="muted mono small"> {JSON.stringify(s.detail)}</span> : null}
              </div>
            </li>
          ))}
          {run.decisions.map((d) => <DecisionItem key={`${d.subscriptionId}-${d.followerAccountId}`} run={run} d={d} />)}
        </ol>
        {run.decisions.length === 0 && run.kind === 'signal' ? <p className="muted">No follower subscribed to this master when the signal arrived.</p> : null}
      </section>
      <details className="panel">
        <summary>Raw trigger</summary>
        <pre className="json">{JSON.stringify(run.trigger, null, 2)}</pre>
      </details>
    </>
  );
}

export function AuditRunPage({ runId }: { runId: string }) {
  const q = useQuery({
    queryKey: ['run', runId],
    queryFn: () => api.run(runId),
    // Running task runs move on their own; events refresh them too when the stream is up.
    refetchInterval: (query) => (query.state.data?.status === 'running' ? 2000 : false),
  });
  return (
    <div className="page">
      <PageHead title="Run trace" sub={<><Link to="/runs">Audit runs</Link> / <span className="mono">{runId}</span>{q.data?.summary ? ` — ${q.data.summary}` : ''}</>} />
      <QueryView q={q}>{(run) => <Trace run={run} />}</QueryView>
    </div>
  );
}
