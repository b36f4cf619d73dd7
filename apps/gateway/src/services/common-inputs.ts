/**
 * The inputs every decision of a run shares — the master's side of the event and, for a fan-out
 * to followers with the same settings, those too — kept once on the run instead of in each of a
 * thousand decisions. Readers put them back: `{ ...common, ...decision.inputs }`.
 */
type WithInputs<D> = Omit<D, 'inputs'> & { inputs: Record<string, unknown> };

export function hoistCommonInputs<D extends { inputs: object }>(list: D[]): { common: Record<string, unknown>; decisions: Array<WithInputs<D>> } {
  const decisions = list as unknown as Array<WithInputs<D>>;
  if (decisions.length < 2) return { common: {}, decisions };
  const common: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(decisions[0]!.inputs)) {
    if (value !== null && typeof value === 'object') continue; // scalars only: compared exactly
    if (decisions.every((d) => Object.prototype.hasOwnProperty.call(d.inputs, key) && Object.is(d.inputs[key], value))) common[key] = value;
  }
  if (Object.keys(common).length === 0) return { common, decisions };
  return {
    common,
    decisions: decisions.map((d) => {
      const inputs: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(d.inputs)) if (!(k in common)) inputs[k] = v;
      return { ...d, inputs };
    }),
  };
}
