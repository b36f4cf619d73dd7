/**
 * The inputs every decision of a run shares — the master's side of the event and, for a fan-out
 * to followers with the same settings, those too — kept once on the run (`trigger.decisionInputs`)
 * instead of in each of a thousand decisions. Readers put them back with `withSharedInputs`.
 */
type WithInputs<D> = Omit<D, 'inputs'> & { inputs: Record<string, unknown> };

export function hoistCommonInputs<D extends { inputs: object }>(list: D[]): { common: Record<string, unknown>; decisions: Array<WithInputs<D>> } {
  const decisions = list as unknown as Array<WithInputs<D>>;
  if (decisions.length < 2) return { common: {}, decisions };
  // Plain loops, no array per decision: this runs over a fan-out's thousand decisions inside the
  // signal's transaction.
  const first = decisions[0]!.inputs;
  const keys = Object.keys(first).filter((k) => first[k] === null || typeof first[k] !== 'object'); // scalars only: compared exactly
  const same = keys.map(() => true);
  let left = keys.length;
  for (let i = 1; i < decisions.length && left > 0; i++) {
    const inputs = decisions[i]!.inputs;
    for (let j = 0; j < keys.length; j++) {
      if (!same[j]) continue;
      const k = keys[j]!;
      const v = inputs[k];
      if (!Object.is(v, first[k]) || (v === undefined && !Object.prototype.hasOwnProperty.call(inputs, k))) {
        same[j] = false;
        left--;
      }
    }
  }
  if (left === 0) return { common: {}, decisions };
  const common: Record<string, unknown> = {};
  const shared = new Set<string>();
  keys.forEach((k, j) => {
    if (!same[j]) return;
    common[k] = first[k];
    shared.add(k);
  });
  return {
    common,
    decisions: decisions.map((d) => {
      const inputs: Record<string, unknown> = {};
      const own = Object.keys(d.inputs);
      for (let j = 0; j < own.length; j++) {
        const k = own[j]!;
        if (!shared.has(k)) inputs[k] = d.inputs[k];
      }
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
