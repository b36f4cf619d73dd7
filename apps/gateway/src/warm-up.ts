import { randomBytes } from 'node:crypto';
import { DEFAULT_SUBSCRIPTION_SETTINGS } from '@kopitra/engine';
import { validateExecution, validateSignal } from '@kopitra/protocol';
import { HeldMasters, SubscriptionCache, fetchPendingOrdersFor, recordHandedExecutions, type Db, type Queryable, type TxQueryable } from '@kopitra/store';
import { DeliveryStamps } from './delivery-stamps';
import { handOver } from './order-wake-hub';
import { ingestHeldSignals, ingestSignals, type IngestResult, type SignalSubmission } from './services/ingest-signal';

/**
 * The fan-out's code compiled before the first master needs it: a starting gateway plans a few
 * signals of a synthetic master with many followers — the real reads, engine, batch, journal row
 * and long-poll answers — each in a transaction that is rolled back, so nothing of it stays (no
 * row, no notification; sequence numbers and transaction ids are spent).
 *
 * Why: V8 compiles the code that plans a thousand followers only after it has run it several
 * times, and until then a fan-out is slower — measured on a 2-core machine (docs/performance.md,
 * session 17): the gateway's planning of a 1,000-follower signal took 31, 16, 30, 22, 10 ms in a
 * new gateway's first five fan-outs and 8 ms from the sixth; all delivered in the second to fourth
 * fan-outs 67–77 / 48–60 / 41–55 ms without a warm-up, 57–62 / 45–49 / 33–42 after six rolled-back
 * ones, the rounds after alike (means 31.3–33.5 and 32.9–33.1 ms). The platform scales to zero when
 * idle: a new gateway is the common case.
 */
export interface WarmUpOptions {
  /** Followers of the synthetic master. */
  followers: number;
  rounds: number;
  /** The gateway's journal threshold, so that the fan-out goes the way a real one does. */
  journalFrom?: number | undefined;
  /** Signals of a master with one follower, each reported by the follower (rehearseSignals); 0 or absent: none. */
  signals?: number;
}

export interface WarmUpResult {
  /** Each round's time (ms). */
  roundsMs: number[];
  /** Orders each round planned (and rolled back). */
  orders: number[];
  /** The small signals' rehearsal: its time (ms), the signals written by the one statement, the reports recorded as handed over. */
  signals?: { ms: number; held: number; reported: number };
}

class RolledBack extends Error {}

const SYMBOLS = JSON.stringify([{ name: 'EURUSD', volumeMin: 0.01, volumeMax: 100, volumeStep: 0.01, contractSize: 100000, tickSize: 0.00001, tickValue: 1, digits: 5 }]);
const SETTINGS = JSON.stringify({ sizing: { mode: 'multiplier', multiplier: 1 }, ...DEFAULT_SUBSCRIPTION_SETTINGS });

/** One rolled-back fan-out; resolves with the orders it planned. */
async function rehearse(db: Db, followerCount: number, journalFrom: number | undefined): Promise<number> {
  const tag = `warmup_${randomBytes(8).toString('hex')}`;
  const master = `${tag}_m`;
  const followers = Array.from({ length: followerCount }, (_, i) => `${tag}_f${i}`);
  let orders = 0;
  try {
    await db.tx(async (q) => {
      await seedAccounts(q, master, followers);
      const now = Date.now();
      const body = {
        sequence: 1, type: 'position.opened' as const, occurredAt: new Date(now).toISOString(),
        position: { id: `${tag}_p`, symbol: 'EURUSD', side: 'buy' as const, volume: 1, price: 1.085, sl: null, tp: null },
      };
      const { outcomes, wake } = await ingestSignals(q, [{ accountId: master, idempotencyKey: tag, requestHash: tag, body, receivedAtMs: now }], now, {
        copyPendingOrders: true, subscriptions: new SubscriptionCache(), ...(journalFrom !== undefined ? { journalFrom } : {}),
      });
      const outcome = outcomes[0]!;
      if (!outcome.ok) throw outcome.error;
      orders = outcome.body.orders;
      // The long-polls' answers, as the signal path serialises them while its commit is under way.
      for (const list of wake.values()) handOver(list);
      throw new RolledBack();
    });
  } catch (e) {
    if (!(e instanceof RolledBack)) throw e;
  }
  return orders;
}

/** The synthetic accounts of a rehearsal: a master and its followers, each follower half with its account state. */
async function seedAccounts(q: Queryable, master: string, followers: string[]): Promise<void> {
  await q.query(
    `INSERT INTO accounts (id, name, role, platform, broker_name, broker_server, login)
     SELECT id, 'warm-up', role, 'mt5', 'warm-up', 'warm-up', id FROM unnest($1::text[], $2::text[]) AS a(id, role)`,
    [[master, ...followers], ['master', ...followers.map(() => 'follower')]],
  );
  // Half of the followers with the account state their EA reports, half still without: both plans.
  await q.query(
    `INSERT INTO account_state (account_id, balance, equity, symbols, positions) SELECT id, 10000, 10000, $2::jsonb, '[]' FROM unnest($1::text[]) AS a(id)`,
    [followers.filter((_, i) => i % 2 === 0), SYMBOLS],
  );
  await q.query(
    `INSERT INTO subscriptions (id, master_account_id, follower_account_id, settings, status) SELECT 'sub_' || f, $1, f, $3::jsonb, $4 FROM unnest($2::text[]) AS s(f)`,
    [master, followers, SETTINGS, DEFAULT_SUBSCRIPTION_SETTINGS.status],
  );
}

/**
 * The everyday path compiled before the first master needs it: a master with one follower opens
 * `count` positions, each signal as the gateway takes it — the first in a transaction, every later
 * one planned from what it holds and written by the one statement — each order handed over (its
 * long-poll answer, its delivery stamp), reported filled by the follower as a handed-over order is,
 * and the follower's queue read again; all in one transaction that is rolled back.
 *
 * Why: a new gateway compiled this code under its first traffic — measured at 500 signals/s on a
 * 2-core machine (docs/performance.md, session 21): TurboFan busy 100–500 ms in each of its first
 * five seconds, p50 36–48 ms in the first two against ≈ 5 from the ninth. With 400 rehearsed
 * signals (≈ 0.9 s more to start), the p50 of seconds 2 / 3 / 4 / 5 was 26–33 / 9–22 / 7–13 / 6–11
 * ms against 39–48 / 22–28 / 10–24 / 16–21 (five runs against three); the first second alike —
 * what it compiles is the HTTP path's, which no rehearsal without sockets reaches. The gateway
 * never scales to zero (one replica at least, in Container Apps and Kubernetes alike): a new one
 * starts under load — a scale-out, a rolling update — and its readiness probe holds the traffic
 * back until it listens, so the second it spends here is not a master's.
 */
async function rehearseSignals(db: Db, count: number): Promise<{ held: number; reported: number }> {
  const tag = `warmup_${randomBytes(8).toString('hex')}`;
  const master = `${tag}_m`;
  const follower = `${tag}_f`;
  let held = 0;
  let reported = 0;
  try {
    await db.tx(async (tx) => {
      // Each signal's last write goes out now, not with a COMMIT that never comes: the next signal
      // reads what it wrote (its sequence), as the next batch does once it committed.
      const q: TxQueryable = { query: tx.query, send: tx.send, sendWithCommit: tx.send, commitNow: () => {} };
      await seedAccounts(q, master, [follower]);
      const options = { copyPendingOrders: true, subscriptions: new SubscriptionCache(), masters: new HeldMasters() };
      // Nothing is ever stamped: it only holds what was handed over, as the gateway's does.
      const stamps = new DeliveryStamps(db, 60_000);
      for (let i = 1; i <= count; i++) {
        const now = Date.now();
        const at = new Date(now).toISOString();
        // Shaped as the route hands them over: the body parsed from an EA's JSON (its keys in the
        // order our EA writes them) and validated; the submission's fields in the route's order.
        // Objects of another shape would have the compiled code thrown away on the first real one.
        const v = validateSignal(JSON.parse(JSON.stringify({
          sequence: i, type: 'position.opened', occurredAt: at,
          position: { id: `${tag}_p${i}`, symbol: 'EURUSD', side: 'buy', volume: 1, price: 1.085, sl: null, tp: null, magic: 0, comment: '' },
        })));
        if (!v.ok) throw new Error(`warm-up signal: ${v.message}`);
        const item: SignalSubmission = { accountId: master, idempotencyKey: `${tag}_s${i}`, requestHash: `POST ${tag}_s${i}`, body: v.value, receivedAtMs: now };
        let r: IngestResult | null = i > 1 ? await ingestHeldSignals(q, [item], now, options) : null;
        if (r) held++;
        else r = await ingestSignals(q, [item], now, options);
        const outcome = r.outcomes[0]!;
        if (!outcome.ok) throw outcome.error;
        for (const [id, h] of r.held) options.masters.set(id, h);
        for (const orders of r.wake.values()) {
          handOver(orders);
          for (const o of orders) {
            stamps.delivered(follower, o, now);
            const e = validateExecution(JSON.parse(JSON.stringify({ orderId: o.orderId, status: 'filled', executedAt: at, volume: 1, price: 1.085, followerPositionId: `${tag}_F${i}` })));
            if (!e.ok) throw new Error(`warm-up report: ${e.message}`);
            const d = stamps.take(follower, e.value.orderId);
            const done = await recordHandedExecutions(q, [{
              followerAccountId: follower, idempotencyKey: `${tag}_e${i}`, requestHash: `EXECUTION ${tag}_e${i}`, report: e.value,
              ...(d === undefined ? {} : { deliveredAt: new Date(d.at).toISOString(), handed: { runId: d.runId, action: d.action, volume: d.volume } }),
            }], at);
            if (done) reported++;
          }
        }
        // The follower's next long-poll reads its queue.
        await fetchPendingOrdersFor(q, [follower], 100);
      }
      throw new RolledBack();
    });
  } catch (e) {
    if (!(e instanceof RolledBack)) throw e;
  }
  return { held, reported };
}

export async function warmUpCopyPath(db: Db, o: WarmUpOptions): Promise<WarmUpResult> {
  const result: WarmUpResult = { roundsMs: [], orders: [] };
  for (let round = 0; round < o.rounds; round++) {
    const started = performance.now();
    result.orders.push(await rehearse(db, o.followers, o.journalFrom));
    result.roundsMs.push(Math.round(performance.now() - started));
  }
  if (o.signals) {
    const started = performance.now();
    result.signals = { ...(await rehearseSignals(db, o.signals)), ms: Math.round(performance.now() - started) };
  }
  return result;
}
