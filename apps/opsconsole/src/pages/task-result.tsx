import { useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import type { Artifact, ResyncPlanItem, RunDetail, RunProgress } from '../api/types';
import { useLive } from '../live-events';
import { useSession } from '../session';
import { ActionButton, Badge, CopyButton } from '../ui/controls';
import { code, lots } from '../ui/format';
import { errorText } from '../ui/states';

export function ProgressBar({ p, status }: { p: RunProgress | null | undefined; status: string }) {
  const pct = p && p.total > 0 ? Math.min(100, Math.round((p.done / p.total) * 100)) : status === 'running' ? null : 100;
  return (
    <div className="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct ?? undefined} aria-label="Task progress">
      <div className={`progress-bar${pct === null ? ' progress-indeterminate' : ''} progress-${status}`} style={{ width: pct === null ? undefined : `${pct}%` }} />
      <span className="progress-text">{p ? `${p.done}/${p.total}${p.message ? ` · ${p.message}` : ''}` : status === 'running' ? 'starting…' : status.replaceAll('_', ' ')}</span>
    </div>
  );
}

/** The newest progress of a task run: from the event stream when it is faster than the run itself. */
export function useTaskProgress(run: RunDetail | undefined): RunProgress | null {
  const { recent } = useLive();
  if (!run) return null;
  const ev = recent.find((e) => e.kind === 'task' && e.runId === run.runId);
  if (run.status === 'running' && ev && ev.kind === 'task' && ev.progress) return ev.progress;
  return run.progress ?? null;
}

export function PlanTable({ plan }: { plan: ResyncPlanItem[] }) {
  if (plan.length === 0) return <p className="ok-text" data-testid="resync-plan-empty">Nothing to do: the follower already matches the master.</p>;
  return (
    <div className="table-wrap">
      <table className="table table-compact" data-testid="resync-plan" aria-label="Resync plan">
        <thead><tr><th>Action</th><th>Symbol</th><th>Side</th><th className="num">Lots</th><th>Master position</th><th>Follower position</th><th>Why</th></tr></thead>
        <tbody>
          {plan.map((p, i) => (
            <tr key={i}>
              <td><Badge tone={p.action === 'close' ? 'bad' : p.action === 'open' ? 'ok' : 'info'}>{p.action}</Badge></td>
              <td className="mono">{p.symbol}</td><td>{p.side}</td><td className="num">{lots(p.volume)}</td>
              <td className="mono small">{p.masterPositionId ?? '—'}</td><td className="mono small">{p.followerPositionId ?? '—'}</td>
              <td>{code(p.reason)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The new EA secret of a rotation: admins read it once from the API, the run never holds it. */
function RotatedSecret({ runId }: { runId: string }) {
  const [secret, setSecret] = useState<{ keyId: string; secret: string } | null>(null);
  const read = useMutation({ mutationFn: () => api.taskSecret(runId), onSuccess: setSecret });
  if (secret) {
    return (
      <div className="secret-box">
        <p className="warn-text">Shown once. Put it in the EA now.</p>
        <div className="mono secret-row">{secret.keyId} <CopyButton text={secret.keyId} /></div>
        <div className="mono secret-row"><span className="secret">{secret.secret}</span> <CopyButton text={secret.secret} label="Copy secret" /></div>
      </div>
    );
  }
  return (
    <div>
      <ActionButton role="admin" kind="ghost" onClick={() => read.mutate()} disabled={read.isPending}>Reveal the new secret (once)</ActionButton>
      {read.isError ? <p className="form-error" role="alert">{errorText(read.error)}</p> : null}
    </div>
  );
}

function ArtifactLink({ id }: { id: string }) {
  const q = useQuery({ queryKey: ['artifact-list-for', id], queryFn: () => api.artifacts() });
  const a: Artifact | undefined = q.data?.items.find((x) => x.id === id);
  const dl = useMutation({ mutationFn: (x: Artifact) => api.downloadArtifact(x) });
  if (!a) return <span className="mono">{id}</span>;
  return <button type="button" className="btn btn-ghost btn-sm" onClick={() => dl.mutate(a)}>Download {a.name}</button>;
}

export function TaskResult({ run }: { run: RunDetail }) {
  const { can } = useSession();
  const progress = useTaskProgress(run);
  const r = run.result ?? {};
  const taskId = run.taskId ?? run.trigger.taskId;
  return (
    <section className="panel" aria-label="Task result">
      <h2>Task {taskId ? <span className="mono">{taskId}</span> : null}</h2>
      {run.trigger.requestedBy ? <p className="muted small">requested by {String(run.trigger.requestedBy)} · params <span className="mono">{JSON.stringify(run.trigger.params ?? {})}</span></p> : null}
      <ProgressBar p={progress} status={run.status} />
      {Array.isArray(r.plan) ? (
        <>
          <h3>{r.applied ? 'Applied plan' : 'Dry-run plan (nothing was changed)'}</h3>
          <PlanTable plan={r.plan} />
        </>
      ) : null}
      {typeof r.artifactId === 'string' ? <p>Bundle: <ArtifactLink id={r.artifactId} /></p> : null}
      {taskId === 'rotate-ea-credential' && run.status === 'succeeded' && can('admin') ? <RotatedSecret runId={run.runId} /> : null}
      {typeof r.ok === 'boolean' ? (
        <p>{r.ok ? <Badge tone="ok">audit chain intact</Badge> : <Badge tone="bad">chain broken at row {String(r.firstBadId)}</Badge>} <span className="muted">{String(r.rows ?? '')} rows checked</span></p>
      ) : null}
      {run.result && !Array.isArray(r.plan) && typeof r.artifactId !== 'string' && typeof r.ok !== 'boolean' ? <pre className="json">{JSON.stringify(run.result, null, 2)}</pre> : null}
    </section>
  );
}
