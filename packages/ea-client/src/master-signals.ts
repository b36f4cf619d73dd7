import type { SignalBody } from '@kopitra/protocol';
import type { BrokerEvent } from './broker-types';
import { iso } from './telemetry';

/** A signal without its sequence: the outbox assigns that when it persists the message. */
export type UnsequencedSignal = SignalBody extends infer S ? (S extends SignalBody ? Omit<S, 'sequence'> : never) : never;

/**
 * Turns what the terminal reports into the contract's signals, as the MQL5 master does from
 * OnTradeTransaction. A netting reversal arrives as `position.closed` then `position.opened`
 * with the same id; a filled pending order says nothing itself — its `position.opened` (id =
 * the order's ticket, as in MT5) follows.
 */
export function signalsFor(event: BrokerEvent, now: number): UnsequencedSignal[] {
  switch (event.type) {
    case 'position.opened': {
      const { position: p, deal } = event;
      return [{
        type: 'position.opened', occurredAt: iso(deal.time),
        position: { id: p.id, symbol: p.symbol, side: p.side, volume: p.volume, price: deal.price, sl: p.sl, tp: p.tp, magic: p.magic, comment: p.comment },
      }];
    }
    case 'position.increased': {
      const { position: p, deal } = event;
      return [{
        type: 'position.increased', occurredAt: iso(deal.time),
        position: { id: p.id, volume: event.volume, price: deal.price, volumeAfter: p.volume, symbol: p.symbol, side: p.side },
      }];
    }
    case 'position.closed': {
      const { position: p, deal } = event;
      return [{
        type: 'position.closed', occurredAt: iso(deal.time),
        position: { id: p.id, volume: event.volume, price: deal.price, volumeAfter: event.volumeAfter },
      }];
    }
    case 'position.modified':
      return [{ type: 'position.modified', occurredAt: iso(now), position: { id: event.position.id, sl: event.position.sl, tp: event.position.tp } }];
    case 'order.placed': {
      const o = event.order;
      return [{
        type: 'order.placed', occurredAt: iso(event.at),
        order: { id: o.id, symbol: o.symbol, kind: o.kind, volume: o.volume, price: o.price, sl: o.sl, tp: o.tp, expiresAt: o.expiresAt === null ? null : iso(o.expiresAt) },
      }];
    }
    case 'order.modified': {
      const o = event.order;
      return [{
        type: 'order.modified', occurredAt: iso(event.at),
        order: { id: o.id, price: o.price, sl: o.sl, tp: o.tp, expiresAt: o.expiresAt === null ? null : iso(o.expiresAt) },
      }];
    }
    case 'order.cancelled':
    case 'order.expired':
      return [{ type: 'order.cancelled', occurredAt: iso(event.at), order: { id: event.order.id } }];
    case 'order.filled':
      return [];
  }
}
