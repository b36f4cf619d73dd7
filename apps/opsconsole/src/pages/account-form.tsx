import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../api/client';
import type { Account, AccountCreate } from '../api/types';
import { Field } from '../ui/controls';
import { errorText } from '../ui/states';

interface Draft { name: string; role: Account['role']; platform: Account['platform']; brokerName: string; brokerServer: string; login: string; symbolPrefix: string; symbolSuffix: string }

const NO_SPACE = /^\S*$/;

/** The API's rules, checked as the operator types; the API checks them again. */
function validate(d: Draft): Record<string, string> {
  const e: Record<string, string> = {};
  if (!d.name.trim()) e.name = 'Give the account a name operators will recognise.';
  else if (d.name.length > 128) e.name = 'At most 128 characters.';
  if (!d.brokerName.trim()) e['broker.name'] = 'The broker, as in the terminal.';
  if (!d.brokerServer.trim()) e['broker.server'] = 'The trade server, as in the terminal.';
  if (!d.login.trim()) e.login = 'The MetaTrader account number.';
  else if (!NO_SPACE.test(d.login) || d.login.length > 32) e.login = 'No spaces, at most 32 characters.';
  if (!NO_SPACE.test(d.symbolPrefix) || d.symbolPrefix.length > 16) e.symbolPrefix = 'No spaces, at most 16 characters.';
  if (!NO_SPACE.test(d.symbolSuffix) || d.symbolSuffix.length > 16) e.symbolSuffix = 'No spaces, at most 16 characters.';
  return e;
}

export function AccountForm({ account, onDone }: { account?: Account; onDone: (a: Account) => void }) {
  const qc = useQueryClient();
  const [d, setD] = useState<Draft>(() => ({
    name: account?.name ?? '', role: account?.role ?? 'follower', platform: account?.platform ?? 'mt5',
    brokerName: account?.broker.name ?? '', brokerServer: account?.broker.server ?? '', login: account?.login ?? '',
    symbolPrefix: account?.symbolPrefix ?? '', symbolSuffix: account?.symbolSuffix ?? '',
  }));
  const [touched, setTouched] = useState(false);
  const [serverField, setServerField] = useState<{ field: string | null; message: string } | null>(null);
  const errors = validate(d);
  const save = useMutation({
    mutationFn: async () => {
      const body: AccountCreate = {
        name: d.name.trim(), role: d.role, platform: d.platform, broker: { name: d.brokerName.trim(), server: d.brokerServer.trim() },
        login: d.login.trim(), symbolPrefix: d.symbolPrefix, symbolSuffix: d.symbolSuffix,
      };
      if (!account) return api.createAccount(body);
      const { role: _role, platform: _platform, ...patch } = body;
      return api.updateAccount(account.id, patch);
    },
    onSuccess: (a) => {
      void qc.invalidateQueries({ queryKey: ['accounts'] });
      qc.setQueryData(['account', a.id], a);
      onDone(a);
    },
    onError: (e) => setServerField({ field: e instanceof ApiError ? e.field : null, message: errorText(e) }),
  });
  const err = (f: string) => (touched ? errors[f] : undefined) ?? (serverField?.field === f ? serverField.message : undefined);
  const set = (k: keyof Draft) => (e: { target: { value: string } }) => setD({ ...d, [k]: e.target.value });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    setServerField(null);
    if (Object.keys(errors).length === 0) save.mutate();
  };
  return (
    <form className="form" onSubmit={submit} noValidate aria-label={account ? 'Edit account' : 'New account'}>
      <div className="form-grid">
        <Field label="Name" error={err('name')} help="Shown everywhere in the console.">
          {(p) => <input {...p} name="name" value={d.name} onChange={set('name')} autoComplete="off" />}
        </Field>
        <Field label="Role" help={account ? 'Fixed once created.' : 'A master is copied; a follower copies.'} error={err('role')}>
          {(p) => (
            <select {...p} name="role" value={d.role} onChange={set('role')} disabled={!!account}>
              <option value="master">master</option>
              <option value="follower">follower</option>
            </select>
          )}
        </Field>
        <Field label="Platform" help={account ? 'Fixed once created.' : undefined} error={err('platform')}>
          {(p) => (
            <select {...p} name="platform" value={d.platform} onChange={set('platform')} disabled={!!account}>
              <option value="mt5">MetaTrader 5</option>
              <option value="mt4">MetaTrader 4</option>
            </select>
          )}
        </Field>
        <Field label="Login" error={err('login')} help="The MetaTrader account number.">
          {(p) => <input {...p} name="login" value={d.login} onChange={set('login')} inputMode="numeric" autoComplete="off" />}
        </Field>
        <Field label="Broker" error={err('broker.name')}>
          {(p) => <input {...p} name="brokerName" value={d.brokerName} onChange={set('brokerName')} autoComplete="off" />}
        </Field>
        <Field label="Server" error={err('broker.server')}>
          {(p) => <input {...p} name="brokerServer" value={d.brokerServer} onChange={set('brokerServer')} autoComplete="off" />}
        </Field>
        <Field label="Symbol prefix" error={err('symbolPrefix')} help="Stripped from this broker's symbol names (e.g. m. for m.EURUSD).">
          {(p) => <input {...p} name="symbolPrefix" value={d.symbolPrefix} onChange={set('symbolPrefix')} autoComplete="off" />}
        </Field>
        <Field label="Symbol suffix" error={err('symbolSuffix')} help="Stripped from symbol names (e.g. .r for EURUSD.r).">
          {(p) => <input {...p} name="symbolSuffix" value={d.symbolSuffix} onChange={set('symbolSuffix')} autoComplete="off" />}
        </Field>
      </div>
      {serverField && !serverField.field ? <p className="form-error" role="alert">{serverField.message}</p> : null}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" data-action="" disabled={save.isPending}>{save.isPending ? 'Saving…' : account ? 'Save changes' : 'Create account'}</button>
      </div>
    </form>
  );
}
