import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import type { RunDetail, TaskDefinition } from '../api/types';
import { Link, navigate } from '../router';
import { useSession } from '../session';
import { Badge, PageHead } from '../ui/controls';
import { utc } from '../ui/format';
import { Empty, ErrorState, Loading, QueryView, errorText } from '../ui/states';
import { StatusBadge } from './run-badges';
import { SchemaFields, initialValues, readParams, type FormValues } from './schema-form';
import { PlanTable, ProgressBar, TaskResult, useTaskProgress } from './task-result';

function useRun(runId: string | null) {
  return useQuery({
    queryKey: ['run', runId],
    queryFn: () => api.run(runId!),
    enabled: !!runId,
    refetchInterval: (q) => (!q.state.data || q.state.data.status === 'running' ? 1000 : false),
  });
}

function RunningView({ runId, label }: { runId: string; label: string }) {
  const q = useRun(runId);
  const progress = useTaskProgress(q.data);
  return (
    <div className="task-run" data-testid="task-run" data-status={q.data?.status ?? 'pending'}>
      <div className="task-run-head">{label} <Link to={`/runs/${encodeURIComponent(runId)}`} className="mono small">{runId}</Link> {q.data ? <StatusBadge status={q.data.status} /> : null}</div>
      <ProgressBar p={progress} status={q.data?.status ?? 'running'} />
      {q.isError ? <ErrorState error={q.error} /> : null}
    </div>
  );
}

type Stage =
  | { at: 'form' }
  | { at: 'dry-run'; runId: string; params: Record<string, unknown> }
  | { at: 'confirm'; params: Record<string, unknown> }
  | { at: 'run'; runId: string };

/**
 * One task: its form, generated from the JSON Schema. A task with a dry run shows the plan
 * first and applies it only after an explicit confirmation; a dangerous one asks before running.
 */
function TaskPanel({ task }: { task: TaskDefinition }) {
  const qc = useQueryClient();
  const { can } = useSession();
  const hasDryRun = task.supportsDryRun && !!task.params.properties?.dryRun;
  const [values, setValues] = useState<FormValues>(() => initialValues(task.params));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [stage, setStage] = useState<Stage>({ at: 'form' });
  const dry = useRun(stage.at === 'dry-run' ? stage.runId : null);
  useEffect(() => {
    setValues(initialValues(task.params));
    setStage({ at: 'form' });
    setErrors({});
  }, [task]);
  const start = useMutation({
    mutationFn: (params: Record<string, unknown>) => api.runTask(task.id, params),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['runs'] }),
    onError: (e) => {
      const field = (e as { field?: string | null }).field?.replace(/^params\./, '');
      if (field) setErrors({ [field]: errorText(e) });
    },
  });
  const run = async (params: Record<string, unknown>, dryRun: boolean | null) => {
    const body = dryRun === null ? params : { ...params, dryRun };
    const { runId } = await start.mutateAsync(body);
    setStage(dryRun ? { at: 'dry-run', runId, params } : { at: 'run', runId });
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const { params, errors: errs } = readParams(task.params, values, hasDryRun ? ['dryRun'] : []);
    setErrors(errs);
    if (Object.keys(errs).length) return;
    if (hasDryRun) void run(params, true).catch(() => undefined);
    else if (task.dangerous) setStage({ at: 'confirm', params });
    else void run(params, null).catch(() => undefined);
  };
  const dryRun: RunDetail | undefined = dry.data;
  const plan = dryRun?.result?.plan;
  const busy = start.isPending;
  return (
    <section className="panel" aria-label={task.title}>
      <div className="panel-head">
        <h2>{task.title} {task.dangerous ? <Badge tone="bad">changes positions</Badge> : null} {hasDryRun ? <Badge tone="info">dry run first</Badge> : null}</h2>
        <span className="mono muted small">{task.id}</span>
      </div>
      <p className="task-desc">{task.description}</p>
      <form className="form" onSubmit={submit} noValidate aria-label={`Run ${task.title}`}>
        <fieldset className="bare" disabled={stage.at !== 'form' || !can('operator')}>
          <SchemaFields schema={task.params} values={values} onChange={setValues} errors={errors} hide={hasDryRun ? ['dryRun'] : []} />
        </fieldset>
        {start.isError && !Object.keys(errors).length ? <p className="form-error" role="alert">{errorText(start.error)}</p> : null}
        {can('operator') && stage.at === 'form' ? (
          <div className="form-actions">
            <button type="submit" className={`btn ${task.dangerous && !hasDryRun ? 'btn-danger' : 'btn-primary'}`} data-action="" disabled={busy}>
              {busy ? 'Starting…' : hasDryRun ? 'Preview plan (dry run)' : 'Run task'}
            </button>
          </div>
        ) : null}
      </form>
      {stage.at === 'confirm' ? (
        <div className="confirm-box" role="alertdialog" aria-label="Confirm task">
          <p><b>{task.title}</b> will act on live accounts with <span className="mono">{JSON.stringify(stage.params)}</span>. Run it?</p>
          <div className="form-actions">
            <button type="button" className="btn btn-danger" data-action="" autoFocus disabled={busy} onClick={() => void run(stage.params, null).catch(() => undefined)}>Yes, run it</button>
            <button type="button" className="btn btn-ghost" onClick={() => setStage({ at: 'form' })}>Cancel</button>
          </div>
        </div>
      ) : null}
      {stage.at === 'dry-run' ? (
        <div className="dry-run">
          <RunningView runId={stage.runId} label="Dry run" />
          {dryRun && dryRun.status !== 'running' ? (
            dryRun.status === 'failed' ? <p className="form-error" role="alert">The dry run failed: {String(dryRun.result?.error ?? dryRun.summary ?? '')}</p> : (
              <div className="plan-preview" data-testid="plan-preview">
                <h3>Plan preview <span className="muted">nothing has changed yet</span></h3>
                <PlanTable plan={plan ?? []} />
                <div className="form-actions">
                  {(plan?.length ?? 0) > 0 ? (
                    <button type="button" className="btn btn-danger" data-action="" disabled={busy} onClick={() => void run(stage.params, false).catch(() => undefined)}>
                      {plan!.length === 1 ? 'Apply 1 action' : `Apply these ${plan!.length} actions`}
                    </button>
                  ) : null}
                  <button type="button" className="btn btn-ghost" onClick={() => setStage({ at: 'form' })}>{(plan?.length ?? 0) > 0 ? 'Cancel' : 'Done'}</button>
                </div>
              </div>
            )
          ) : null}
        </div>
      ) : null}
      {stage.at === 'run' ? (
        <div>
          <RunningView runId={stage.runId} label="Run" />
          <RunOutcome runId={stage.runId} />
          <div className="form-actions"><button type="button" className="btn btn-ghost" onClick={() => setStage({ at: 'form' })}>Run again</button></div>
        </div>
      ) : null}
    </section>
  );
}

function RunOutcome({ runId }: { runId: string }) {
  const q = useRun(runId);
  if (!q.data || q.data.status === 'running') return null;
  return <TaskResult run={q.data} />;
}

function RecentTaskRuns() {
  const q = useQuery({ queryKey: ['runs', { kind: 'task' }], queryFn: () => api.runs({ kind: 'task', limit: 10 }), refetchInterval: 10_000 });
  return (
    <section className="panel panel-flush">
      <h2 className="panel-pad">Recent task runs</h2>
      <QueryView q={q}>
        {(page) => page.items.length === 0 ? <Empty title="No task has run yet" /> : (
          <table className="table table-compact table-hover">
            <tbody>
              {page.items.map((r) => (
                <tr key={r.runId} onClick={() => navigate(`/runs/${encodeURIComponent(r.runId)}`)}>
                  <td className="mono nowrap small">{utc(r.startedAt).slice(5)}</td>
                  <td><Link to={`/runs/${encodeURIComponent(r.runId)}`}>{r.taskId ?? r.summary}</Link></td>
                  <td><StatusBadge status={r.status} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryView>
    </section>
  );
}

export function TasksPage({ taskId }: { taskId?: string }) {
  const q = useQuery({ queryKey: ['tasks'], queryFn: api.tasks, staleTime: 60_000 });
  const selected = q.data?.items.find((t) => t.id === taskId) ?? q.data?.items[0];
  return (
    <div className="page">
      <PageHead title="Tasks" sub="Operational automations; every run is an audit run" />
      {q.isPending ? <Loading /> : q.isError ? <ErrorState error={q.error} retry={() => void q.refetch()} /> : q.data.items.length === 0 ? <Empty title="No tasks are offered" /> : (
        <div className="split split-nav">
          <nav className="panel panel-flush catalog" aria-label="Task catalog">
            <ul>
              {q.data.items.map((t) => (
                <li key={t.id}>
                  <Link to={`/tasks/${encodeURIComponent(t.id)}`} className={t.id === selected?.id ? 'catalog-item active' : 'catalog-item'} aria-current={t.id === selected?.id ? 'page' : undefined}>
                    <span className="catalog-title">{t.title}</span>
                    <span className="catalog-desc">{t.description}</span>
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <div className="stack">
            {selected ? <TaskPanel key={selected.id} task={selected} /> : null}
            <RecentTaskRuns />
          </div>
        </div>
      )}
    </div>
  );
}
