import type { AccountState, SubscriptionSettings, SymbolSpec } from '@kopitra/engine';

/** Row → engine value mappers shared by the copy-path repositories. */
export interface AccountStateRow {
  account_id: string;
  balance: number | null;
  equity: number | null;
  day_start_equity: number | null;
  symbols: SymbolSpec[] | null;
  symbol_prefix: string;
  symbol_suffix: string;
}

export function toAccountState(r: AccountStateRow): AccountState {
  return {
    accountId: r.account_id,
    balance: r.balance ?? null,
    equity: r.equity ?? null,
    dayStartEquity: r.day_start_equity ?? null,
    symbols: r.symbols ?? null,
    symbolPrefix: r.symbol_prefix ?? '',
    symbolSuffix: r.symbol_suffix ?? '',
  };
}

export interface SubscriptionRow {
  id: string;
  master_account_id: string;
  follower_account_id: string;
  settings: Omit<SubscriptionSettings, 'id' | 'masterAccountId' | 'followerAccountId' | 'status'>;
  status: 'active' | 'paused';
}

/**
 * Every setting written out as one object literal, in one order: the object holds its fields
 * inline, and every subscription shares one shape. Spread from the parsed JSON, 16 of its 20
 * fields lived in a separate property array and a fan-out's planning read them there, follower
 * after follower: `planSignal` over 1,000 followers took 4.3–4.7 ms against 1.4–1.9 ms
 * (docs/performance.md, session 14). A setting this version does not know is kept, after these.
 */
export function toSubscription(r: SubscriptionRow): SubscriptionSettings {
  const s = r.settings;
  const sub: SubscriptionSettings = {
    id: r.id,
    masterAccountId: r.master_account_id,
    followerAccountId: r.follower_account_id,
    sizing: s.sizing,
    symbolMap: s.symbolMap,
    symbols: s.symbols,
    direction: s.direction,
    reverse: s.reverse,
    copySl: s.copySl,
    copyTp: s.copyTp,
    copyPending: s.copyPending,
    maxLot: s.maxLot,
    maxOpenPositions: s.maxOpenPositions,
    maxSignalAgeMs: s.maxSignalAgeMs,
    maxDeviation: s.maxDeviation,
    dailyLossPercent: s.dailyLossPercent,
    stopOutEquity: s.stopOutEquity,
    minVolume: s.minVolume,
    resync: s.resync,
    status: r.status,
  };
  for (const k of Object.keys(s)) if (!Object.hasOwn(sub, k)) (sub as unknown as Record<string, unknown>)[k] = (s as Record<string, unknown>)[k];
  return sub;
}

export function iso(v: Date | string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  return (v instanceof Date ? v : new Date(v)).toISOString();
}
