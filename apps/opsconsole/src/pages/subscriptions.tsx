import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import { useAccountNames, useSubscriptions } from '../api/hooks';
import type { Subscription } from '../api/types';
import { Link, navigate } from '../router';
import { ActionButton, Badge, Dialog, PageHead } from '../ui/controls';
import { Empty, ErrorState, Loading, QueryView, errorText } from '../ui/states';
import { sizingSummary } from './subscription-draft';
import { SubscriptionForm } from './subscription-form';
import { SizingPreview } from './sizing-preview';

function usePauseResume() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (s: Subscription) => api.updateSubscription(s.id, { status: s.status === 'active' ? 'paused' : 'active' }),
    onSuccess: (s) => {
      qc.setQueryData(['subscription', s.id], s);
      void qc.invalidateQueries({ queryKey: ['subscriptions'] });
    },
  });
}

function SubscriptionDetail({ id }: { id: string }) {
  const q = useQuery({ queryKey: ['subscription', id], queryFn: () => api.subscription(id) });
  const name = useAccountNames();
  const toggle = usePauseResume();
  const [saved, setSaved] = useState(false);
  return (
    <QueryView q={q}>
      {(s) => (
        <div className="detail">
          <div className="detail-head">
            <div>
              <h2 className="detail-title">{name(s.masterAccountId)} → {name(s.followerAccountId)}</h2>
              <div className="muted mono">{s.id} · {sizingSummary(s.sizing)}{s.pausedReason ? ` · paused: ${s.pausedReason}` : ''}</div>
            </div>
            <div className="page-actions">
              <Badge tone={s.status === 'active' ? 'ok' : 'warn'}>{s.status}</Badge>
              <ActionButton role="operator" kind="ghost" onClick={() => toggle.mutate(s)} disabled={toggle.isPending}>{s.status === 'active' ? 'Pause' : 'Resume'}</ActionButton>
            </div>
          </div>
          {toggle.isError ? <p className="form-error" role="alert">{errorText(toggle.error)}</p> : null}
          <SizingPreview subscription={s} />
          <section className="panel">
            <h2>Copy settings {saved ? <span className="saved" role="status">Saved</span> : null}</h2>
            <SubscriptionForm key={s.updatedAt} subscription={s} onDone={() => { setSaved(true); setTimeout(() => setSaved(false), 2500); }} />
          </section>
        </div>
      )}
    </QueryView>
  );
}

export function SubscriptionsPage({ selected }: { selected?: string }) {
  const q = useSubscriptions();
  const name = useAccountNames();
  const toggle = usePauseResume();
  const [creating, setCreating] = useState(false);
  return (
    <div className="page">
      <PageHead title="Subscriptions" sub="Which follower copies which master, and how">
        <ActionButton role="operator" onClick={() => setCreating(true)}>New subscription</ActionButton>
      </PageHead>
      <div className={selected ? 'split' : ''}>
        <section className="panel panel-flush">
          {q.isPending ? <Loading /> : q.isError ? <ErrorState error={q.error} retry={() => void q.refetch()} /> : q.data.items.length === 0 ? (
            <Empty title="No subscriptions yet">Subscribe a follower account to a master to start copying.</Empty>
          ) : (
            <div className="table-wrap">
              <table className="table table-hover" aria-label="Subscriptions">
                <thead><tr><th>Master → follower</th><th>Sizing</th><th className="hide-sm">Guards</th><th>Status</th><th /></tr></thead>
                <tbody>
                  {q.data.items.map((s) => (
                    <tr key={s.id} className={s.id === selected ? 'selected' : ''} onClick={() => navigate(`/subscriptions/${encodeURIComponent(s.id)}`)}>
                      <td><Link to={`/subscriptions/${encodeURIComponent(s.id)}`}>{name(s.masterAccountId)} → {name(s.followerAccountId)}</Link></td>
                      <td className="mono">{sizingSummary(s.sizing)}{s.reverse ? ' · reversed' : ''}</td>
                      <td className="hide-sm small">{[s.maxLot !== null && `max ${s.maxLot} lots`, s.maxOpenPositions !== null && `≤ ${s.maxOpenPositions} pos`, s.stopOutEquity !== null && `stop-out ${s.stopOutEquity}`, s.dailyLossPercent !== null && `daily −${s.dailyLossPercent}%`].filter(Boolean).join(' · ') || '—'}</td>
                      <td><Badge tone={s.status === 'active' ? 'ok' : 'warn'}>{s.status}</Badge></td>
                      <td className="row-actions" onClick={(e) => e.stopPropagation()}>
                        <ActionButton role="operator" kind="ghost" className="btn btn-ghost btn-sm" onClick={() => toggle.mutate(s)} disabled={toggle.isPending}>{s.status === 'active' ? 'Pause' : 'Resume'}</ActionButton>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {toggle.isError ? <p className="form-error" role="alert">{errorText(toggle.error)}</p> : null}
        </section>
        {selected ? <SubscriptionDetail id={selected} /> : null}
      </div>
      {creating ? (
        <Dialog title="New subscription" onClose={() => setCreating(false)} wide>
          <SubscriptionForm onDone={(s) => { setCreating(false); navigate(`/subscriptions/${encodeURIComponent(s.id)}`); }} />
        </Dialog>
      ) : null}
    </div>
  );
}
