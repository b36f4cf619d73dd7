import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import { useAccounts, useSubscriptions } from '../api/hooks';
import type { Account } from '../api/types';
import { Link, navigate } from '../router';
import { ActionButton, Badge, Dialog, Dot, PageHead } from '../ui/controls';
import { ago, num } from '../ui/format';
import { Empty, ErrorState, Loading, QueryView, errorText } from '../ui/states';
import { useNow } from '../ui/use-now';
import { AccountForm } from './account-form';
import { CredentialsPanel } from './credentials-panel';

type RoleFilter = '' | Account['role'];

function AccountDetail({ id }: { id: string }) {
  const qc = useQueryClient();
  const q = useQuery({ queryKey: ['account', id], queryFn: () => api.account(id) });
  const subs = useSubscriptions();
  const { data: accounts } = useAccounts();
  const [editing, setEditing] = useState(false);
  const now = useNow();
  const toggle = useMutation({
    mutationFn: (a: Account) => api.updateAccount(a.id, { status: a.status === 'active' ? 'disabled' : 'active' }),
    onSuccess: (a) => { qc.setQueryData(['account', a.id], a); void qc.invalidateQueries({ queryKey: ['accounts'] }); },
  });
  const name = (aid: string) => accounts?.items.find((a) => a.id === aid)?.name ?? aid;
  return (
    <QueryView q={q}>
      {(a) => (
        <div className="detail" aria-label={`Account ${a.name}`}>
          <div className="detail-head">
            <div>
              <h2 className="detail-title"><Dot on={a.connectivity.online} /> {a.name}</h2>
              <div className="muted mono">{a.id} · {a.platform.toUpperCase()} · {a.broker.name} / {a.broker.server} · login {a.login}</div>
            </div>
            <div className="page-actions">
              <ActionButton role="admin" kind="ghost" onClick={() => setEditing(true)}>Edit</ActionButton>
              <ActionButton role="admin" kind={a.status === 'active' ? 'danger' : 'ghost'} onClick={() => toggle.mutate(a)} disabled={toggle.isPending}>
                {a.status === 'active' ? 'Disable' : 'Enable'}
              </ActionButton>
            </div>
          </div>
          {toggle.isError ? <p className="form-error" role="alert">{errorText(toggle.error)}</p> : null}
          <div className="tiles tiles-sm">
            <div className="tile"><div className="tile-value">{a.connectivity.online ? 'online' : 'offline'}</div><div className="tile-label">heartbeat {ago(a.connectivity.lastHeartbeatAt, now)}</div></div>
            <div className="tile"><div className="tile-value num">{num(a.balance)}</div><div className="tile-label">balance {a.currency ?? ''}</div></div>
            <div className="tile"><div className="tile-value num">{num(a.equity)}</div><div className="tile-label">equity {a.currency ?? ''}</div></div>
            <div className="tile"><div className="tile-value">{a.status}</div><div className="tile-label">status</div></div>
          </div>
          <section className="panel">
            <h2>Subscriptions</h2>
            {a.subscriptions.length === 0 ? <p className="muted">{a.role === 'master' ? 'Nobody copies this master yet.' : 'This follower copies nobody yet.'}</p> : (
              <ul className="plain-list">
                {a.subscriptions.map((sid) => {
                  const s = subs.data?.items.find((x) => x.id === sid);
                  return (
                    <li key={sid}>
                      <Link to={`/subscriptions/${encodeURIComponent(sid)}`}>{s ? `${name(s.masterAccountId)} → ${name(s.followerAccountId)}` : sid}</Link>
                      {s ? <> <Badge tone={s.status === 'active' ? 'ok' : 'warn'}>{s.status}</Badge></> : null}
                    </li>
                  );
                })}
              </ul>
            )}
          </section>
          <CredentialsPanel account={a} />
          {editing ? <Dialog title={`Edit ${a.name}`} onClose={() => setEditing(false)} wide><AccountForm account={a} onDone={() => setEditing(false)} /></Dialog> : null}
        </div>
      )}
    </QueryView>
  );
}

export function AccountsPage({ selected }: { selected?: string }) {
  const q = useAccounts();
  const [role, setRole] = useState<RoleFilter>('');
  const [creating, setCreating] = useState(false);
  const now = useNow();
  const items = (q.data?.items ?? []).filter((a) => !role || a.role === role);
  return (
    <div className="page">
      <PageHead title="Accounts" sub="Masters and followers, as their EAs report them">
        <div className="segmented" role="group" aria-label="Filter by role">
          {(['', 'master', 'follower'] as const).map((r) => (
            <button key={r} type="button" className={role === r ? 'seg active' : 'seg'} aria-pressed={role === r} onClick={() => setRole(r)}>{r || 'all'}</button>
          ))}
        </div>
        <ActionButton role="admin" onClick={() => setCreating(true)}>New account</ActionButton>
      </PageHead>
      <div className={selected ? 'split' : ''}>
        <section className="panel panel-flush">
          {q.isPending ? <Loading /> : q.isError ? <ErrorState error={q.error} retry={() => void q.refetch()} /> : items.length === 0 ? (
            <Empty title={role ? `No ${role} accounts` : 'No accounts yet'}>Create a master and a follower, issue each an EA credential, then subscribe the follower to the master.</Empty>
          ) : (
            <div className="table-wrap">
              <table className="table table-hover" aria-label="Accounts">
                <thead>
                  <tr><th>Account</th><th>Role</th><th>Connectivity</th><th className="num">Balance</th><th className="num hide-sm">Equity</th><th className="num hide-sm">Subs</th><th className="hide-sm">Status</th></tr>
                </thead>
                <tbody>
                  {items.map((a) => (
                    <tr key={a.id} className={a.id === selected ? 'selected' : ''} onClick={() => navigate(`/accounts/${encodeURIComponent(a.id)}`)}>
                      <td><Link to={`/accounts/${encodeURIComponent(a.id)}`}>{a.name}</Link><div className="muted small mono hide-sm">{a.broker.name} · {a.login}</div></td>
                      <td><Badge tone={a.role === 'master' ? 'info' : 'mute'}>{a.role}</Badge></td>
                      <td><Dot on={a.connectivity.online} /> <span className="small">{a.connectivity.online ? 'online' : `offline · ${ago(a.connectivity.lastHeartbeatAt, now)}`}</span></td>
                      <td className="num">{num(a.balance)}</td>
                      <td className="num hide-sm">{num(a.equity)}</td>
                      <td className="num hide-sm">{a.subscriptions.length}</td>
                      <td className="hide-sm">{a.status === 'active' ? <Badge tone="ok">active</Badge> : <Badge tone="bad">disabled</Badge>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
        {selected ? <AccountDetail id={selected} /> : null}
      </div>
      {creating ? (
        <Dialog title="New account" onClose={() => setCreating(false)} wide>
          <AccountForm onDone={(a) => { setCreating(false); navigate(`/accounts/${encodeURIComponent(a.id)}`); }} />
        </Dialog>
      ) : null}
    </div>
  );
}
