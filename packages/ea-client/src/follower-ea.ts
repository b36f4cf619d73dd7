import { join } from 'node:path';
import { EA_BASE_PATH, type ExecutionBody, type FollowerOrder } from '@kopitra/protocol';
import { executeOrder } from './follower-execute';
import { FollowerLinks } from './follower-links';
import type { Clock, EaHttpClient, HttpOutcome } from './http-client';
import { abortableSleep, Outbox, type DeadLetter, type OutboxAck, type Sleep } from './outbox';
import { backoffDelay, type BackoffOptions } from './retry-policy';
import type { SimBroker } from './sim-broker';
import { buildHeartbeat, buildSnapshot, sendTelemetry, type TerminalInfo } from './telemetry';

export const ORDERS_PATH = `${EA_BASE_PATH}/orders`;
export const EXECUTIONS_PATH = `${EA_BASE_PATH}/executions`;

/** Thrown by pollOnce when `crashAfterExecution` says so: the trade is done, the report is not written. */
export class SimulatedCrash extends Error {
  constructor(readonly order: FollowerOrder, readonly report: ExecutionBody) {
    super(`simulated crash after executing ${order.orderId}, before its report`);
    this.name = 'SimulatedCrash';
  }
}

export interface ReferenceFollowerOptions {
  client: EaHttpClient;
  broker: SimBroker;
  /** Holds `outbox/` (execution reports, acks.jsonl, dead-letter.jsonl) and `links.json`. */
  stateDir: string;
  clock?: Clock;
  random?: () => number;
  sleep?: Sleep;
  backoff?: BackoffOptions;
  /** Orders per poll (1–100). Default 50. */
  limit?: number;
  magic?: number;
  terminal?: TerminalInfo;
  fsync?: boolean;
  /**
   * Fault injection: called after an order changed the account and before its report is
   * persisted; returning true makes pollOnce throw SimulatedCrash right there.
   */
  crashAfterExecution?: (order: FollowerOrder, report: ExecutionBody) => boolean;
  onAck?: (ack: OutboxAck) => void;
  onDeadLetter?: (entry: DeadLetter) => void;
}

export interface PollResult {
  /** False when the poll itself got no usable answer (network error, non-2xx). */
  ok: boolean;
  outcome: HttpOutcome;
  orders: FollowerOrder[];
  /** Reports queued by this poll (orders whose report was already queued are skipped). */
  reports: ExecutionBody[];
  /** Acknowledgements received while flushing the report outbox. */
  acks: OutboxAck[];
}

/**
 * The reference follower EA: long-polls its orders, carries them out on the terminal exactly
 * once (tags + links), and reports each through a durable outbox so no report is ever lost.
 */
export class ReferenceFollower {
  readonly outbox: Outbox;
  readonly broker: SimBroker;
  readonly links: FollowerLinks;
  private readonly client: EaHttpClient;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly sleep: Sleep;
  private readonly backoff: BackoffOptions;
  private readonly limit: number;
  private readonly magic: number;
  private readonly terminal: TerminalInfo;
  private readonly crashAfterExecution: ReferenceFollowerOptions['crashAfterExecution'];
  private readonly abort = new AbortController();

  constructor(options: ReferenceFollowerOptions) {
    this.client = options.client;
    this.broker = options.broker;
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? abortableSleep;
    this.backoff = options.backoff ?? {};
    this.limit = options.limit ?? 50;
    this.magic = options.magic ?? 0;
    this.terminal = options.terminal ?? { platform: 'sim', connected: true };
    this.crashAfterExecution = options.crashAfterExecution;
    this.links = new FollowerLinks(join(options.stateDir, 'links.json'), options.fsync ?? true);
    this.outbox = new Outbox({
      dir: join(options.stateDir, 'outbox'),
      client: options.client,
      clock: this.clock,
      random: this.random,
      sleep: this.sleep,
      backoff: this.backoff,
      keyPrefix: 'exe.',
      ...(options.fsync !== undefined ? { fsync: options.fsync } : {}),
      ...(options.onAck ? { onAck: options.onAck } : {}),
      ...(options.onDeadLetter ? { onDeadLetter: options.onDeadLetter } : {}),
    });
  }

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  /** One `GET /orders?wait=N&limit=M`, every order carried out and reported, reports flushed. */
  async pollOnce(options: { wait?: number; limit?: number; flush?: boolean } = {}): Promise<PollResult> {
    const wait = options.wait ?? 0;
    const limit = options.limit ?? this.limit;
    const outcome = await this.client.get(`${ORDERS_PATH}?wait=${wait}&limit=${limit}`, { extraTimeoutMs: wait * 1000, signal: this.abort.signal });
    if (outcome.kind !== 'response' || outcome.status !== 200) {
      // Reports queued earlier still go out when the gateway answers again.
      return { ok: false, outcome, orders: [], reports: [], acks: [] };
    }
    const orders = ((outcome.body as { orders?: FollowerOrder[] } | null)?.orders ?? []);
    const reports: ExecutionBody[] = [];
    for (const order of orders) {
      if (this.stopped) break;
      // Its report is already queued (the gateway keeps returning the order until it arrives).
      if (this.outbox.pending().some((m) => m.meta?.orderId === order.orderId)) continue;
      const { report, executed } = await executeOrder(order, { broker: this.broker, links: this.links, now: this.clock(), magic: this.magic });
      if (executed && this.crashAfterExecution?.(order, report)) throw new SimulatedCrash(order, report);
      await this.outbox.enqueue(EXECUTIONS_PATH, () => report, { idempotencyKey: executionKey(report), meta: { orderId: order.orderId, status: report.status } });
      reports.push(report);
    }
    const acks = options.flush === false || this.stopped ? [] : await this.outbox.flush();
    return { ok: true, outcome, orders, reports, acks };
  }

  /** Polls until stop(), backing off while the gateway is unreachable or refuses. */
  async run(options: { wait?: number; limit?: number } = {}): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const result = await this.pollOnce(options);
      if (result.ok) {
        failures = 0;
        continue;
      }
      if (this.stopped) break;
      await this.sleep(backoffDelay(failures++, this.random, this.backoff), this.abort.signal);
    }
  }

  /** Ends run() and any long-poll or backoff in progress; queued reports stay on disk for the next instance. */
  stop(): void {
    this.abort.abort();
    this.outbox.close();
  }

  flush(): Promise<OutboxAck[]> {
    return this.outbox.flush();
  }

  snapshot(): Promise<HttpOutcome> {
    return sendTelemetry(this.client, buildSnapshot(this.broker, this.clock()));
  }

  heartbeat(): Promise<HttpOutcome> {
    return sendTelemetry(this.client, buildHeartbeat(this.clock(), this.terminal));
  }

  readAcks(): OutboxAck[] {
    return this.outbox.readAcks();
  }
}

/**
 * Deterministic per (order, status): a report rebuilt after a crash (same deal, same content)
 * repeats the first one's key and bytes, so the gateway treats it as the same request.
 */
export function executionKey(report: ExecutionBody): string {
  return `exe.${report.orderId.replace(/[^A-Za-z0-9_.:-]/g, '_')}.${report.status}`.slice(0, 128);
}
