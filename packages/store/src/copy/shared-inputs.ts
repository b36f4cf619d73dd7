/**
 * The inputs every decision of a run shares — the master's side of the event and, for a fan-out
 * to followers with the same settings, those too — kept once on the run (`trigger.decisionInputs`)
 * instead of in each of a thousand decisions. Readers put them back with `withSharedInputs`.
 */
type WithInputs<D> = Omit<D, 'inputs'> & { inputs: Record<string, unknown> };

/**
 * The keys whose value is the same scalar in every one of these inputs (none for fewer than two).
 * Plain loops, no array per decision: this runs over a fan-out's thousand decisions inside the
 * signal's transaction.
 */
export function sharedInputKeys(list: ReadonlyArray<Record<string, unknown>>): string[] {
  if (list.length < 2) return [];
  const first = list[0]!;
  const keys = Object.keys(first).filter((k) => first[k] === null || typeof first[k] !== 'object'); // scalars only: compared exactly
  const same = keys.map(() => true);
  let left = keys.length;
  for (let i = 1; i < list.length && left > 0; i++) {
    const inputs = list[i]!;
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
  return keys.filter((_, j) => same[j]);
}

/** A decision's inputs without the shared ones (the same object when nothing is shared). */
export function ownInputs(inputs: Record<string, unknown>, shared: ReadonlySet<string>): Record<string, unknown> {
  if (shared.size === 0) return inputs;
  const own: Record<string, unknown> = {};
  for (const k in inputs) if (!shared.has(k)) own[k] = inputs[k];
  return own;
}

export function hoistCommonInputs<D extends { inputs: object }>(list: D[]): { common: Record<string, unknown>; decisions: Array<WithInputs<D>> } {
  const decisions = list as unknown as Array<WithInputs<D>>;
  const keys = sharedInputKeys(decisions.map((d) => d.inputs));
  if (keys.length === 0) return { common: {}, decisions };
  const first = decisions[0]!.inputs;
  const common: Record<string, unknown> = {};
  for (const k of keys) common[k] = first[k];
  const shared = new Set(keys);
  return { common, decisions: decisions.map((d) => ({ ...d, inputs: ownInputs(d.inputs, shared) })) };
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
