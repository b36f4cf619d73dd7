import { randomBytes } from 'node:crypto';
import { EA_BASE_PATH, type TelemetryBody } from '@kopitra/protocol';
import type { EaHttpClient, HttpOutcome } from './http-client';
import type { SimBroker } from './sim-broker';

export interface TerminalInfo {
  platform?: 'mt4' | 'mt5' | 'sim';
  build?: number;
  connected?: boolean;
  pingMs?: number;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The snapshot telemetry body: account, open positions, pending orders and symbol specs. */
export function buildSnapshot(broker: SimBroker, now: number): Extract<TelemetryBody, { kind: 'snapshot' }> {
  const account = broker.account();
  return {
    kind: 'snapshot',
    sentAt: iso(now),
    account: { balance: account.balance, equity: account.equity, currency: account.currency, leverage: account.leverage },
    positions: broker.positions().map((p) => ({
      id: p.id, symbol: p.symbol, side: p.side, volume: p.volume, price: p.price, sl: p.sl, tp: p.tp,
      comment: p.comment, magic: p.magic, openedAt: iso(p.openedAt),
    })),
    orders: broker.orders().map((o) => ({
      id: o.id, symbol: o.symbol, kind: o.kind, volume: o.volume, price: o.price, sl: o.sl, tp: o.tp, comment: o.comment,
    })),
    symbols: broker.symbols().map((s) => ({
      name: s.name, volumeMin: s.volumeMin, volumeMax: s.volumeMax, volumeStep: s.volumeStep,
      contractSize: s.contractSize, tickSize: s.tickSize, tickValue: s.tickValue, digits: s.digits,
    })),
  };
}

export function buildHeartbeat(now: number, terminal: TerminalInfo = { platform: 'sim', connected: true }): Extract<TelemetryBody, { kind: 'heartbeat' }> {
  return { kind: 'heartbeat', sentAt: iso(now), terminal };
}

/**
 * Telemetry is sent directly, not through the outbox: a stale heartbeat or snapshot is worth
 * nothing (the next one supersedes it), and queueing them behind signals would only delay the
 * signals. A fresh key each time; a failure is returned, not thrown.
 */
export function sendTelemetry(client: EaHttpClient, body: TelemetryBody): Promise<HttpOutcome> {
  return client.post(`${EA_BASE_PATH}/telemetry`, body, `tm.${body.kind}.${randomBytes(8).toString('hex')}`);
}
