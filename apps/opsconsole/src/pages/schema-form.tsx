import type { ReactNode } from 'react';
import { useAccounts, useAccountNames, useSubscriptions } from '../api/hooks';
import type { JsonSchema } from '../api/types';
import { Field } from '../ui/controls';

/**
 * A form generated from a task's JSON Schema: one control per property, typed by the schema
 * (enum → select, boolean → checkbox, number → numeric input, date-time → date picker); ids of
 * accounts and subscriptions get pickers. Values are kept as the form's text and converted by
 * `readParams`, which also applies the schema's rules and names the field at fault.
 */
export type FormValues = Record<string, string | boolean>;

function typeOf(s: JsonSchema): string {
  if (s.enum) return 'enum';
  if (s.anyOf?.every((x) => x.const !== undefined)) return 'enum';
  const t = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  if (t === 'string' && s.format === 'date-time') return 'date-time';
  return t ?? 'string';
}

function options(s: JsonSchema): unknown[] {
  return s.enum ?? s.anyOf?.map((x) => x.const) ?? [];
}

export function initialValues(schema: JsonSchema, preset: Record<string, unknown> = {}): FormValues {
  const out: FormValues = {};
  for (const [k, p] of Object.entries(schema.properties ?? {})) {
    const v = preset[k] ?? p.default;
    out[k] = typeOf(p) === 'boolean' ? v === true : v === undefined || v === null ? '' : String(v);
  }
  return out;
}

/** `reopenClosedByHand` → `Reopen closed by hand`; `subscriptionId` → `Subscription`. */
const label = (k: string, s: JsonSchema) => s.title ?? k.replace(/Id$/, '').replace(/([A-Z])/g, ' $1').toLowerCase().replace(/^./, (c) => c.toUpperCase());

export function readParams(schema: JsonSchema, values: FormValues, skip: string[] = []): { params: Record<string, unknown>; errors: Record<string, string> } {
  const params: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  const required = new Set(schema.required ?? []);
  for (const [k, p] of Object.entries(schema.properties ?? {})) {
    if (skip.includes(k)) continue;
    const raw = values[k];
    const t = typeOf(p);
    if (t === 'boolean') {
      params[k] = raw === true;
      continue;
    }
    const text = typeof raw === 'string' ? raw.trim() : '';
    if (text === '') {
      if (required.has(k) && p.default === undefined) errors[k] = 'Required.';
      continue;
    }
    if (t === 'integer' || t === 'number') {
      const n = Number(text);
      if (!Number.isFinite(n) || (t === 'integer' && !Number.isInteger(n))) errors[k] = t === 'integer' ? 'A whole number.' : 'A number.';
      else if (p.minimum !== undefined && n < p.minimum) errors[k] = `At least ${p.minimum}.`;
      else if (p.maximum !== undefined && n > p.maximum) errors[k] = `At most ${p.maximum}.`;
      else if (p.exclusiveMinimum !== undefined && n <= p.exclusiveMinimum) errors[k] = `Above ${p.exclusiveMinimum}.`;
      params[k] = n;
    } else if (t === 'date-time') {
      const d = new Date(text);
      if (Number.isNaN(d.getTime())) errors[k] = 'A date and time.';
      else params[k] = d.toISOString();
    } else if (t === 'enum') {
      const hit = options(p).find((o) => String(o) === text);
      params[k] = hit ?? text;
    } else {
      if (p.minLength !== undefined && text.length < p.minLength) errors[k] = `At least ${p.minLength} characters.`;
      if (p.maxLength !== undefined && text.length > p.maxLength) errors[k] = `At most ${p.maxLength} characters.`;
      if (p.pattern && !new RegExp(p.pattern).test(text)) errors[k] = 'Not in the expected format.';
      params[k] = text;
    }
  }
  return { params, errors };
}

function IdPicker({ field, props, value, onChange }: { field: string; props: Record<string, unknown>; value: string; onChange: (v: string) => void }) {
  const accounts = useAccounts();
  const subs = useSubscriptions();
  const name = useAccountNames();
  const choices: Array<[string, string]> = field === 'subscriptionId'
    ? (subs.data?.items ?? []).map((s) => [s.id, `${name(s.masterAccountId)} → ${name(s.followerAccountId)}`])
    : (accounts.data?.items ?? []).filter((a) => field !== 'followerAccountId' || a.role === 'follower').map((a) => [a.id, `${a.name} (${a.role})`]);
  return (
    <select {...props} name={field} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">Choose…</option>
      {choices.map(([id, text]) => <option key={id} value={id}>{text}</option>)}
    </select>
  );
}

const ID_FIELDS = ['subscriptionId', 'accountId', 'followerAccountId'];

export function SchemaFields({ schema, values, onChange, errors, hide = [] }: {
  schema: JsonSchema; values: FormValues; onChange: (v: FormValues) => void; errors: Record<string, string>; hide?: string[];
}): ReactNode {
  const required = new Set(schema.required ?? []);
  const entries = Object.entries(schema.properties ?? {}).filter(([k]) => !hide.includes(k));
  if (entries.length === 0) return <p className="muted">This task takes no parameters.</p>;
  return (
    <div className="form-grid">
      {entries.map(([k, p]) => {
        const t = typeOf(p);
        const set = (v: string | boolean) => onChange({ ...values, [k]: v });
        const title = `${label(k, p)}${required.has(k) ? '' : ' (optional)'}`;
        if (t === 'boolean') {
          return (
            <label key={k} className="check">
              <input type="checkbox" name={k} checked={values[k] === true} onChange={(e) => set(e.target.checked)} />
              <span><span className="check-label">{title}</span>{p.description ? <span className="field-help">{p.description}</span> : null}</span>
            </label>
          );
        }
        const v = typeof values[k] === 'string' ? (values[k] as string) : '';
        return (
          <Field key={k} label={title} help={p.description} error={errors[k]}>
            {(props) => ID_FIELDS.includes(k) ? <IdPicker field={k} props={props} value={v} onChange={set} />
              : t === 'enum' ? (
                <select {...props} name={k} value={v} onChange={(e) => set(e.target.value)}>
                  {!required.has(k) ? <option value="">—</option> : null}
                  {options(p).map((o) => <option key={String(o)} value={String(o)}>{String(o)}</option>)}
                </select>
              ) : t === 'date-time' ? <input {...props} type="datetime-local" name={k} value={v} onChange={(e) => set(e.target.value)} />
                : <input {...props} name={k} value={v} inputMode={t === 'integer' || t === 'number' ? 'decimal' : undefined} placeholder={p.default !== undefined ? `default ${String(p.default)}` : undefined} onChange={(e) => set(e.target.value)} />}
          </Field>
        );
      })}
    </div>
  );
}
