/** A decision's inputs as a compact key/value grid (the engine records only the ones that applied). */
export function InputsTable({ inputs }: { inputs: Record<string, unknown> | undefined }) {
  const entries = Object.entries(inputs ?? {}).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return null;
  return (
    <dl className="inputs">
      {entries.map(([k, v]) => (
        <div key={k} className="inputs-row">
          <dt>{k}</dt>
          <dd className="mono">{v === null ? 'null' : typeof v === 'object' ? JSON.stringify(v) : String(v)}</dd>
        </div>
      ))}
    </dl>
  );
}
