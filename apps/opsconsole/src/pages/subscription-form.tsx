import { useState, type FormEvent, type ReactNode } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../api/client';
import { useAccounts } from '../api/hooks';
import type { Subscription } from '../api/types';
import { useSession } from '../session';
import { Field } from '../ui/controls';
import { errorText } from '../ui/states';
import { SIZING_MODES, draftFrom, toCreateBody, toSettings, type SubscriptionDraft } from './subscription-draft';

function Check({ label, help, checked, onChange, name, disabled }: { label: string; help: string; checked: boolean; onChange: (v: boolean) => void; name: string; disabled: boolean }) {
  return (
    <label className="check">
      <input type="checkbox" name={name} checked={checked} onChange={(e) => onChange(e.target.checked)} disabled={disabled} />
      <span><span className="check-label">{label}</span><span className="field-help">{help}</span></span>
    </label>
  );
}

function Group({ title, children }: { title: string; children: ReactNode }) {
  return <fieldset className="group"><legend>{title}</legend><div className="form-grid">{children}</div></fieldset>;
}

/** Create or edit a subscription: every copy setting, each with its help text and its rule. */
export function SubscriptionForm({ subscription, onDone }: { subscription?: Subscription; onDone: (s: Subscription) => void }) {
  const qc = useQueryClient();
  const { can } = useSession();
  const readOnly = !can('operator');
  const accounts = useAccounts();
  const [d, setD] = useState<SubscriptionDraft>(() => draftFrom(subscription));
  const [touched, setTouched] = useState(false);
  const [server, setServer] = useState<{ field: string | null; message: string } | null>(null);
  const { errors, settings } = toSettings(d);
  if (!subscription) {
    if (!d.masterAccountId) errors.masterAccountId = 'Pick the master to copy.';
    if (!d.followerAccountId) errors.followerAccountId = 'Pick the follower that copies.';
  }
  const save = useMutation({
    mutationFn: () => (subscription ? api.updateSubscription(subscription.id, settings) : api.createSubscription(toCreateBody(d, settings))),
    onSuccess: (s) => {
      qc.setQueryData(['subscription', s.id], s);
      void qc.invalidateQueries({ queryKey: ['subscriptions'] });
      void qc.invalidateQueries({ queryKey: ['accounts'] });
      setTouched(false);
      onDone(s);
    },
    onError: (e) => setServer({ field: e instanceof ApiError ? e.field : null, message: errorText(e) }),
  });
  const err = (f: string) => (touched ? errors[f] : undefined) ?? (server?.field && (server.field === f || server.field.startsWith(`${f}.`)) ? server.message : undefined);
  const set = <K extends keyof SubscriptionDraft>(k: K, v: SubscriptionDraft[K]) => setD((x) => ({ ...x, [k]: v }));
  const text = (k: keyof SubscriptionDraft) => (e: { target: { value: string } }) => set(k, e.target.value as never);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    setServer(null);
    if (Object.keys(errors).length === 0) save.mutate();
  };
  const masters = accounts.data?.items.filter((a) => a.role === 'master') ?? [];
  const followers = accounts.data?.items.filter((a) => a.role === 'follower') ?? [];
  const mode = SIZING_MODES.find((m) => m.mode === d.sizingMode)!;
  const serverFieldShown = server?.field && ['masterAccountId', 'followerAccountId', 'sizing', 'symbolMap', 'symbols.allow', 'symbols.deny', 'maxLot', 'maxOpenPositions', 'maxSignalAgeMs', 'maxDeviation', 'dailyLossPercent', 'stopOutEquity']
    .some((f) => server.field === f || server.field!.startsWith(`${f}.`));
  return (
    <form className="form" onSubmit={submit} noValidate aria-label={subscription ? 'Edit subscription' : 'New subscription'}>
      <fieldset disabled={readOnly} className="bare">
        {!subscription ? (
          <Group title="Who copies whom">
            <Field label="Master" error={err('masterAccountId')} help="The account whose trades are copied.">
              {(p) => (
                <select {...p} name="masterAccountId" value={d.masterAccountId} onChange={text('masterAccountId')}>
                  <option value="">Choose a master…</option>
                  {masters.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
                </select>
              )}
            </Field>
            <Field label="Follower" error={err('followerAccountId')} help="The account that opens the copies. One subscription per pair.">
              {(p) => (
                <select {...p} name="followerAccountId" value={d.followerAccountId} onChange={text('followerAccountId')}>
                  <option value="">Choose a follower…</option>
                  {followers.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
                </select>
              )}
            </Field>
          </Group>
        ) : null}
        <Group title="Sizing">
          <Field label="Mode" help={mode.help}>
            {(p) => (
              <select {...p} name="sizingMode" value={d.sizingMode} onChange={text('sizingMode')}>
                {SIZING_MODES.map((m) => <option key={m.mode} value={m.mode}>{m.label}</option>)}
              </select>
            )}
          </Field>
          <Field label={mode.param} error={err('sizing')} help="Volumes are rounded down to the follower symbol's lot step.">
            {(p) => <input {...p} name="sizingValue" inputMode="decimal" value={d.sizingValue} onChange={text('sizingValue')} />}
          </Field>
          <Field label="Below the minimum lot" help="What to do when the sized volume is under the symbol's minimum.">
            {(p) => (
              <select {...p} name="minVolume" value={d.minVolume} onChange={text('minVolume')}>
                <option value="skip">skip the copy</option>
                <option value="round_up">round up to the minimum</option>
              </select>
            )}
          </Field>
          <Field label="Max lot per copy" error={err('maxLot')} help="Caps every copy's volume. Empty: no cap.">
            {(p) => <input {...p} name="maxLot" inputMode="decimal" placeholder="no cap" value={d.maxLot} onChange={text('maxLot')} />}
          </Field>
        </Group>
        <Group title="What is copied">
          <Field label="Direction" help="Copy both sides, or only buys or only sells.">
            {(p) => (
              <select {...p} name="direction" value={d.direction} onChange={text('direction')}>
                <option value="both">both</option>
                <option value="long_only">long only</option>
                <option value="short_only">short only</option>
              </select>
            )}
          </Field>
          <Field label="Symbol map" error={err('symbolMap')} wide help="One per line, MASTER=FOLLOWER (e.g. XAUUSD=GOLD). Prefixes and suffixes of each account are handled already.">
            {(p) => <textarea {...p} name="symbolMap" rows={3} value={d.symbolMap} onChange={text('symbolMap')} placeholder="XAUUSD=GOLD" />}
          </Field>
          <Field label="Only these symbols" error={err('symbols.allow')} help="Comma separated; * wildcards (EUR*). Empty: all symbols.">
            {(p) => <input {...p} name="allow" value={d.allow} onChange={text('allow')} placeholder="all symbols" />}
          </Field>
          <Field label="Never these symbols" error={err('symbols.deny')} help="Comma separated; wins over the allow list.">
            {(p) => <input {...p} name="deny" value={d.deny} onChange={text('deny')} placeholder="none" />}
          </Field>
          <div className="checks field-wide">
            <Check name="reverse" label="Reverse" help="Buy when the master sells; SL and TP swap." checked={d.reverse} onChange={(v) => set('reverse', v)} disabled={readOnly} />
            <Check name="copySl" label="Copy stop loss" help="Off: copies open without the master's SL." checked={d.copySl} onChange={(v) => set('copySl', v)} disabled={readOnly} />
            <Check name="copyTp" label="Copy take profit" help="Off: copies open without the master's TP." checked={d.copyTp} onChange={(v) => set('copyTp', v)} disabled={readOnly} />
            <Check name="copyPending" label="Copy pending orders" help="Off: only market positions are copied." checked={d.copyPending} onChange={(v) => set('copyPending', v)} disabled={readOnly} />
          </div>
        </Group>
        <Group title="Risk guards">
          <Field label="Max open positions" error={err('maxOpenPositions')} help="New opens are skipped at this many copies. Empty: no limit.">
            {(p) => <input {...p} name="maxOpenPositions" inputMode="numeric" placeholder="no limit" value={d.maxOpenPositions} onChange={text('maxOpenPositions')} />}
          </Field>
          <Field label="Max signal age (ms)" error={err('maxSignalAgeMs')} help="An open older than this is skipped as stale. Default 30000.">
            {(p) => <input {...p} name="maxSignalAgeMs" inputMode="numeric" value={d.maxSignalAgeMs} onChange={text('maxSignalAgeMs')} />}
          </Field>
          <Field label="Max price deviation" error={err('maxDeviation')} help="In price units: the follower EA refuses a fill further than this from the master's price. Empty: any.">
            {(p) => <input {...p} name="maxDeviation" inputMode="decimal" placeholder="any" value={d.maxDeviation} onChange={text('maxDeviation')} />}
          </Field>
          <Field label="Daily loss limit (%)" error={err('dailyLossPercent')} help="No new opens once equity is this % below the day's start. Empty: off.">
            {(p) => <input {...p} name="dailyLossPercent" inputMode="decimal" placeholder="off" value={d.dailyLossPercent} onChange={text('dailyLossPercent')} />}
          </Field>
          <Field label="Stop-out equity" error={err('stopOutEquity')} help="At or below this equity every copy is closed and the subscription pauses. Empty: off.">
            {(p) => <input {...p} name="stopOutEquity" inputMode="decimal" placeholder="off" value={d.stopOutEquity} onChange={text('stopOutEquity')} />}
          </Field>
        </Group>
        <Group title="State">
          <div className="checks field-wide">
            <Check name="openMissing" label="Resync opens missing copies" help="When resyncing, open copies of master positions the follower lacks (off: only close extras)." checked={d.openMissing} onChange={(v) => set('openMissing', v)} disabled={readOnly} />
            <Check name="active" label="Active" help="Paused: no new opens; closes and modifications still follow the master." checked={d.status === 'active'} onChange={(v) => set('status', v ? 'active' : 'paused')} disabled={readOnly} />
          </div>
        </Group>
      </fieldset>
      {server && !serverFieldShown ? <p className="form-error" role="alert">{server.message}</p> : null}
      {touched && Object.keys(errors).length > 0 ? <p className="form-error" role="alert">Fix the fields marked above.</p> : null}
      {!readOnly ? (
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" data-action="" disabled={save.isPending}>{save.isPending ? 'Saving…' : subscription ? 'Save settings' : 'Create subscription'}</button>
        </div>
      ) : null}
    </form>
  );
}
