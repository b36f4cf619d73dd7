import type { ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { ApiError } from '../api/client';

export function Loading({ label = 'Loading…', rows = 3 }: { label?: string; rows?: number }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="sr-only">{label}</span>
      {Array.from({ length: rows }, (_, i) => <div key={i} className="skeleton" style={{ width: `${90 - i * 15}%` }} />)}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <div className="state-title">{title}</div>
      {children ? <div className="state-body">{children}</div> : null}
    </div>
  );
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.notServed) return 'This server does not offer this yet (the endpoint is not served by the management API).';
    if (err.status === 403) return 'Your role does not allow this.';
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

export function ErrorState({ error, retry }: { error: unknown; retry?: () => void }) {
  const notServed = error instanceof ApiError && error.notServed;
  return (
    <div className={`state ${notServed ? 'state-empty' : 'state-error'}`} role="alert">
      <div className="state-title">{notServed ? 'Not available on this server' : 'Could not load'}</div>
      <div className="state-body">{errorText(error)}</div>
      {retry && !notServed ? <button type="button" className="btn btn-ghost" onClick={retry}>Try again</button> : null}
    </div>
  );
}

/** Loading, error and data states of one query in one place. */
export function QueryView<T>({ q, children, loading }: { q: UseQueryResult<T>; children: (data: T) => ReactNode; loading?: ReactNode }) {
  if (q.isPending) return <>{loading ?? <Loading />}</>;
  if (q.isError) return <ErrorState error={q.error} retry={() => void q.refetch()} />;
  return <>{children(q.data)}</>;
}
