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

/** NOTIFY payloads must stay under 8000 bytes. */
const PAYLOAD_LIMIT = 7_000;

/**
 * Parts joined by commas into as few NOTIFY payloads as fit, each wrapped in `open`/`close`:
 * every notification costs the committing transaction (measured 0.3 ms for 15).
 */
export function packPayloads(parts: Iterable<string>, open = '', close = ''): string[] {
  const out: string[] = [];
  let chunk: string[] = [];
  let size = open.length + close.length;
  for (const part of parts) {
    if (chunk.length > 0 && size + part.length + 1 > PAYLOAD_LIMIT) {
      out.push(open + chunk.join(',') + close);
      chunk = [];
      size = open.length + close.length;
    }
    chunk.push(part);
    size += part.length + 1;
  }
  if (chunk.length > 0) out.push(open + chunk.join(',') + close);
  return out;
}

/** Wakes followers' long-polls: payloads are their account ids, comma-separated. */
export const ORDERS_CHANNEL = 'kopitra_orders';

/**
 * `kopitra_orders` payloads for these followers. A writer that wakes its own process's long-polls
 * itself once its transaction has committed (the gateway's signal path, which hands them the
 * orders) names itself as `origin`: its process skips these notifications, which can arrive before
 * the commit's own answer — a long-poll woken by one then read its queue back from the database,
 * measured in about a third of the bench's 1,000-follower fan-outs (docs/performance.md, session 8).
 */
export function wakePayloads(followerAccountIds: Iterable<string>, origin?: string): string[] {
  return packPayloads(followerAccountIds, origin === undefined ? '' : `@${origin}:`);
}

/** A `kopitra_orders` payload read back: the writer's origin (null when it named none) and the follower ids. */
export function parseWakePayload(payload: string): { origin: string | null; followerAccountIds: string[] } {
  let origin: string | null = null;
  let ids = payload;
  if (payload.startsWith('@')) {
    const colon = payload.indexOf(':');
    origin = payload.slice(1, colon < 0 ? undefined : colon);
    ids = colon < 0 ? '' : payload.slice(colon + 1);
  }
  return { origin, followerAccountIds: ids.split(',').filter((id) => id !== '') };
}

/** A batch's events as JSON arrays, few per batch. Listeners accept an array or a single event. */
export function eventPayloads(events: readonly KopitraEvent[]): string[] {
  return packPayloads(events.map((e) => JSON.stringify(e)), '[', ']');
}

export async function publishEvent(q: Queryable, event: KopitraEvent): Promise<void> {
  await q.query(`SELECT pg_notify('${EVENTS_CHANNEL}', $1)`, [JSON.stringify(event)]);
}
