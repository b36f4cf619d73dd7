/**
 * The inputs every decision of a run shares — the master's side of the event and, for a fan-out
 * to followers with the same settings, those too — kept once on the run (`trigger.decisionInputs`)
 * instead of in each of a thousand decisions. Readers put them back with `withSharedInputs`.
 */
type WithInputs<D> = Omit<D, 'inputs'> & { inputs: Record<string, unknown> };

export function hoistCommonInputs<D extends { inputs: object }>(list: D[]): { common: Record<string, unknown>; decisions: Array<WithInputs<D>> } {
  const decisions = list as unknown as Array<WithInputs<D>>;
  if (decisions.length < 2) return { common: {}, decisions };
  // Plain loops: this runs over a fan-out's thousand decisions inside the signal's transaction.
  const first = decisions[0]!.inputs;
  let keys = Object.keys(first).filter((k) => first[k] === null || typeof first[k] !== 'object'); // scalars only: compared exactly
  for (let i = 1; i < decisions.length && keys.length > 0; i++) {
    const inputs = decisions[i]!.inputs;
    keys = keys.filter((k) => Object.is(inputs[k], first[k]) && (inputs[k] !== undefined || Object.prototype.hasOwnProperty.call(inputs, k)));
  }
  if (keys.length === 0) return { common: {}, decisions };
  const common: Record<string, unknown> = {};
  for (const k of keys) common[k] = first[k];
  const shared = new Set(keys);
  return {
    common,
    decisions: decisions.map((d) => {
      const inputs: Record<string, unknown> = {};
      for (const k in d.inputs) if (!shared.has(k)) inputs[k] = d.inputs[k];
      return { ...d, inputs };
    }),
  };
}

/**
 * A stored run's decisions with their whole inputs again: the shared ones (on the trigger) merged
 * under each decision's own. Runs stored before sharing, or of one decision, come back as stored.
 */
export function withSharedInputs(trigger: unknown, decisions: unknown): Array<Record<string, unknown>> {
  const list = (Array.isArray(decisions) ? decisions : []) as Array<Record<string, unknown>>;
  const shared = (trigger as { decisionInputs?: unknown } | null)?.decisionInputs;
  if (!shared || typeof shared !== 'object') return list;
  return list.map((d) => ({ ...d, inputs: { ...(shared as Record<string, unknown>), ...((d.inputs ?? {}) as Record<string, unknown>) } }));
}
