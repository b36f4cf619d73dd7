import { createHash } from 'node:crypto';
import { planSignal, type Decision } from '@kopitra/engine';
import { KopitraError, type SignalAccepted, type SignalBody } from '@kopitra/protocol';
import {
  insertAuditRun, insertSignal, linkPendingFills, publishEvent, loadFollowerContexts, notifyFollowers, setLastSequence, writeOrders,
  type MasterLock, type Queryable,
} from '@kopitra/store';
import { describeSignal, toMasterEvent } from './to-master-event';

export interface IngestInput {
  accountId: string;
  body: SignalBody;
  receivedAtMs: number;
  nowMs: number;
}

export interface IngestResult {
  status: 202;
  body: SignalAccepted;
  extra: { followerAccountIds: string[] };
}

function hashId(prefix: string, ...parts: (string | number)[]): string {
  return `${prefix}_${createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 22)}`;
}

export function summarise(body: SignalBody, decisions: Decision[]): string {
  const copied = decisions.filter((d) => d.outcome === 'copied').length;
  const skipped = decisions.length - copied;
  const reasons = [...new Set(decisions.filter((d) => d.reason).map((d) => d.reason))];
  return `${describeSignal(body)}: ${copied} copied, ${skipped} skipped${reasons.length ? ` (${reasons.join(', ')})` : ''}`;
}

/**
 * One master signal, in the caller's transaction with the master's row locked: sequence check,
 * a decision for every subscription (the pure engine), and the signal, its audit run and all of
 * its follower orders written together — the gateway answers 202 only after this commits.
 */
export async function ingestSignal(q: Queryable, lock: MasterLock, input: IngestInput): Promise<IngestResult> {
  const { accountId, body } = input;
  if (body.sequence <= lock.lastSequence) {
    throw new KopitraError('sequence_conflict', `sequence ${body.sequence} was already accepted (last accepted ${lock.lastSequence}) under another Idempotency-Key`);
  }
  const gap = body.sequence > lock.lastSequence + 1;
  const signalId = hashId('sig', accountId, body.sequence);
  const runId = hashId('run', accountId, body.sequence);

  const contexts = await loadFollowerContexts(q, accountId);
  const event = toMasterEvent(body);
  const planStart = performance.now();
  const decisions = planSignal({ event, nowMs: input.nowMs, master: lock.master, followers: contexts });
  const planMs = performance.now() - planStart;

  if (event.type === 'position.opened') {
    const linked = decisions.filter((d) => d.notes.includes('linked_to_pending_copy')).map((d) => d.subscriptionId);
    if (linked.length) await linkPendingFills(q, linked, event.position.orderId ?? event.position.id, event.position.id);
  }

  const written = await writeOrders(q, {
    sourceId: signalId, runId, signalId, nowMs: input.nowMs,
    items: decisions.map((d, i) => ({ ctx: contexts[i]!, orders: d.orders })),
  });
  const orderIdsBySub = new Map<string, string[]>();
  for (const w of written) orderIdsBySub.set(w.subscriptionId, [...(orderIdsBySub.get(w.subscriptionId) ?? []), w.orderId]);

  const received = new Date(input.receivedAtMs).toISOString();
  const now = new Date(input.nowMs).toISOString();
  await insertSignal(q, {
    id: signalId, accountId, sequence: body.sequence, type: body.type, occurredAt: body.occurredAt,
    receivedAt: received, body, runId, gap,
  });
  const failedAll = decisions.length > 0 && decisions.every((d) => d.outcome === 'skipped');
  await insertAuditRun(q, {
    id: runId, kind: 'signal', status: failedAll ? 'partially_succeeded' : 'succeeded', accountId,
    startedAt: received, finishedAt: now,
    trigger: { signalId, sequence: body.sequence, type: body.type, occurredAt: body.occurredAt, gap, signal: body },
    steps: [
      { at: received, stage: 'received', outcome: 'ok', detail: { sequence: body.sequence, gap } },
      { at: now, stage: 'planned', outcome: 'ok', detail: { subscriptions: decisions.length, orders: written.length, planMs: round3(planMs) } },
    ],
    decisions: decisions.map((d) => ({ ...d, orderIds: orderIdsBySub.get(d.subscriptionId) ?? [] })),
    result: { orders: written.length },
    latency: { ingest: Math.max(0, input.receivedAtMs - event.occurredAtMs), plan: round3(planMs) },
    summary: summarise(body, decisions),
  });
  await setLastSequence(q, accountId, body.sequence, gap);
  const followerAccountIds = [...new Set(written.map((w) => w.followerAccountId))];
  await notifyFollowers(q, followerAccountIds);
  await publishEvent(q, { kind: 'signal', runId, accountId, type: body.type, orders: written.length, gap, at: now });
  return {
    status: 202,
    body: { signalId, runId, sequence: body.sequence, orders: written.length, gap },
    extra: { followerAccountIds },
  };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
