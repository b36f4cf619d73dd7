import { DEFAULT_MAX_SIGNAL_AGE_MS } from './risk-guards.js';
import type { SubscriptionSettings } from './types.js';

/** Every subscription setting but the sizing and the ids, at its copy-semantics.md default. */
export type DefaultedSettings = Omit<SubscriptionSettings, 'id' | 'masterAccountId' | 'followerAccountId' | 'sizing'>;

/**
 * The defaults of copy-semantics.md and admin-api-v1.md, owned here so the API that stores
 * subscriptions and the tests that build them agree. Frozen: copy before changing.
 */
export const DEFAULT_SUBSCRIPTION_SETTINGS: Readonly<DefaultedSettings> = Object.freeze({
  symbolMap: {},
  symbols: { allow: [], deny: [] },
  direction: 'both',
  reverse: false,
  copySl: true,
  copyTp: true,
  copyPending: true,
  maxLot: null,
  maxOpenPositions: null,
  maxSignalAgeMs: DEFAULT_MAX_SIGNAL_AGE_MS,
  maxDeviation: null,
  dailyLossPercent: null,
  stopOutEquity: null,
  minVolume: 'skip',
  resync: { openMissing: false },
  status: 'active',
});
