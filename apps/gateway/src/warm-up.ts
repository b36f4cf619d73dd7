import { randomBytes } from 'node:crypto';
import { DEFAULT_SUBSCRIPTION_SETTINGS } from '@kopitra/engine';
import { SubscriptionCache, type Db } from '@kopitra/store';
import { handOver } from './order-wake-hub';
import { ingestSignals } from './services/ingest-signal';

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
}

export interface WarmUpResult {
  /** Each round's time (ms). */
  roundsMs: number[];
  /** Orders each round planned (and rolled back). */
  orders: number[];
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

export async function warmUpCopyPath(db: Db, o: WarmUpOptions): Promise<WarmUpResult> {
  const result: WarmUpResult = { roundsMs: [], orders: [] };
  for (let round = 0; round < o.rounds; round++) {
    const started = performance.now();
    result.orders.push(await rehearse(db, o.followers, o.journalFrom));
    result.roundsMs.push(Math.round(performance.now() - started));
  }
  return result;
}
