import { useInfiniteQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import { useAccountNames, useAccounts } from '../api/hooks';
import type { RunFilter, RunKind, RunStatus } from '../api/types';
import { Link, navigate, useLocation } from '../router';
import { PageHead } from '../ui/controls';
import { utc } from '../ui/format';
import { Empty, ErrorState, Loading } from '../ui/states';
import { StatusBadge } from './run-badges';

const KINDS: RunKind[] = ['signal', 'task', 'reconcile', 'stop_out'];
const STATUSES: RunStatus[] = ['running', 'succeeded', 'partially_succeeded', 'failed'];

/** datetime-local (browser local time) ⇄ the API's UTC timestamps. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : '');
const toLocal = (iso: string | null) => {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

export function AuditRunsPage() {
  const { query } = useLocation();
  const filter: RunFilter = {
    kind: (query.get('kind') ?? '') as RunFilter['kind'],
    accountId: query.get('accountId') ?? '',
    status: (query.get('status') ?? '') as RunFilter['status'],
    from: query.get('from') ?? '',
    to: query.get('to') ?? '',
  };
  const accounts = useAccounts();
  const name = useAccountNames();
  const setFilter = (patch: Partial<RunFilter>) => {
    const next = { ...filter, ...patch };
    const qs = new URLSearchParams(Object.entries(next).filter(([, v]) => v) as Array<[string, string]>).toString();
    navigate(`/runs${qs ? `?${qs}` : ''}`, { replace: true });
  };
  const q = useInfiniteQuery({
    queryKey: ['runs', filter],
    queryFn: ({ pageParam }) => api.runs({ ...filter, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = q.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = Object.values(filter).some(Boolean);
  return (
    <div className="page">
      <PageHead title="Audit runs" sub="Every master signal and every task, traced end to end" />
      <form className="filters" role="search" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
        <label>Kind
          <select name="kind" value={filter.kind} onChange={(e) => setFilter({ kind: e.target.value as RunKind })}>
            <option value="">any</option>{KINDS.map((k) => <option key={k} value={k}>{k.replace('_', ' ')}</option>)}
          </select>
        </label>
        <label>Account
          <select name="accountId" value={filter.accountId} onChange={(e) => setFilter({ accountId: e.target.value })}>
            <option value="">any</option>{accounts.data?.items.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
          </select>
        </label>
        <label>Outcome
          <select name="status" value={filter.status} onChange={(e) => setFilter({ status: e.target.value as RunStatus })}>
            <option value="">any</option>{STATUSES.map((s) => <option key={s} value={s}>{s.replace('_', ' ')}</option>)}
          </select>
        </label>
        <label>From <input type="datetime-local" name="from" value={toLocal(filter.from ?? null)} onChange={(e) => setFilter({ from: toIso(e.target.value) })} /></label>
        <label>To <input type="datetime-local" name="to" value={toLocal(filter.to ?? null)} onChange={(e) => setFilter({ to: toIso(e.target.value) })} /></label>
        {filtered ? <button type="button" className="btn btn-ghost btn-sm" onClick={() => navigate('/runs', { replace: true })}>Clear</button> : null}
      </form>
      <section className="panel panel-flush">
        {q.isPending ? <Loading rows={6} /> : q.isError ? <ErrorState error={q.error} retry={() => void q.refetch()} /> : items.length === 0 ? (
          <Empty title={filtered ? 'No run matches these filters' : 'No runs yet'}>{filtered ? 'Widen the time range or clear a filter.' : 'A run is recorded for every master signal and every task.'}</Empty>
        ) : (
          <div className="table-wrap">
            <table className="table table-hover" aria-label="Audit runs">
              <thead><tr><th>Started (UTC)</th><th>Kind</th><th>Account</th><th>Summary</th><th>Outcome</th></tr></thead>
              <tbody>
                {items.map((r) => (
                  <tr key={r.runId} onClick={() => navigate(`/runs/${encodeURIComponent(r.runId)}`)} data-run-id={r.runId}>
                    <td className="mono nowrap"><Link to={`/runs/${encodeURIComponent(r.runId)}`}>{utc(r.startedAt)}</Link></td>
                    <td>{r.kind.replace('_', ' ')}{r.taskId ? <span className="muted small"> · {r.taskId}</span> : null}</td>
                    <td>{r.accountId ? name(r.accountId) : '—'}</td>
                    <td className="summary">{r.summary || '—'}</td>
                    <td><StatusBadge status={r.status} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {q.hasNextPage ? <div className="more"><button type="button" className="btn btn-ghost" onClick={() => void q.fetchNextPage()} disabled={q.isFetchingNextPage}>{q.isFetchingNextPage ? 'Loading…' : 'Older runs'}</button></div> : null}
      </section>
    </div>
  );
}
