import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, EaHttpClient, HttpOutcome } from './http-client';
import { appendLineDurable, parseJsonLines, removeDurable, TEMP_SUFFIX, writeFileAtomic } from './durable-file';
import { backoffDelay, judgeDelivery, type BackoffOptions } from './retry-policy';

/** One message waiting in the outbox, exactly as it will be (re)sent. */
export interface OutboxMessage {
  /** Per-outbox, from 1, one more for every message; persisted so a restart never reuses one. */
  sequence: number;
  /** Fixed at creation: every retry, across restarts, sends the same key with the same bytes. */
  idempotencyKey: string;
  path: string;
  /** The exact JSON text sent (and signed). */
  body: string;
  createdAt: string;
  meta?: Record<string, string>;
}

/** A 2xx answer, as written to `acks.jsonl`. */
export interface OutboxAck {
  sequence: number;
  idempotencyKey: string;
  path: string;
  status: number;
  /** The gateway's answer (`{signalId, runId, sequence, orders, gap}` for a signal). */
  response: unknown;
  ackedAt: string;
  meta?: Record<string, string>;
}

/** A definitive 4xx, as written to `dead-letter.jsonl`: kept with the answer, never dropped silently. */
export interface DeadLetter {
  message: OutboxMessage;
  status: number;
  response: unknown;
  reason: string;
  at: string;
}

export interface RetryInfo {
  message: OutboxMessage;
  attempt: number;
  delayMs: number;
  reason: string;
}

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export interface OutboxOptions {
  dir: string;
  client: EaHttpClient;
  clock?: Clock;
  /** [0, 1); jitter source. */
  random?: () => number;
  /** How to wait between attempts; resolves early when the signal aborts. */
  sleep?: Sleep;
  backoff?: BackoffOptions;
  /** Key for a new message; default `<keyPrefix><sequence>.<12 random hex>`. */
  newKey?: (sequence: number) => string;
  keyPrefix?: string;
  /** fsync files and the directory (default true). */
  fsync?: boolean;
  onAck?: (ack: OutboxAck) => void;
  onDeadLetter?: (entry: DeadLetter) => void;
  onRetry?: (info: RetryInfo) => void;
}

export const ACKS_FILE = 'acks.jsonl';
export const DEAD_LETTER_FILE = 'dead-letter.jsonl';
const STATE_FILE = 'state.json';
const MESSAGE_PREFIX = 'msg-';

export class OutboxClosedError extends Error {
  constructor() {
    super('outbox is closed');
    this.name = 'OutboxClosedError';
  }
}

/**
 * A durable, ordered outbox on disk. Every message is persisted (temp + fsync + rename)
 * before its first send, sent in sequence order, retried with backoff until the gateway gives
 * a definitive answer, and only then removed. A new Outbox on the same directory resumes with
 * the same messages, sequences and keys.
 */
export class Outbox {
  readonly dir: string;
  private readonly client: EaHttpClient;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly sleep: Sleep;
  private readonly backoff: BackoffOptions;
  private readonly newKey: (sequence: number) => string;
  private readonly fsync: boolean;
  private readonly options: OutboxOptions;
  private readonly queue: OutboxMessage[] = [];
  private last = 0;
  private writeChain: Promise<unknown> = Promise.resolve();
  private draining: Promise<void> | null = null;
  private readonly collectors = new Set<OutboxAck[]>();
  private readonly abort = new AbortController();

  constructor(options: OutboxOptions) {
    this.options = options;
    this.dir = options.dir;
    this.client = options.client;
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? abortableSleep;
    this.backoff = options.backoff ?? {};
    this.fsync = options.fsync ?? true;
    const prefix = options.keyPrefix ?? 'ob.';
    this.newKey = options.newKey ?? ((seq) => `${prefix}${seq}.${randomBytes(6).toString('hex')}`);
    this.load();
  }

  /** The last sequence handed out (0 before the first message). */
  get lastSequence(): number {
    return this.last;
  }

  get closed(): boolean {
    return this.abort.signal.aborted;
  }

  /** Messages not yet definitively answered, oldest first. */
  pending(): readonly OutboxMessage[] {
    return [...this.queue];
  }

  /**
   * Assigns the next sequence, builds the body from it (so a signal can carry it), fixes the idempotency key and persists the message. Resolves once it is on disk.
   */
  enqueue(path: string, body: (sequence: number) => unknown, options: { idempotencyKey?: string; meta?: Record<string, string> } = {}): Promise<OutboxMessage> {
    const run = this.writeChain.then(async () => {
      if (this.closed) throw new OutboxClosedError();
      const sequence = this.last + 1;
      const value = body(sequence);
      const message: OutboxMessage = {
        sequence,
        idempotencyKey: options.idempotencyKey ?? this.newKey(sequence),
        path,
        body: JSON.stringify(value),
        createdAt: new Date(this.clock()).toISOString(),
        ...(options.meta ? { meta: options.meta } : {}),
      };
      // The message file first: on restart the next sequence is max(state, files) + 1, so a
      // crash between the two writes neither reuses nor skips a sequence.
      await writeFileAtomic(this.messagePath(sequence), JSON.stringify(message), this.fsync);
      this.last = sequence;
      await writeFileAtomic(join(this.dir, STATE_FILE), JSON.stringify({ lastSequence: sequence }), this.fsync);
      this.queue.push(message);
      return message;
    });
    this.writeChain = run.catch(() => undefined);
    return run;
  }

  /**
   * Sends everything pending, in order, until the outbox is empty (messages enqueued meanwhile
   * included) or it is closed. Waits as long as the gateway stays unreachable: nothing is
   * dropped after N retries. Resolves with the acknowledgements received during this flush.
   */
  async flush(): Promise<OutboxAck[]> {
    if (this.closed) throw new OutboxClosedError();
    const acks: OutboxAck[] = [];
    this.collectors.add(acks);
    try {
      await this.writeChain;
      while (!this.closed && this.queue.length > 0) {
        this.draining ??= this.drain().finally(() => {
          this.draining = null;
        });
        await this.draining;
        await this.writeChain;
      }
    } finally {
      this.collectors.delete(acks);
    }
    return acks;
  }

  /**
   * Stops sending now (an in-flight request is abandoned, a backoff wait ends) and refuses new
   * work. What is on disk stays; a new Outbox on the same directory picks it up. Tests use it
   * to simulate a crash mid-flush.
   */
  close(): void {
    this.abort.abort();
  }

  /** The acknowledgements log, one entry per idempotency key (a resend after a crash may log twice). */
  readAcks(): OutboxAck[] {
    return readAcks(this.dir);
  }

  readDeadLetters(): DeadLetter[] {
    return readDeadLetters(this.dir);
  }

  private async drain(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      const message = this.queue[0];
      if (!message) return;
      for (let attempt = 0; ; attempt++) {
        if (signal.aborted) return;
        const outcome: HttpOutcome = await this.client.post(message.path, message.body, message.idempotencyKey, { signal });
        if (signal.aborted) return;
        const now = this.clock();
        const judged = judgeDelivery(outcome, now);
        if (judged.verdict === 'acknowledged' && outcome.kind === 'response') {
          await this.acknowledge(message, outcome.status, outcome.body, now);
          break;
        }
        if (judged.verdict === 'dead_letter' && outcome.kind === 'response') {
          await this.deadLetter(message, outcome.status, outcome.body, judged.reason, now);
          break;
        }
        const delayMs = backoffDelay(attempt, this.random, this.backoff, judged.verdict === 'retry' ? judged.retryAfterMs : undefined);
        this.options.onRetry?.({ message, attempt: attempt + 1, delayMs, reason: judged.verdict === 'retry' ? judged.reason : 'unknown' });
        await this.sleep(delayMs, signal);
      }
    }
  }

  private async acknowledge(message: OutboxMessage, status: number, response: unknown, now: number): Promise<void> {
    const ack: OutboxAck = {
      sequence: message.sequence,
      idempotencyKey: message.idempotencyKey,
      path: message.path,
      status,
      response,
      ackedAt: new Date(now).toISOString(),
      ...(message.meta ? { meta: message.meta } : {}),
    };
    // Log first, then remove: a crash in between resends the message, the gateway answers the
    // same (idempotent repeat) and the log holds the key twice — readers dedupe by key.
    await appendLineDurable(join(this.dir, ACKS_FILE), JSON.stringify(ack), this.fsync);
    await removeDurable(this.messagePath(message.sequence), this.fsync);
    this.queue.shift();
    for (const c of this.collectors) c.push(ack);
    this.options.onAck?.(ack);
  }

  private async deadLetter(message: OutboxMessage, status: number, response: unknown, reason: string, now: number): Promise<void> {
    const entry: DeadLetter = { message, status, response, reason, at: new Date(now).toISOString() };
    await appendLineDurable(join(this.dir, DEAD_LETTER_FILE), JSON.stringify(entry), this.fsync);
    await removeDurable(this.messagePath(message.sequence), this.fsync);
    this.queue.shift();
    this.options.onDeadLetter?.(entry);
  }

  private messagePath(sequence: number): string {
    return join(this.dir, `${MESSAGE_PREFIX}${String(sequence).padStart(16, '0')}.json`);
  }

  /** Startup only (synchronous): sweep torn temp files, load messages and the sequence. */
  private load(): void {
    mkdirSync(this.dir, { recursive: true });
    let last = 0;
    const statePath = join(this.dir, STATE_FILE);
    if (existsSync(statePath)) {
      const state = JSON.parse(readFileSync(statePath, 'utf8')) as { lastSequence?: unknown };
      if (typeof state.lastSequence === 'number') last = state.lastSequence;
    }
    for (const name of readdirSync(this.dir).sort()) {
      if (name.endsWith(TEMP_SUFFIX)) {
        unlinkSync(join(this.dir, name));
        continue;
      }
      if (!name.startsWith(MESSAGE_PREFIX) || !name.endsWith('.json')) continue;
      // Written by rename, so a message file is whole; anything else is a bug worth stopping for.
      const message = JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as OutboxMessage;
      this.queue.push(message);
      last = Math.max(last, message.sequence);
    }
    this.queue.sort((a, b) => a.sequence - b.sequence);
    this.last = last;
  }
}

export function readAcks(dir: string): OutboxAck[] {
  const path = join(dir, ACKS_FILE);
  if (!existsSync(path)) return [];
  const seen = new Set<string>();
  return parseJsonLines<OutboxAck>(readFileSync(path, 'utf8')).filter((a) => {
    if (seen.has(a.idempotencyKey)) return false;
    seen.add(a.idempotencyKey);
    return true;
  });
}

export function readDeadLetters(dir: string): DeadLetter[] {
  const path = join(dir, DEAD_LETTER_FILE);
  return existsSync(path) ? parseJsonLines<DeadLetter>(readFileSync(path, 'utf8')) : [];
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
