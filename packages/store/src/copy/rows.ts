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

export function toSubscription(r: SubscriptionRow): SubscriptionSettings {
  return { ...r.settings, id: r.id, masterAccountId: r.master_account_id, followerAccountId: r.follower_account_id, status: r.status };
}

export function iso(v: Date | string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  return (v instanceof Date ? v : new Date(v)).toISOString();
}
