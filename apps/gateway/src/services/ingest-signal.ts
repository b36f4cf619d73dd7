import { hash, randomBytes } from 'node:crypto';
import { planSignal, type Decision } from '@kopitra/engine';
import { KopitraError, type SignalAccepted, type SignalBody } from '@kopitra/protocol';
import {
  CopyBatch, findIdempotencyRecords, lockMastersWithContexts, splitInputs, writeHeldSignals,
  type HeldAssumptions, type HeldMaster, type HeldMasters, type MasterLock, type Queryable, type RelevantId, type StoredFollowerContext, type StoredResponse,
  type SubscriptionCache, type TxQueryable,
} from '@kopitra/store';
import { describeSignal, toMasterEvent } from './to-master-event';

export interface SignalSubmission {
  accountId: string;
  idempotencyKey: string;
  /** Identifies the request's content: a repeat with the same key must carry the same hash. */
  requestHash: string;
  body: SignalBody;
  receivedAtMs: number;
}

export type SubmissionOutcome =
  | { ok: true; status: number; body: SignalAccepted; replayed: boolean }
  | { ok: false; error: KopitraError };

function hashId(prefix: string, ...parts: (string | number)[]): string {
  return `${prefix}_${hash('sha256', parts.join('\u0000'), 'base64url').slice(0, 22)}`;
}

export function summarise(body: SignalBody, decisions: Decision[]): string {
  const copied = decisions.filter((d) => d.outcome === 'copied').length;
  const skipped = decisions.length - copied;
  const reasons = [...new Set(decisions.filter((d) => d.reason).map((d) => d.reason))];
  return `${describeSignal(body)}: ${copied} copied, ${skipped} skipped${reasons.length ? ` (${reasons.join(', ')})` : ''}`;
}

/**
 * Followers planned and written per slice of a fan-out: while the gateway plans a slice,
 * PostgreSQL writes the one before. On the bench's 1 → 1,000 fan-out (gateway timestamps, 10–12
 * signals each) the wait from the last statement to the commit fell from 48–72 ms (one statement)
 * to 24 / 31 / 33 ms on average with slices of 125 / 250 / 500 (docs/performance.md, session 7).
 */
export const FAN_OUT_SLICE = 125;

/** A decision's inputs as the plain record they are stored as. */
function inputsOf(d: Decision): Record<string, unknown> {
  return d.inputs as unknown as Record<string, unknown>;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** The master position and order ids these signals touch, each with its master: only their copies need loading. */
function relevantIds(items: SignalSubmission[]): RelevantId[] {
  const seen = new Set<string>();
  const out: RelevantId[] = [];
  const add = (masterAccountId: string, id: string) => {
    const key = `${masterAccountId}\u0000${id}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ masterAccountId, id });
  };
  for (const { accountId, body } of items) {
    if ('position' in body) {
      add(accountId, body.position.id);
      const orderId = (body.position as { orderId?: unknown }).orderId;
      if (typeof orderId === 'string') add(accountId, orderId);
    } else add(accountId, body.order.id);
  }
  return out;
}

export interface IngestOptions {
  /** Feature flag `copy.pending_orders`: when off, no new pending copies are placed (existing ones are still amended and cancelled). */
  copyPendingOrders: boolean;
  /**
   * Look up every Idempotency-Key, not only those of signals at or below the master's last
   * sequence (a retry after a failed batch: a key stored earlier for another sequence).
   */
  lookUpEveryKey?: boolean;
  /** The masters' subscriptions as last read: rows that did not change are not read again. */
  subscriptions?: SubscriptionCache;
  /** Followers planned and written per slice of a fan-out (default FAN_OUT_SLICE). */
  fanOutSlice?: number;
  /**
   * A batch in which one master has at least this many live subscriptions commits its follower
   * rows as one copy-journal row (migration 060), projected after the commit; absent: never.
   */
  journalFrom?: number;
  /**
   * This process's name in its wake notifications: it wakes its own long-polls with the returned
   * `wake` after the commit, and its listener skips them (see `wakePayloads`).
   */
  wakeOrigin?: string;
}

export interface IngestResult {
  outcomes: SubmissionOutcome[];
  /** Each follower's new orders, in the order they were written. */
  wake: Map<string, Record<string, unknown>[]>;
  /** The copy-journal row the batch's follower rows went into (to project after the commit), or null. */
  journal: string | null;
  /** The masters as the batch left them, once it committed (for HeldMasters). */
  held: Map<string, HeldMaster>;
}

/** What a batch's plan reads: the masters' locked state, their followers' contexts, the idempotency records found. */
interface PlanInputs {
  locks: Map<string, MasterLock>;
  contexts: Map<string, StoredFollowerContext[]>;
  stored: Map<string, StoredResponse>;
}

/**
 * Master signals, several at once, in the caller's transaction. The masters' rows are locked,
 * then for each signal in (master, sequence) order: the idempotent-replay and sequence checks, a
 * decision for every subscription from the pure engine, and its rows — audit run (which keeps the
 * signal), every follower order, copy legs, idempotency record. One statement writes them all (a
 * fan-out's follower rows go a slice at a time ahead of it, in the same transaction) — or, for a
 * master with `journalFrom` subscriptions or more, one copy-journal row holds the runs and follower
 * rows, projected after the commit (`result.journal`). The gateway answers 202 only after the
 * commit. A signal refused by a check gets its own error and takes nothing else with it.
 */
export async function ingestSignals(q: TxQueryable, items: SignalSubmission[], nowMs: number, options: IngestOptions = { copyPendingOrders: true }): Promise<IngestResult> {
  const masters = [...new Set(items.map((i) => i.accountId))];
  // One round trip for BEGIN, the masters' locks and their followers' contexts.
  const { locks, contexts } = await lockMastersWithContexts(q, masters, relevantIds(items), options.subscriptions);
  // A large fan-out commits one journal row instead of its rows: no slices then.
  let widest = 0;
  for (const list of contexts.values()) widest = Math.max(widest, list.length);
  const journaled = options.journalFrom !== undefined && widest >= options.journalFrom;
  // A key can have been stored only for a sequence already accepted: a signal beyond the master's
  // last sequence needs no look-up (a key reused for a new sequence fails the insert, and the
  // retry looks every key up and refuses it).
  const mayRepeat = options.lookUpEveryKey ? items : items.filter((i) => i.body.sequence <= locks.get(i.accountId)!.lastSequence);
  const stored = await findIdempotencyRecords(q, mayRepeat.map((i) => ({ accountId: i.accountId, key: i.idempotencyKey })));
  const batch = new CopyBatch(nowMs, options.wakeOrigin);
  const { outcomes, sequenced } = planBatch(items, { locks, contexts, stored }, nowMs, options, batch, journaled ? null : () => batch.sendFollowerRows(q));
  // The batch's one write goes out with the COMMIT (one round trip for both).
  const journal = journaled && !batch.isEmpty ? `jnl_${randomBytes(16).toString('base64url')}` : null;
  if (journal) batch.journalAtCommit(q, journal, masters);
  else batch.flushAtCommit(q);
  return { outcomes, wake: wakeOf(batch), journal, held: heldAfter(locks, sequenced) };
}

/**
 * The masters as a batch left them once it committed: a master's state row was updated by the
 * batch's transaction (its id the row's new `xmin`) where a signal of it was accepted.
 */
function heldAfter(locks: Map<string, MasterLock>, sequenced: Set<string>): Map<string, HeldMaster> {
  const held = new Map<string, HeldMaster>();
  for (const [id, lock] of locks) {
    held.set(id, {
      lastSequence: lock.lastSequence, master: lock.master,
      stateVersion: sequenced.has(id) ? lock.versions.xid : lock.versions.state, accountVersion: lock.versions.account,
    });
  }
  return held;
}

/** Signal types whose copies start from no copy state: a new position, a new pending order. */
const STARTS_COPY_STATE = new Set<SignalBody['type']>(['position.opened', 'order.placed']);

/**
 * The same batch without a transaction, when everything its plan reads is held here: each master
 * as this process's last committed batch left it (HeldMasters), its subscriptions as last read
 * (SubscriptionCache), and no copy state — only signals that open a new position or place a new
 * order, beyond the master's last sequence, for masters with no position cap and no more
 * subscriptions than a slice. Planned like ingestSignals and written as ONE statement that commits
 * by itself only if all of that still holds under the masters' locks (writeHeldSignals). Null when
 * the batch is not such a batch or what it was planned from changed: nothing was written, and the
 * batch takes the transaction.
 */
export async function ingestHeldSignals(
  q: Queryable, items: SignalSubmission[], nowMs: number, options: IngestOptions & { masters: HeldMasters; subscriptions: SubscriptionCache },
): Promise<IngestResult | null> {
  const locks = new Map<string, MasterLock>();
  const contexts = new Map<string, StoredFollowerContext[]>();
  const assumed: HeldAssumptions = { masters: [], none: [] };
  const sliceSize = options.fanOutSlice ?? FAN_OUT_SLICE;
  const cached = options.subscriptions.snapshot([...new Set(items.map((i) => i.accountId))]);
  for (const { accountId, body } of items) {
    if (!STARTS_COPY_STATE.has(body.type)) return null;
    let lock = locks.get(accountId);
    if (!lock) {
      const held = options.masters.get(accountId);
      const subs = cached.get(accountId);
      if (!held || !subs || subs.bases.length > sliceSize || (options.journalFrom !== undefined && subs.bases.length >= options.journalFrom)) return null;
      if (subs.bases.some((b) => b.subscription.maxOpenPositions != null)) return null;
      // The statement's transaction id is known once it ran (below).
      lock = { lastSequence: held.lastSequence, master: held.master, versions: { state: held.stateVersion, account: held.accountVersion, xid: '' } };
      locks.set(accountId, lock);
      contexts.set(accountId, subs.bases.map((b) => ({ subscription: b.subscription, follower: b.follower, followerStatus: b.followerStatus, copies: [], pendingCopies: [] })));
      assumed.masters.push({ id: accountId, held, fingerprint: subs.fingerprint });
    }
    if (body.sequence <= lock.lastSequence) return null;
  }
  for (const { masterAccountId, id } of relevantIds(items)) {
    for (const ctx of contexts.get(masterAccountId)!) assumed.none.push({ subscriptionId: ctx.subscription.id, id });
  }
  assumed.masters.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const batch = new CopyBatch(nowMs, options.wakeOrigin);
  const { outcomes, sequenced } = planBatch(items, { locks, contexts, stored: new Map() }, nowMs, options, batch, null);
  const xid = await writeHeldSignals(q, batch, assumed);
  if (xid === null) return null;
  for (const lock of locks.values()) lock.versions.xid = xid;
  return { outcomes, wake: wakeOf(batch), journal: null, held: heldAfter(locks, sequenced) };
}

/** Each follower's new orders in the order they were written (its long-polls are handed them). */
function wakeOf(batch: CopyBatch): Map<string, Record<string, unknown>[]> {
  const wake = new Map<string, Record<string, unknown>[]>();
  for (const w of batch.written) {
    const list = wake.get(w.followerAccountId);
    if (list) list.push(w.payload);
    else wake.set(w.followerAccountId, [w.payload]);
  }
  return wake;
}

/**
 * The batch's plan, signal by signal in (master, sequence) order, into `batch`: the outcomes, and
 * the masters with a signal accepted. `sendRows` sends the follower rows planned so far (a large
 * fan-out's slices; null: everything goes in the batch's one write).
 */
function planBatch(
  items: SignalSubmission[], { locks, contexts, stored }: PlanInputs, nowMs: number, options: IngestOptions, batch: CopyBatch, sendRows: (() => void) | null,
): { outcomes: SubmissionOutcome[]; sequenced: Set<string> } {
  const now = new Date(nowMs).toISOString();
  const outcomes: SubmissionOutcome[] = new Array(items.length);
  const sequenced = new Set<string>();
  const order = items.map((_, i) => i).sort((a, b) => {
    const x = items[a]!;
    const y = items[b]!;
    return x.accountId < y.accountId ? -1 : x.accountId > y.accountId ? 1 : x.body.sequence - y.body.sequence || a - b;
  });

  for (const idx of order) {
    const { accountId, body, idempotencyKey, requestHash, receivedAtMs } = items[idx]!;
    const key = `${accountId}\u0000${idempotencyKey}`;
    const first = stored.get(key);
    if (first) {
      outcomes[idx] = first.requestHash === requestHash
        ? { ok: true, status: first.status, body: first.response as SignalAccepted, replayed: true }
        : { ok: false, error: new KopitraError('idempotency_key_reused', 'this Idempotency-Key was used before with a different request') };
      continue;
    }
    const lock = locks.get(accountId)!;
    if (body.sequence <= lock.lastSequence) {
      outcomes[idx] = { ok: false, error: new KopitraError('sequence_conflict', `sequence ${body.sequence} was already accepted (last accepted ${lock.lastSequence}) under another Idempotency-Key`) };
      continue;
    }
    const gap = body.sequence > lock.lastSequence + 1;
    const signalId = hashId('sig', accountId, body.sequence);
    const runId = hashId('run', accountId, body.sequence);
    const followers = contexts.get(accountId) ?? [];
    const event = toMasterEvent(body);
    const planned = options.copyPendingOrders ? followers : followers.map((f) => ({ ...f, subscription: { ...f.subscription, copyPending: false } }));
    let planMs = 0;
    let orders = 0;
    const decisions: Decision[] = [];
    const orderIds: string[][] = [];
    // A large fan-out is planned a slice of followers at a time, each slice's rows sent as soon as
    // they are ready: PostgreSQL writes one while the next is planned (same transaction).
    const sliceSize = options.fanOutSlice ?? FAN_OUT_SLICE;
    for (let from = 0; from < planned.length; from += sliceSize) {
      const planStart = performance.now();
      const slice = planSignal({ event, nowMs, master: lock.master, followers: planned.length > sliceSize ? planned.slice(from, from + sliceSize) : planned });
      planMs += performance.now() - planStart;
      slice.forEach((d, j) => {
        const ctx = followers[from + j]!;
        if (event.type === 'position.opened' && d.notes.includes('linked_to_pending_copy')) {
          batch.linkPendingFill(ctx, event.position.orderId ?? event.position.id, event.position.id);
        }
        const written = batch.addOrders({ sourceId: signalId, runId, signalId, ctx, orders: d.orders });
        orders += written.length;
        decisions.push(d);
        orderIds.push(written.map((w) => w.orderId));
      });
      if (sendRows && from + sliceSize < planned.length) sendRows();
    }
    planMs = round3(planMs);
    // The inputs all decisions share are kept once, on the trigger (see hoistCommonInputs). The
    // planned orders themselves are the orders' payloads: a decision keeps their ids only.
    const { shared: decisionInputs, own } = splitInputs(decisions.map(inputsOf));
    const decisionRows = decisions.map((d, i) => ({
      subscriptionId: d.subscriptionId, followerAccountId: d.followerAccountId, outcome: d.outcome, reason: d.reason, notes: d.notes,
      volume: d.volume, inputs: own[i]!, orderIds: orderIds[i]!,
    }));

    const received = new Date(receivedAtMs).toISOString();
    batch.addRun({
      id: runId, kind: 'signal', status: decisions.length > 0 && decisions.every((d) => d.outcome === 'skipped') ? 'partially_succeeded' : 'succeeded',
      accountId, startedAt: received, finishedAt: now,
      // The signal itself is kept here, and only here (the `signals` view reads it).
      trigger: { signalId, sequence: body.sequence, type: body.type, occurredAt: body.occurredAt, gap, signal: body, ...(decisions.length > 1 ? { decisionInputs } : {}) },
      steps: [
        { at: received, stage: 'received', outcome: 'ok', detail: { sequence: body.sequence, gap } },
        { at: now, stage: 'planned', outcome: 'ok', detail: { subscriptions: decisions.length, orders, planMs } },
      ],
      decisions: decisionRows, result: { orders },
      latency: { ingest: Math.max(0, receivedAtMs - event.occurredAtMs), plan: planMs },
      summary: summarise(body, decisions),
    });
    const answer: StoredResponse = { requestHash, status: 202, response: { signalId, runId, sequence: body.sequence, orders, gap } };
    batch.addIdempotency(accountId, idempotencyKey, answer);
    stored.set(key, answer);
    batch.setSequence(accountId, body.sequence, gap);
    batch.addEvent({ kind: 'signal', runId, accountId, type: body.type, orders, gap, at: now });
    lock.lastSequence = body.sequence;
    sequenced.add(accountId);
    outcomes[idx] = { ok: true, status: 202, body: answer.response as SignalAccepted, replayed: false };
  }
  return { outcomes, sequenced };
}
