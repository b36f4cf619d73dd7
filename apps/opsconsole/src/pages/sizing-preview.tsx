import { useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { api } from '../api/client';
import type { Subscription } from '../api/types';
import { Badge, Field } from '../ui/controls';
import { code, lots } from '../ui/format';
import { errorText } from '../ui/states';
import { InputsTable } from './inputs-table';

/** "For a master trade of X lots on SYMBOL this follower would get … because …" — the engine decides. */
export function SizingPreview({ subscription }: { subscription: Subscription }) {
  const [t, setT] = useState({ symbol: 'EURUSD', side: 'buy' as 'buy' | 'sell', volume: '1', price: '1.1', sl: '' });
  const [problem, setProblem] = useState<string | null>(null);
  const preview = useMutation({
    mutationFn: () => api.preview(subscription.id, {
      symbol: t.symbol.trim(), side: t.side, volume: Number(t.volume), price: Number(t.price), ...(t.sl.trim() ? { sl: Number(t.sl) } : {}),
    }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const v = Number(t.volume);
    const p = Number(t.price);
    if (!t.symbol.trim()) return setProblem('Symbol: which master symbol?');
    if (!(v > 0)) return setProblem('Volume: lots above zero.');
    if (!(p > 0)) return setProblem('Price: above zero.');
    if (t.sl.trim() && !(Number(t.sl) > 0)) return setProblem('Stop loss: a price above zero, or empty.');
    setProblem(null);
    preview.mutate();
  };
  const d = preview.data?.decision;
  return (
    <section className="panel" aria-label="Sizing preview">
      <h2>Sizing preview <span className="muted">what the engine would do now, with the follower's last known state</span></h2>
      <form className="form form-inline" onSubmit={submit} noValidate>
        <Field label="Symbol">{(p) => <input {...p} name="symbol" value={t.symbol} onChange={(e) => setT({ ...t, symbol: e.target.value })} />}</Field>
        <Field label="Side">
          {(p) => (
            <select {...p} name="side" value={t.side} onChange={(e) => setT({ ...t, side: e.target.value as 'buy' | 'sell' })}>
              <option value="buy">buy</option><option value="sell">sell</option>
            </select>
          )}
        </Field>
        <Field label="Lots">{(p) => <input {...p} name="volume" inputMode="decimal" value={t.volume} onChange={(e) => setT({ ...t, volume: e.target.value })} />}</Field>
        <Field label="Price">{(p) => <input {...p} name="price" inputMode="decimal" value={t.price} onChange={(e) => setT({ ...t, price: e.target.value })} />}</Field>
        <Field label="Stop loss">{(p) => <input {...p} name="sl" inputMode="decimal" placeholder="none" value={t.sl} onChange={(e) => setT({ ...t, sl: e.target.value })} />}</Field>
        <div className="form-actions"><button type="submit" className="btn btn-ghost" disabled={preview.isPending}>{preview.isPending ? 'Computing…' : 'Preview'}</button></div>
      </form>
      {problem ? <p className="form-error" role="alert">{problem}</p> : null}
      {preview.isError ? <p className="form-error" role="alert">{errorText(preview.error)}</p> : null}
      {d && preview.data ? (
        <div className="preview-result" data-testid="preview-result">
          <p className="preview-sentence">
            For a master {t.side} of <b>{t.volume}</b> lots on <b>{t.symbol}</b> this follower would get{' '}
            {d.outcome === 'copied' ? <Badge tone="ok">{lots(d.volume)} lots</Badge> : <Badge tone="warn">nothing: {code(d.reason)}</Badge>}
          </p>
          <p className="muted">{preview.data.explanation}</p>
          {d.notes.length ? <p>{d.notes.map((n) => <Badge key={n} tone="info">{code(n)}</Badge>)}</p> : null}
          <InputsTable inputs={d.inputs as unknown as Record<string, unknown>} />
        </div>
      ) : null}
    </section>
  );
}
