/** Types of the simulated broker, shaped like the MT5 terminal's view of an account. */

export type Side = 'buy' | 'sell';
export type PendingKind = 'buy_limit' | 'sell_limit' | 'buy_stop' | 'sell_stop';
/** MT5 ACCOUNT_MARGIN_MODE: hedging (many positions per symbol) or netting (one per symbol). */
export type AccountMode = 'hedging' | 'netting';

export interface SymbolSpec {
  name: string;
  volumeMin: number;
  volumeMax: number;
  volumeStep: number;
  contractSize: number;
  tickSize: number;
  /** Account currency per tick per lot. */
  tickValue: number;
  digits: number;
}

export interface Quote {
  bid: number;
  ask: number;
}

export interface SimPosition {
  /** Stable like MT5 POSITION_IDENTIFIER: the ticket of the order that opened it; survives partial closes and a netting reversal. */
  id: string;
  symbol: string;
  side: Side;
  volume: number;
  /** Open price (volume-weighted after a netting scale-in). */
  price: number;
  sl: number | null;
  tp: number | null;
  comment: string;
  magic: number;
  openedAt: number;
}

export type DealEntry = 'in' | 'out' | 'inout';
export type DealReason = 'client' | 'sl' | 'tp' | 'pending';

export interface SimDeal {
  ticket: string;
  orderTicket: string;
  positionId: string;
  symbol: string;
  /** Direction of the deal itself (a close of a buy is a sell deal). */
  side: Side;
  entry: DealEntry;
  volume: number;
  price: number;
  time: number;
  comment: string;
  magic: number;
  /** Realised profit in account currency (0 for entry `in`). */
  profit: number;
  reason: DealReason;
}

export interface SimPendingOrder {
  id: string;
  symbol: string;
  kind: PendingKind;
  volume: number;
  price: number;
  sl: number | null;
  tp: number | null;
  comment: string;
  magic: number;
  /** Unix ms, or null for good-till-cancelled. */
  expiresAt: number | null;
  placedAt: number;
}

/** MT5 trade server return codes (MqlTradeResult.retcode) the simulator produces. */
export const RETCODE = {
  REQUOTE: 10004,
  REJECT: 10006,
  PLACED: 10008,
  DONE: 10009,
  /** MT5 "invalid request". */
  INVALID: 10013,
  INVALID_VOLUME: 10014,
  INVALID_PRICE: 10015,
  INVALID_STOPS: 10016,
  MARKET_CLOSED: 10018,
  NO_MONEY: 10019,
  INVALID_EXPIRATION: 10022,
  NO_CHANGES: 10025,
  INVALID_ORDER: 10035,
  POSITION_CLOSED: 10036,
} as const;

export interface TradeResult {
  ok: boolean;
  retcode: number;
  message: string;
  /** The deals this request made (a netting reversal makes one `inout` deal). */
  deals: SimDeal[];
  /** The position after the request (absent when it was fully closed or nothing changed). */
  position?: SimPosition;
  positionId?: string;
  order?: SimPendingOrder;
  price?: number;
  volume?: number;
}

/** What the terminal reports after a change (the MQL5 EA reacts to OnTradeTransaction the same way). */
export type BrokerEvent =
  | { type: 'position.opened'; position: SimPosition; deal: SimDeal }
  | { type: 'position.increased'; position: SimPosition; deal: SimDeal; volume: number }
  | { type: 'position.closed'; position: SimPosition; deal: SimDeal; volume: number; volumeAfter: number }
  | { type: 'position.modified'; position: SimPosition }
  | { type: 'order.placed' | 'order.modified' | 'order.cancelled' | 'order.expired' | 'order.filled'; order: SimPendingOrder; at: number };

export interface AccountState {
  mode: AccountMode;
  balance: number;
  equity: number;
  floating: number;
  currency: string;
  leverage: number;
}
