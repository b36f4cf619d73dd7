import type { Queryable } from '../store';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

interface Pct { p50: number | null; p99: number | null }
const round = (v: unknown): number | null => (v === null || v === undefined ? null : Math.round(Number(v) * 1000) / 1000);
const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

/**
 * The operators' dashboard over the last hour, in a handful of aggregate queries: signals per
 * minute, latency percentiles by stage, EA connectivity, follower sync state, skips and errors.
 */
export async function metricsOverview(q: Queryable, options: { nowMs: number; onlineWindowMs: number }) {
  const to = new Date(Math.ceil(options.nowMs / MINUTE_MS) * MINUTE_MS);
  const from = new Date(to.getTime() - HOUR_MS);
  const range = [from.toISOString(), to.toISOString()];
  const [perMinute, runLatency, orderLatency, eas, skips, errors, followers] = await Promise.all([
    q.query<{ minute: number; count: number }>(
      `SELECT floor(extract(epoch FROM (started_at - $1::timestamptz)) / 60)::int AS minute, count(*)::int AS count
         FROM audit_runs WHERE kind = 'signal' AND started_at >= $1 AND started_at < $2 GROUP BY 1`, range),
    q.query<Record<string, number | null>>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY (latency->>'ingest')::float8) AS ingest_p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY (latency->>'ingest')::float8) AS ingest_p99,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY (latency->>'plan')::float8) AS plan_p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY (latency->>'plan')::float8) AS plan_p99
         FROM audit_runs WHERE kind = 'signal' AND started_at >= $1 AND started_at < $2`, range),
    q.query<Record<string, number | null>>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_delivered_at - created_at) * 1000) AS delivery_p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM first_delivered_at - created_at) * 1000) AS delivery_p99,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at) * 1000)
                FILTER (WHERE status IN ('filled', 'rejected', 'cancelled') OR (status = 'expired' AND finished_at IS NOT NULL)) AS execution_p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at) * 1000)
                FILTER (WHERE status IN ('filled', 'rejected', 'cancelled') OR (status = 'expired' AND finished_at IS NOT NULL)) AS execution_p99
         FROM orders WHERE created_at >= $1 AND created_at < $2`, range),
    q.query<{ id: string; name: string; role: string; last_heartbeat_at: Date | string | null }>(
      `SELECT a.id, a.name, a.role, s.last_heartbeat_at FROM accounts a LEFT JOIN account_state s ON s.account_id = a.id
        WHERE a.status = 'active' ORDER BY a.name, a.id`),
    q.query<{ reason: string; count: number; last_run_id: string }>(
      `SELECT d->>'reason' AS reason, count(*)::int AS count, (array_agg(r.id ORDER BY r.started_at DESC, r.id DESC))[1] AS last_run_id
         FROM audit_runs r CROSS JOIN LATERAL json_array_elements(r.decisions) d
        WHERE r.started_at >= $1 AND r.started_at < $2 AND d->>'outcome' = 'skipped' AND d->>'reason' IS NOT NULL
        GROUP BY 1 ORDER BY 2 DESC, 1`, range),
    q.query<{ reason: string; count: number; last_run_id: string }>(
      `SELECT reason, count(*)::int AS count, (array_agg(run_id ORDER BY at DESC))[1] AS last_run_id FROM (
         SELECT COALESCE(e.body->>'brokerCode', e.status) AS reason, o.run_id, e.received_at AS at
           FROM executions e JOIN orders o ON o.id = e.order_id
          WHERE e.terminal AND e.status IN ('rejected', 'expired', 'cancelled') AND e.received_at >= $1 AND e.received_at < $2
         UNION ALL
         SELECT 'expired_undelivered', run_id, expires_at FROM orders
          WHERE status = 'expired' AND first_delivered_at IS NULL AND expires_at >= $1 AND expires_at < $2
         UNION ALL
         SELECT 'run_failed', id, started_at FROM audit_runs WHERE status = 'failed' AND started_at >= $1 AND started_at < $2
       ) x GROUP BY reason ORDER BY 2 DESC, 1`, range),
    followerSync(q),
  ]);

  const buckets = Array.from({ length: 60 }, (_, i) => ({ at: new Date(from.getTime() + i * MINUTE_MS).toISOString(), count: 0 }));
  for (const r of perMinute.rows) if (r.minute >= 0 && r.minute < 60) buckets[r.minute]!.count = Number(r.count);
  const rl = runLatency.rows[0] ?? {};
  const ol = orderLatency.rows[0] ?? {};
  const pct = (row: Record<string, unknown>, name: string): Pct => ({ p50: round(row[`${name}_p50`]), p99: round(row[`${name}_p99`]) });
  const items = eas.rows.map((a) => {
    const last = a.last_heartbeat_at === null ? null : new Date(a.last_heartbeat_at).getTime();
    return { accountId: a.id, name: a.name, role: a.role, online: last !== null && options.nowMs - last <= options.onlineWindowMs, lastHeartbeatAt: iso(a.last_heartbeat_at) };
  });
  const online = items.filter((i) => i.online).length;
  return {
    window: { from: from.toISOString(), to: to.toISOString() },
    signalsPerMinute: buckets,
    latencyMs: { ingest: pct(rl, 'ingest'), plan: pct(rl, 'plan'), delivery: pct(ol, 'delivery'), execution: pct(ol, 'execution') },
    eas: { online, offline: items.length - online, items },
    followers,
    skips: skips.rows.map((r) => ({ reason: r.reason, count: Number(r.count), lastRunId: r.last_run_id })),
    errors: errors.rows.map((r) => ({ reason: r.reason, count: Number(r.count), lastRunId: r.last_run_id })),
  };
}

interface Position { id?: unknown; symbol?: unknown; side?: unknown; volume?: unknown; comment?: unknown }

/**
 * Per live subscription: stopped out (paused by the stop-out guard), in sync (every open copy leg
 * is in the follower's latest snapshot with the same volume, and no position tagged as one of
 * this subscription's copies is unaccounted for), or drifting.
 */
async function followerSync(q: Queryable): Promise<{ inSync: number; drifting: number; stoppedOut: number }> {
  const [subs, legs] = await Promise.all([
    q.query<{ id: string; status: string; paused_reason: string | null; positions: Position[] | null }>(
      `SELECT s.id, s.status, s.paused_reason, st.positions
         FROM subscriptions s LEFT JOIN account_state st ON st.account_id = s.follower_account_id
        WHERE s.deleted_at IS NULL`),
    q.query<{ subscription_id: string; open_order_id: string; follower_symbol: string; side: string; volume: string | number; follower_position_id: string | null; tag: string | null }>(
      `SELECT l.subscription_id, l.open_order_id, l.follower_symbol, l.side, l.volume, l.follower_position_id, o.tag
         FROM copy_legs l LEFT JOIN orders o ON o.id = l.open_order_id
        WHERE l.volume > 0`),
  ]);
  const legsBySub = new Map<string, typeof legs.rows>();
  for (const l of legs.rows) legsBySub.set(l.subscription_id, [...(legsBySub.get(l.subscription_id) ?? []), l]);
  // Which subscription each tagged follower position was opened for (its comment is the order tag).
  const tags = [...new Set(subs.rows.flatMap((s) => (s.positions ?? []).map((p) => p.comment).filter((c): c is string => typeof c === 'string' && c.startsWith('kp:'))))];
  const tagOwner = new Map<string, string>();
  if (tags.length > 0) {
    const owned = await q.query<{ tag: string; subscription_id: string }>('SELECT tag, subscription_id FROM orders WHERE tag = ANY($1::text[])', [tags]);
    for (const o of owned.rows) tagOwner.set(o.tag, o.subscription_id);
  }
  let inSync = 0;
  let drifting = 0;
  let stoppedOut = 0;
  for (const s of subs.rows) {
    if (s.status === 'paused' && s.paused_reason === 'stop_out') {
      stoppedOut++;
      continue;
    }
    const mine = legsBySub.get(s.id) ?? [];
    const positions = s.positions ?? [];
    const matched = new Set<Position>();
    // Copies we believe open but no snapshot yet: cannot be confirmed, so not in sync.
    let ok = s.positions !== null || mine.length === 0;
    for (const leg of mine) {
      const p = positions.find((x) => !matched.has(x) && ((leg.follower_position_id !== null && String(x.id) === leg.follower_position_id) || (leg.tag !== null && x.comment === leg.tag)));
      if (!p || Math.abs(Number(p.volume) - Number(leg.volume)) > 1e-8 || p.side !== leg.side) ok = false;
      if (p) matched.add(p);
    }
    // A position opened as this subscription's copy whose leg we consider closed: an orphan.
    for (const p of positions) {
      if (!matched.has(p) && typeof p.comment === 'string' && tagOwner.get(p.comment) === s.id) ok = false;
    }
    if (ok) inSync++;
    else drifting++;
  }
  return { inSync, drifting, stoppedOut };
}
