import type { FastifyReply, FastifyRequest } from 'fastify';
import { pruneIdempotencyRecords, type Db, type SecretBox } from '@kopitra/store';
import { eaAuth, type EaRole } from './authenticate-ea';
import type { GatewayConfig } from './config';
import { CredentialCache } from './credential-cache';
import { IdempotentRunner } from './idempotent';
import { OrderWakeHub } from './order-wake-hub';
import { RateLimiter } from './rate-limiter';
import { SignalBatcher } from './services/signal-batcher';

export interface GatewayDeps {
  db: Db;
  secretBox: SecretBox;
  config: GatewayConfig;
  /** The clock (ms); tests pass their own. */
  now?: () => number;
  /** Blob Storage for EA log uploads (`POST /logs`); without it that route answers 503. */
  storage?: import('./routes/logs').EaLogStorage;
}

/** Everything the gateway's routes share, built once per gateway instance. */
export interface GatewayContext {
  db: Db;
  config: GatewayConfig;
  now: () => number;
  hub: OrderWakeHub;
  credentials: CredentialCache;
  idempotent: IdempotentRunner;
  /** Group commit for master signals. */
  signals: SignalBatcher;
  auth(role: EaRole): (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  closing(): boolean;
  start(): Promise<void>;
  /** Stop taking long-polls and release the waiting ones (graceful shutdown). */
  beginClose(): void;
  stop(): Promise<void>;
}

export function createGatewayContext(deps: GatewayDeps): GatewayContext {
  const now = deps.now ?? Date.now;
  const credentials = new CredentialCache(deps.db, deps.secretBox);
  const limiter = new RateLimiter(deps.config.rateLimitPerSecond, deps.config.rateLimitBurst, now);
  const hub = new OrderWakeHub(deps.db);
  let isClosing = false;
  let pruneTimer: NodeJS.Timeout | null = null;
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
    signals: new SignalBatcher(deps.db, now, (followers) => { for (const id of followers) hub.wake(id); }),
    auth: (role) => guards[role],
    closing: () => isClosing,
    async start() {
      await credentials.start();
      await hub.start();
      void prune();
      pruneTimer = setInterval(() => void prune(), 3_600_000);
      pruneTimer.unref();
    },
    beginClose() {
      isClosing = true;
      hub.releaseAll();
    },
    async stop() {
      isClosing = true;
      if (pruneTimer) clearInterval(pruneTimer);
      await hub.stop();
      await credentials.stop();
    },
  };
}
