import type { Queryable } from '../db';

/**
 * Live events for operators (the management API's event stream), published with NOTIFY on
 * `kopitra_events` inside the transaction that made them true: nobody hears of a signal that
 * did not commit. Payloads stay small (ids and a status); readers fetch details.
 */
export type KopitraEvent =
  | { kind: 'signal'; runId: string; accountId: string; type: string; orders: number; gap: boolean; at: string }
  | { kind: 'execution'; orderId: string; runId: string; followerAccountId: string; status: string; at: string }
  | { kind: 'ea'; accountId: string; telemetry: 'heartbeat' | 'snapshot'; at: string }
  | { kind: 'run'; runId: string; runKind: string; accountId: string | null; at: string };

export const EVENTS_CHANNEL = 'kopitra_events';

export async function publishEvent(q: Queryable, event: KopitraEvent): Promise<void> {
  await q.query(`SELECT pg_notify('${EVENTS_CHANNEL}', $1)`, [JSON.stringify(event)]);
}
