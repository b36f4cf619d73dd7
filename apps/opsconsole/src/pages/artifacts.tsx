import { useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import { useAccountNames } from '../api/hooks';
import type { Artifact, ArtifactKind } from '../api/types';
import { PageHead } from '../ui/controls';
import { bytes, utc } from '../ui/format';
import { Empty, ErrorState, Loading, errorText } from '../ui/states';

const KINDS: Array<[ArtifactKind | '', string]> = [['', 'all'], ['ea_log', 'EA logs'], ['audit_bundle', 'audit bundles'], ['report', 'reports']];

export function ArtifactsPage() {
  const [kind, setKind] = useState<ArtifactKind | ''>('');
  const q = useQuery({ queryKey: ['artifacts', kind], queryFn: () => api.artifacts({ kind }) });
  const name = useAccountNames();
  const dl = useMutation({ mutationFn: (a: Artifact) => api.downloadArtifact(a) });
  return (
    <div className="page">
      <PageHead title="Artifacts" sub="EA logs and audit bundles, kept in blob storage">
        <div className="segmented" role="group" aria-label="Filter by kind">
          {KINDS.map(([k, label]) => <button key={k} type="button" className={kind === k ? 'seg active' : 'seg'} aria-pressed={kind === k} onClick={() => setKind(k)}>{label}</button>)}
        </div>
      </PageHead>
      {dl.isError ? <p className="form-error" role="alert">{errorText(dl.error)}</p> : null}
      <section className="panel panel-flush">
        {q.isPending ? <Loading /> : q.isError ? <ErrorState error={q.error} retry={() => void q.refetch()} /> : q.data.items.length === 0 ? (
          <Empty title="No artifacts">EAs upload their logs on request; the export-audit-bundle task writes bundles here.</Empty>
        ) : (
          <div className="table-wrap">
            <table className="table" aria-label="Artifacts">
              <thead><tr><th>Name</th><th>Kind</th><th className="hide-sm">Account</th><th className="num">Size</th><th className="hide-sm">Created (UTC)</th><th /></tr></thead>
              <tbody>
                {q.data.items.map((a) => (
                  <tr key={a.id}>
                    <td className="mono">{a.name}</td>
                    <td>{a.kind.replace('_', ' ')}</td>
                    <td className="hide-sm">{a.accountId ? name(a.accountId) : '—'}</td>
                    <td className="num">{bytes(a.size)}</td>
                    <td className="mono hide-sm">{utc(a.createdAt)}</td>
                    <td className="row-actions"><button type="button" className="btn btn-ghost btn-sm" onClick={() => dl.mutate(a)} disabled={dl.isPending}>Download</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
