import { EA_BASE_PATH, type SignalBody } from '@kopitra/protocol';
import type { PendingKind, Side, TradeResult } from './broker-types';
import { RETCODE } from './broker-types';
import type { Clock, EaHttpClient, HttpOutcome } from './http-client';
import { signalsFor } from './master-signals';
import { Outbox, type DeadLetter, type OutboxAck, type OutboxMessage, type Sleep } from './outbox';
import type { BackoffOptions } from './retry-policy';
import type { SimBroker, StopsChange } from './sim-broker';
import { buildHeartbeat, buildSnapshot, sendTelemetry, type TerminalInfo } from './telemetry';

export const SIGNALS_PATH = `${EA_BASE_PATH}/signals`;

export interface ReferenceMasterOptions {
  client: EaHttpClient;
  broker: SimBroker;
  /** The signal outbox (sequence, keys, acks.jsonl, dead-letter.jsonl). */
  outboxDir: string;
  clock?: Clock;
  random?: () => number;
  sleep?: Sleep;
  backoff?: BackoffOptions;
  /** Expert magic number put on the master's own trades. Default 0. */
  magic?: number;
  terminal?: TerminalInfo;
  /** Start sending as soon as a signal is persisted (default false: call flush()). */
  autoFlush?: boolean;
  fsync?: boolean;
  onAck?: (ack: OutboxAck) => void;
  onDeadLetter?: (entry: DeadLetter) => void;
}

/** What a trading call did on the broker and which signals it put in the outbox (with their sequences). */
export interface MasterAction {
  result: TradeResult;
  signals: SignalBody[];
}

/**
 * The reference master EA. Trading calls act on the (simulated) terminal; every change the
 * terminal reports — including ones no call made (SL/TP hits, pending fills, expiries) — becomes
 * a signal, persisted in the outbox with the next sequence before anything is sent.
 */
export class ReferenceMaster {
  readonly outbox: Outbox;
  readonly broker: SimBroker;
  private readonly client: EaHttpClient;
  private readonly clock: Clock;
  private readonly magic: number;
  private readonly terminal: TerminalInfo;
  private readonly autoFlush: boolean;
  private readonly unsubscribe: () => void;
  private batch: Promise<OutboxMessage>[] | null = null;
  private readonly enqueueErrors: unknown[] = [];

  constructor(options: ReferenceMasterOptions) {
    this.client = options.client;
    this.broker = options.broker;
    this.clock = options.clock ?? Date.now;
    this.magic = options.magic ?? 0;
    this.terminal = options.terminal ?? { platform: 'sim', connected: true };
    this.autoFlush = options.autoFlush ?? false;
    this.outbox = new Outbox({
      dir: options.outboxDir,
      client: options.client,
      clock: this.clock,
      keyPrefix: 'sig.',
      ...(options.random ? { random: options.random } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.fsync !== undefined ? { fsync: options.fsync } : {}),
      ...(options.onAck ? { onAck: options.onAck } : {}),
      ...(options.onDeadLetter ? { onDeadLetter: options.onDeadLetter } : {}),
    });
    this.unsubscribe = this.broker.on((event) => {
      for (const signal of signalsFor(event, this.clock())) {
        const meta = { type: signal.type, id: 'position' in signal ? signal.position.id : signal.order.id };
        const queued = this.outbox.enqueue(SIGNALS_PATH, (sequence) => ({ sequence, ...signal }), { meta });
        if (this.batch) this.batch.push(queued);
        else queued.catch((e: unknown) => this.enqueueErrors.push(e));
      }
      if (this.autoFlush) this.outbox.flush().catch((e: unknown) => this.enqueueErrors.push(e));
    });
  }

  open(symbol: string, side: Side, volume: number, options: { sl?: number | null; tp?: number | null; comment?: string } = {}): Promise<MasterAction> {
    return this.act(() => this.broker.marketOrder({ symbol, side, volume, sl: options.sl ?? null, tp: options.tp ?? null, comment: options.comment ?? '', magic: this.magic }));
  }

  /** Netting scale-in: a same-direction deal on the symbol's position (`position.increased`). */
  increase(positionId: string, volume: number): Promise<MasterAction> {
    return this.act(() => {
      const p = this.broker.position(positionId);
      if (!p) return { ok: false, retcode: RETCODE.POSITION_CLOSED, message: `position ${positionId} is not open`, deals: [] };
      if (this.broker.mode !== 'netting') return { ok: false, retcode: RETCODE.INVALID, message: 'a hedging account cannot add to a position; open another one', deals: [] };
      return this.broker.marketOrder({ symbol: p.symbol, side: p.side, volume, magic: this.magic });
    });
  }

  /** Full close, or partial when `volume` is less than the open volume. */
  close(positionId: string, volume?: number): Promise<MasterAction> {
    return this.act(() => this.broker.closePosition(positionId, volume === undefined ? {} : { volume }));
  }

  modify(positionId: string, stops: StopsChange): Promise<MasterAction> {
    return this.act(() => this.broker.modifyPosition(positionId, stops));
  }

  placePending(req: { symbol: string; kind: PendingKind; volume: number; price: number; sl?: number | null; tp?: number | null; expiresAt?: number | null; comment?: string }): Promise<MasterAction> {
    return this.act(() => this.broker.placePending({ ...req, magic: this.magic }));
  }

  amendPending(orderId: string, change: { price?: number; sl?: number | null; tp?: number | null; expiresAt?: number | null }): Promise<MasterAction> {
    return this.act(() => this.broker.modifyPending(orderId, change));
  }

  cancelPending(orderId: string): Promise<MasterAction> {
    return this.act(() => this.broker.cancelPending(orderId));
  }

  /** Moves the market (setQuote) and returns the signals it caused (SL/TP hits, pending fills). */
  setQuote(symbol: string, bid: number, ask?: number): Promise<MasterAction> {
    return this.act(() => {
      this.broker.setQuote(symbol, bid, ask);
      return { ok: true, retcode: RETCODE.DONE, message: 'quote set', deals: [] };
    });
  }

  snapshot(): Promise<HttpOutcome> {
    return sendTelemetry(this.client, buildSnapshot(this.broker, this.clock()));
  }

  heartbeat(): Promise<HttpOutcome> {
    return sendTelemetry(this.client, buildHeartbeat(this.clock(), this.terminal));
  }

  /** Sends every pending signal in order; resolves with the gateway's acknowledgements. */
  async flush(): Promise<OutboxAck[]> {
    this.throwEnqueueErrors();
    return this.outbox.flush();
  }

  /** Everything the gateway acknowledged, from `<outboxDir>/acks.jsonl` (deduplicated by key). */
  readAcks(): OutboxAck[] {
    return this.outbox.readAcks();
  }

  /** Stops listening and sending; what is queued stays on disk for the next instance. */
  dispose(): void {
    this.unsubscribe();
    this.outbox.close();
  }

  private async act(fn: () => TradeResult): Promise<MasterAction> {
    this.throwEnqueueErrors();
    const batch: Promise<OutboxMessage>[] = [];
    this.batch = batch;
    let result: TradeResult;
    try {
      result = fn();
    } finally {
      this.batch = null;
    }
    const messages = await Promise.all(batch);
    return { result, signals: messages.map((m) => JSON.parse(m.body) as SignalBody) };
  }

  private throwEnqueueErrors(): void {
    const e = this.enqueueErrors.shift();
    if (e !== undefined) throw e;
  }
}
