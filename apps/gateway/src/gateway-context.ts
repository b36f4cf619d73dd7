import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  expireOrders, fetchPendingOrdersFor, FlagsReader, followersWithPendingOrders, HeldMasters, pruneIdempotencyRecords, recordExecutions, recordHandedExecutions, SubscriptionCache,
  type Db, type ExecutionResult, type ExecutionSubmission, type SecretBox,
} from '@kopitra/store';
import { Coalescer } from './coalesce';
import { eaAuth, type EaRole } from './authenticate-ea';
import type { GatewayConfig } from './config';
import { CredentialCache } from './credential-cache';
import { DeliveryStamps } from './delivery-stamps';
import { IdempotentRunner } from './idempotent';
import { handOver, OrderWakeHub, type HandedOrders } from './order-wake-hub';
import { RateLimiter } from './rate-limiter';
import type { EaLogStorage } from './routes/logs';
import { GroupCommit } from './group-commit';
import { untilCopyPathQuiet } from './yield-to-copy-path';
import { ingestHeldSignals, ingestSignals, type IngestResult, type SignalSubmission, type SubmissionOutcome } from './services/ingest-signal';
import { JournalProjector } from './journal-projector';

export interface GatewayDeps {
  db: Db;
  secretBox: SecretBox;
  config: GatewayConfig;
  /** The clock (ms); tests pass their own. */
  now?: () => number;
  /** Blob Storage for EA log uploads (`POST /logs`); without it that route answers 503. */
  storage?: EaLogStorage;
  /** Failures of background work (delivery stamps), for the log. */
  onBackgroundError?: (err: unknown, what: string) => void;
}

/** Everything the gateway's routes share, built once per gateway instance. */
export interface GatewayContext {
  db: Db;
  config: GatewayConfig;
  now: () => number;
  hub: OrderWakeHub;
  credentials: CredentialCache;
  idempotent: IdempotentRunner;
  /** Group commit for master signals (a master's signals never in two transactions at once). */
  signals: GroupCommit<SignalSubmission, SubmissionOutcome, { handed: Map<string, HandedOrders>; journal: string | null; held: IngestResult['held'] }>;
  /** Group commit for execution reports. */
  executions: GroupCommit<ExecutionSubmission, ExecutionResult, undefined>;
  /** Pending orders by `${followerAccountId}\u0000${limit}`, read for every waiting follower at once. */
  pendingOrders: Coalescer<string, Record<string, unknown>[]>;
  /** Feature flags, refreshed on `flags:*` without a restart. */
  flags: FlagsReader;
  /** Long-polls open now, per follower account (capped by config). */
  longPolls: Map<string, number>;
  /** First-delivery stamps: written by the order's execution report, or together when it is late. */
  stamps: DeliveryStamps;
  /** The masters' subscriptions with their followers' state as the signal path last read them. */
  subscriptions: SubscriptionCache;
  /** The masters as the signal path's last committed batches left them. */
  masters: HeldMasters;
  /** Projects the copy-journal rows of large fan-outs after their commit. */
  journal: JournalProjector;
  auth(role: EaRole): (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  closing(): boolean;
  start(): Promise<void>;
  /** Stop taking long-polls and release the waiting ones (graceful shutdown). */
  beginClose(): void;
  stop(): Promise<void>;
}

/**
 * Signal batches up to this size are tried as one statement first (ingestHeldSignals): there the
 * round trips saved count. A larger batch — a backlog — takes the transaction, whose reads go out
 * with its BEGIN and whose answers are serialised while it commits. Measured at 128 masters
 * (batches of ≈ 36 signals), the statement was no better: 3,074–3,114 signals/s and 214–228 µs of
 * PostgreSQL per signal, the transaction 3,046–3,333 and 202–219 (docs/performance.md, session 20).
 */
const HELD_BATCH_MAX = 8;

/** Orders expired per statement by the periodic sweep (250: 7–17 ms of PostgreSQL), and per statement while the copy path is never quiet. */
const EXPIRY_CHUNK = 250;
const EXPIRY_CHUNK_UNDER_LOAD = 50;
/** The sweep's chunk waits for the copy path to be this quiet (ms) … */
const EXPIRY_QUIET_MS = 20;
/** … for this long at most (ms). */
const EXPIRY_MAX_DEFER_MS = 200;

export function createGatewayContext(deps: GatewayDeps): GatewayContext {
  const now = deps.now ?? Date.now;
  const credentials = new CredentialCache(deps.db, deps.secretBox);
  const limiter = new RateLimiter(deps.config.rateLimitPerSecond, deps.config.rateLimitBurst, now);
  const hub = new OrderWakeHub(deps.db);
  const flags = new FlagsReader(deps.db);
  const subscriptions = new SubscriptionCache();
  const masters = new HeldMasters();
  const stamps = new DeliveryStamps(deps.db, deps.config.deliveryStampDelayMs, (err) => deps.onBackgroundError?.(err, 'could not stamp deliveries'), now);
  const journal = new JournalProjector(deps.db, (id) => hub.wake(id), (err) => deps.onBackgroundError?.(err, 'could not project the copy journal'));
  let isClosing = false;
  let pruneTimer: NodeJS.Timeout | null = null;
  let expiryTimer: NodeJS.Timeout | null = null;
  let sweepTimer: NodeJS.Timeout | null = null;
  const ingestOptions = () => ({
    copyPendingOrders: flags.isEnabled('copy.pending_orders', true), subscriptions, wakeOrigin: hub.origin,
    ...(deps.config.journalFromFollowers > 0 ? { journalFrom: deps.config.journalFromFollowers } : {}),
  });
  const handedOf = (wake: IngestResult['wake']) => {
    const handed = new Map<string, HandedOrders>();
    for (const [id, orders] of wake) handed.set(id, handOver(orders));
    return handed;
  };
  // A batch planned from what this process holds is one statement (ingestHeldSignals); any other,
  // or one whose inputs changed meanwhile, a transaction.
  const signals = new GroupCommit(deps.db, async (q, items: SignalSubmission[], attempt) => {
    const { outcomes, wake, journal: journalId, held } = await ingestSignals(q, items, now(), { ...ingestOptions(), lookUpEveryKey: attempt > 0 });
    // The batch's write is on its way, and its COMMIT with it: the followers' answers are
    // serialised while PostgreSQL commits.
    q.commitNow();
    return { outcomes, after: { handed: handedOf(wake), journal: journalId, held } };
  }, {
    maxConcurrent: 2, concurrentFrom: 16, lane: (i) => i.accountId,
    direct: async (items) => {
      if (items.length > HELD_BATCH_MAX) return null;
      const r = await ingestHeldSignals(deps.db, items, now(), { ...ingestOptions(), masters });
      return r && { outcomes: r.outcomes, after: { handed: handedOf(r.wake), journal: null, held: r.held } };
    },
    onCommitted: ({ handed, journal: journalId, held }) => {
      for (const [id, h] of held) masters.set(id, h);
      const notHanded: string[] = [];
      for (const [id, h] of handed) if (!hub.wake(id, h)) notHanded.push(id);
      if (journalId) journal.enqueue({ id: journalId, notHanded });
    },
  });
  // A batch of first reports of orders handed over here is one statement; any other, a transaction.
  const executions = new GroupCommit(deps.db, async (q, items: ExecutionSubmission[], attempt) => {
    const { results } = await recordExecutions(q, items, new Date(now()).toISOString(), attempt > 0);
    return { outcomes: results, after: undefined };
  }, {
    direct: async (items) => {
      const recorded = await recordHandedExecutions(deps.db, items, new Date(now()).toISOString());
      return recorded && { outcomes: recorded.results, after: undefined };
    },
  });
  // The safety net for a lost notification: one query for every waiting follower per interval,
  // not a timer and a query per long-poll (a thousand idle long-polls cost one query a second).
  let sweeping = false;
  const sweep = async () => {
    const waiting = hub.waitingAccounts();
    if (sweeping || waiting.length === 0) return;
    sweeping = true;
    try {
      for (const id of await followersWithPendingOrders(deps.db, waiting)) hub.wake(id);
    } catch {
      // The next sweep retries; waiters still end at their deadline.
    } finally {
      sweeping = false;
    }
  };
  // Orders whose time ran out are expired for every follower at once, not on each poll — in short
  // chunks, each its own transaction, at a lower priority than the copy path: a chunk starts once
  // no signal or execution report has been in a transaction for EXPIRY_QUIET_MS, or after
  // EXPIRY_MAX_DEFER_MS as a small chunk (a load that never pauses still drains a backlog, at
  // 200 orders/s or more), with a pause twice as long as the chunk took between chunks. Nothing
  // waits for it: a long-poll never returns an order past its expiry, marked or not.
  let expiring = false;
  const copyPathQuiet = () => Math.min(signals.quietFor(), executions.quietFor());
  const expire = async () => {
    if (expiring) return;
    expiring = true;
    try {
      for (;;) {
        const quiet = await untilCopyPathQuiet({ quietFor: copyPathQuiet, quietMs: EXPIRY_QUIET_MS, maxDeferMs: EXPIRY_MAX_DEFER_MS });
        const chunk = quiet ? EXPIRY_CHUNK : EXPIRY_CHUNK_UNDER_LOAD;
        const started = performance.now();
        if (isClosing || (await expireOrders(deps.db, null, chunk)) < chunk) break;
        await new Promise((r) => setTimeout(r, Math.max(5, 2 * (performance.now() - started))));
      }
    } catch {
      // The next sweep retries.
    } finally {
      expiring = false;
    }
  };
  // Idempotency records are promised for 24 h and kept for the configured retention (≥ 24 h).
  const prune = () => pruneIdempotencyRecords(deps.db, deps.config.idempotencyRetentionMs).catch(() => {});
  const authDeps = { credentials, limiter, timestampWindowMs: deps.config.timestampWindowMs, now };
  const guards = { master: eaAuth(authDeps, 'master'), follower: eaAuth(authDeps, 'follower'), any: eaAuth(authDeps, 'any') };
  return {
    db: deps.db,
    config: deps.config,
    now,
    hub,
    credentials,
    idempotent: new IdempotentRunner(deps.db),
    pendingOrders: new Coalescer(async (keys) => {
      const byAccount = new Map<string, number>();
      for (const k of keys) {
        const [account, limit] = k.split('\u0000') as [string, string];
        byAccount.set(account, Math.max(byAccount.get(account) ?? 0, Number(limit)));
      }
      const rows = await fetchPendingOrdersFor(deps.db, [...byAccount.keys()], Math.max(...byAccount.values()));
      return new Map(keys.map((k) => {
        const [account, limit] = k.split('\u0000') as [string, string];
        return [k, (rows.get(account) ?? []).slice(0, Number(limit))];
      }));
    }),
    flags,
    longPolls: new Map(),
    stamps,
    subscriptions,
    masters,
    journal,
    signals,
    executions,
    auth: (role) => guards[role],
    closing: () => isClosing,
    async start() {
      await credentials.start();
      // Before the first request: what a killed process left in the copy journal is projected.
      await journal.start();
      stamps.start();
      await hub.start();
      await flags.start();
      void prune();
      pruneTimer = setInterval(() => void prune(), 3_600_000);
      pruneTimer.unref();
      expiryTimer = setInterval(() => void expire(), 5_000);
      expiryTimer.unref();
      sweepTimer = setInterval(() => void sweep(), deps.config.longPollFallbackMs);
      sweepTimer.unref();
    },
    beginClose() {
      isClosing = true;
      hub.releaseAll();
    },
    async stop() {
      isClosing = true;
      if (pruneTimer) clearInterval(pruneTimer);
      if (expiryTimer) clearInterval(expiryTimer);
      if (sweepTimer) clearInterval(sweepTimer);
      await journal.stop();
      await hub.stop();
      await stamps.stop().catch(() => {});
      await credentials.stop();
      await flags.stop();
    },
  };
}
