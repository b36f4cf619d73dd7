import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import type { Account, IssuedCredential } from '../api/types';
import { ActionButton, Badge, CopyButton, Dialog } from '../ui/controls';
import { utc } from '../ui/format';
import { errorText } from '../ui/states';

/** The secret, shown this once: closing the dialog forgets it for good. */
function SecretOnce({ issued, onClose }: { issued: IssuedCredential; onClose: () => void }) {
  return (
    <Dialog title="EA credential issued" onClose={onClose}>
      <p className="warn-text">Copy the secret now. It is shown once and cannot be shown again; if it is lost, issue a new credential and revoke this one.</p>
      <dl className="kv">
        <dt>Key id</dt>
        <dd className="mono secret-row"><span data-testid="issued-key-id" data-copy-source={issued.keyId}>{issued.keyId}</span> <CopyButton text={issued.keyId} /></dd>
        <dt>Secret</dt>
        <dd className="mono secret-row"><span className="secret" data-testid="issued-secret" data-copy-source={issued.secret}>{issued.secret}</span> <CopyButton text={issued.secret} label="Copy secret" /></dd>
      </dl>
      <p className="muted">Enter both in the EA's inputs (KeyId, Secret).</p>
      <div className="form-actions"><button type="button" className="btn btn-primary" onClick={onClose}>I have copied it</button></div>
    </Dialog>
  );
}

export function CredentialsPanel({ account }: { account: Account }) {
  const qc = useQueryClient();
  const [issued, setIssued] = useState<IssuedCredential | null>(null);
  const [confirmRevoke, setConfirmRevoke] = useState<string | null>(null);
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: ['accounts'] });
    void qc.invalidateQueries({ queryKey: ['account', account.id] });
  };
  const issue = useMutation({ mutationFn: () => api.issueCredential(account.id), onSuccess: (c) => { setIssued(c); refresh(); } });
  const revoke = useMutation({ mutationFn: (keyId: string) => api.revokeCredential(account.id, keyId), onSuccess: () => { setConfirmRevoke(null); refresh(); } });
  const creds = [...account.credentials].sort((a, b) => Number(!!a.revokedAt) - Number(!!b.revokedAt) || b.createdAt.localeCompare(a.createdAt));
  return (
    <section className="panel" aria-label="EA credentials">
      <div className="panel-head">
        <h2>EA credentials</h2>
        <ActionButton role="admin" kind="ghost" onClick={() => issue.mutate()} disabled={issue.isPending}>Issue credential</ActionButton>
      </div>
      {issue.isError ? <p className="form-error" role="alert">{errorText(issue.error)}</p> : null}
      {creds.length === 0 ? <p className="muted">No credential yet: the EA cannot connect until one is issued.</p> : (
        <table className="table table-compact">
          <thead><tr><th>Key id</th><th>Issued</th><th>Status</th><th /></tr></thead>
          <tbody>
            {creds.map((c) => (
              <tr key={c.keyId}>
                <td className="mono">{c.keyId}</td>
                <td className="mono">{utc(c.createdAt)}</td>
                <td>{c.revokedAt ? <Badge tone="mute" title={utc(c.revokedAt)}>revoked</Badge> : <Badge tone="ok">active</Badge>}</td>
                <td className="row-actions">
                  {!c.revokedAt ? (confirmRevoke === c.keyId ? (
                    <span className="confirm">
                      <span>EA using it disconnects at once.</span>
                      <ActionButton role="admin" kind="danger" onClick={() => revoke.mutate(c.keyId)} disabled={revoke.isPending}>Revoke now</ActionButton>
                      <button type="button" className="btn btn-ghost btn-sm" onClick={() => setConfirmRevoke(null)}>Keep</button>
                    </span>
                  ) : <ActionButton role="admin" kind="ghost" onClick={() => setConfirmRevoke(c.keyId)}>Revoke</ActionButton>) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {revoke.isError ? <p className="form-error" role="alert">{errorText(revoke.error)}</p> : null}
      {issued ? <SecretOnce issued={issued} onClose={() => setIssued(null)} /> : null}
    </section>
  );
}
