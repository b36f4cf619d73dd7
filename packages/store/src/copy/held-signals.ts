import type { AccountState } from '@kopitra/engine';
import type { Queryable } from '../db';
import type { CopyBatch } from './copy-batch';
import type { FlushGuard } from './flush-statement';
import { jsonObjectText } from './keyed-rows';
import { subscriptionFingerprintCtes } from './load-copy-context';

/** A master as its last committed signal batch left it: what a plan reads of it, and the versions it was read at. */
export interface HeldMaster {
  lastSequence: number;
  master: AccountState;
  /** `xmin` of the master's state row (the batch's transaction, when it updated the sequence) and of its account row. */
  stateVersion: string;
  accountVersion: string;
}

/**
 * The masters as this process's last committed signal batches left them. A signal planned from
 * them is written only if they still hold (writeHeldSignals checks the row versions under the
 * master's lock): anything written meanwhile — telemetry, another gateway's signal, an operator —
 * changed a version, and the signal takes the transaction that reads everything. Entries are
 * never modified, only replaced.
 */
export class HeldMasters {
  private readonly byId = new Map<string, HeldMaster>();

  constructor(private readonly maxMasters = 10_000) {}

  get(masterAccountId: string): HeldMaster | undefined {
    return this.byId.get(masterAccountId);
  }

  set(masterAccountId: string, held: HeldMaster): void {
    if (this.byId.size >= this.maxMasters && !this.byId.has(masterAccountId)) this.byId.clear();
    this.byId.set(masterAccountId, held);
  }

  get size(): number {
    return this.byId.size;
  }
}

/** What a batch planned from held state assumed, besides its rows. */
export interface HeldAssumptions {
  /** Each master's held state and the subscription fingerprint its plan used. */
  masters: Array<{ id: string; held: HeldMaster; fingerprint: string }>;
  /** (subscription, master position or order id) pairs planned without a copy leg or pending copy: none may exist. */
  none: Array<{ subscriptionId: string; id: string }>;
}

/**
 * The guard: the masters' state rows locked in id order (as every signal transaction locks them)
 * and, on the locked versions, the sequence and both rows' versions as held; each master's
 * subscriptions with their followers' rows as fingerprinted; no open copy leg or active pending
 * copy for the pairs planned without one; no copy-journal row of these masters awaiting projection
 * (its rows would be copy state). Every input of a signal's plan (see ingestSignals' reads) is one
 * of these.
 */
function guardOf(a: HeldAssumptions): FlushGuard {
  const ids = a.masters.map((m) => m.id);
  const versions = jsonObjectText(a.masters.map((m) => [m.id, `${m.held.lastSequence}/${m.held.stateVersion}/${m.held.accountVersion}`] as const));
  const fingerprints = jsonObjectText(a.masters.map((m) => [m.id, m.fingerprint] as const));
  return {
    name: 'held-signals',
    cte: (n) => `${subscriptionFingerprintCtes(`$${n}`, 'gs', 'gf')},
  guard AS (
    SELECT (SELECT count(*) FROM (
              SELECT s.last_sequence::text || '/' || s.xmin::text || '/' || a.xmin::text = ($${n + 1}::jsonb ->> s.account_id) AS ok
                FROM account_state s JOIN accounts a ON a.id = s.account_id
               WHERE s.account_id = ANY($${n}::text[])
               ORDER BY s.account_id
                 FOR UPDATE OF s) AS locked WHERE ok) = cardinality($${n}::text[])
       AND NOT EXISTS (SELECT 1 FROM gf WHERE gf.fingerprint IS DISTINCT FROM ($${n + 2}::jsonb ->> gf.master))
       AND NOT EXISTS (
             SELECT 1 FROM unnest($${n + 3}::text[], $${n + 4}::text[]) AS k(sub, id) CROSS JOIN LATERAL (
               -- a probe per pair (OFFSET 0), as the copy-state read reaches them
               SELECT 1 FROM copy_legs WHERE subscription_id = k.sub AND master_position_id = k.id AND volume > 0 OFFSET 0) AS l)
       AND NOT EXISTS (
             SELECT 1 FROM unnest($${n + 3}::text[], $${n + 4}::text[]) AS k(sub, id) CROSS JOIN LATERAL (
               SELECT 1 FROM pending_copies WHERE subscription_id = k.sub AND master_order_id = k.id AND active OFFSET 0) AS p)
       AND NOT EXISTS (SELECT 1 FROM copy_journal WHERE master_account_ids && $${n}::text[]) AS held)`,
    params: [ids, versions, fingerprints, a.none.map((x) => x.subscriptionId), a.none.map((x) => x.id)],
  };
}

/**
 * A signal batch planned from held state (HeldMasters, SubscriptionCache, no copy state), written
 * as ONE statement that commits by itself: it locks the masters' rows and writes every row of the
 * batch only if all it was planned from still holds. Answers the statement's transaction id (the
 * masters' state rows' new `xmin`), or null when it did not hold — nothing was written then, and
 * the batch takes the transaction.
 */
export async function writeHeldSignals(q: Queryable, batch: CopyBatch, assumed: HeldAssumptions): Promise<string | null> {
  const { text, params } = batch.statement(guardOf(assumed));
  const { rows } = await q.query<{ held: boolean; xid: string }>(text, params);
  return rows[0]?.held ? rows[0].xid : null;
}
