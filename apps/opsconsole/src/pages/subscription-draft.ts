import type { Subscription, SubscriptionInput, SubscriptionPatch, SizingSettings } from '../api/types';

/**
 * The subscription form's state: every setting of copy-semantics.md as the operator types it
 * (numbers as text), its validation with the API's limits, and the conversion to the API body.
 */
export type SizingMode = SizingSettings['mode'];

export interface SubscriptionDraft {
  masterAccountId: string;
  followerAccountId: string;
  sizingMode: SizingMode;
  sizingValue: string;
  symbolMap: string;
  allow: string;
  deny: string;
  direction: Subscription['direction'];
  reverse: boolean;
  copySl: boolean;
  copyTp: boolean;
  copyPending: boolean;
  maxLot: string;
  maxOpenPositions: string;
  maxSignalAgeMs: string;
  maxDeviation: string;
  dailyLossPercent: string;
  stopOutEquity: string;
  minVolume: Subscription['minVolume'];
  openMissing: boolean;
  status: Subscription['status'];
}

export const SIZING_MODES: Array<{ mode: SizingMode; label: string; param: string; help: string }> = [
  { mode: 'multiplier', label: 'Multiplier', param: 'Multiplier', help: 'Follower lots = master lots × multiplier. 0.5 copies half.' },
  { mode: 'fixed', label: 'Fixed lots', param: 'Lots', help: 'Every copy opens this many lots, whatever the master trades.' },
  { mode: 'balance_ratio', label: 'Balance ratio', param: 'Multiplier', help: 'Master lots × (follower balance ÷ master balance) × multiplier.' },
  { mode: 'equity_ratio', label: 'Equity ratio', param: 'Multiplier', help: 'Master lots × (follower equity ÷ master equity) × multiplier.' },
  { mode: 'risk_percent', label: 'Risk % per trade', param: 'Percent', help: 'Lots that lose this % of the follower balance at the master’s stop loss. Trades without a stop loss are skipped.' },
];

function sizingValue(s: SizingSettings): string {
  if (s.mode === 'fixed') return String(s.lots);
  if (s.mode === 'risk_percent') return String(s.percent);
  return String(s.multiplier);
}

const opt = (v: number | null) => (v === null ? '' : String(v));

export function draftFrom(s?: Subscription): SubscriptionDraft {
  return {
    masterAccountId: s?.masterAccountId ?? '',
    followerAccountId: s?.followerAccountId ?? '',
    sizingMode: s?.sizing.mode ?? 'multiplier',
    sizingValue: s ? sizingValue(s.sizing) : '1',
    symbolMap: s ? Object.entries(s.symbolMap).map(([k, v]) => `${k}=${v}`).join('\n') : '',
    allow: s?.symbols.allow.join(', ') ?? '',
    deny: s?.symbols.deny.join(', ') ?? '',
    direction: s?.direction ?? 'both',
    reverse: s?.reverse ?? false,
    copySl: s?.copySl ?? true,
    copyTp: s?.copyTp ?? true,
    copyPending: s?.copyPending ?? true,
    maxLot: opt(s?.maxLot ?? null),
    maxOpenPositions: opt(s?.maxOpenPositions ?? null),
    maxSignalAgeMs: String(s?.maxSignalAgeMs ?? 30_000),
    maxDeviation: opt(s?.maxDeviation ?? null),
    dailyLossPercent: opt(s?.dailyLossPercent ?? null),
    stopOutEquity: opt(s?.stopOutEquity ?? null),
    minVolume: s?.minVolume ?? 'skip',
    openMissing: s?.resync.openMissing ?? false,
    status: s?.status ?? 'active',
  };
}

type Errors = Partial<Record<string, string>>;

function parseNum(v: string): number | null {
  if (v.trim() === '') return null;
  const n = Number(v.trim());
  return Number.isFinite(n) ? n : Number.NaN;
}

function list(v: string): string[] {
  return v.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);
}

function parseMap(v: string): { map: Record<string, string>; error?: string } {
  const map: Record<string, string> = {};
  for (const [i, raw] of v.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^(\S+)\s*(?:=|->|→)\s*(\S+)$/.exec(line);
    if (!m) return { map, error: `Line ${i + 1}: write MASTER=FOLLOWER, e.g. XAUUSD=GOLD.` };
    if (m[1]!.length > 32 || m[2]!.length > 32) return { map, error: `Line ${i + 1}: symbols are at most 32 characters.` };
    map[m[1]!] = m[2]!;
  }
  return { map };
}

/** Checks the draft with the same limits as the API; returns the body or the errors by field. */
export function toSettings(d: SubscriptionDraft): { errors: Errors; settings: SubscriptionPatch & { sizing: SizingSettings } } {
  const errors: Errors = {};
  const v = parseNum(d.sizingValue);
  if (v === null || Number.isNaN(v) || v <= 0) errors.sizing = 'A number above zero.';
  else if (d.sizingMode === 'risk_percent' && v > 100) errors.sizing = 'At most 100 %.';
  else if (v > 1e6) errors.sizing = 'At most 1 000 000.';
  const value = v ?? 0;
  const sizing: SizingSettings = d.sizingMode === 'fixed' ? { mode: 'fixed', lots: value }
    : d.sizingMode === 'risk_percent' ? { mode: 'risk_percent', percent: value }
      : { mode: d.sizingMode, multiplier: value };
  const num = (field: string, raw: string, rule: (n: number) => string | null): number | null => {
    const n = parseNum(raw);
    if (n === null) return null;
    const problem = Number.isNaN(n) ? 'Not a number.' : rule(n);
    if (problem) errors[field] = problem;
    return n;
  };
  const maxLot = num('maxLot', d.maxLot, (n) => (n <= 0 ? 'Above zero, or empty for no cap.' : null));
  const maxOpenPositions = num('maxOpenPositions', d.maxOpenPositions, (n) => (!Number.isInteger(n) || n < 1 ? 'A whole number, at least 1, or empty.' : null));
  const age = num('maxSignalAgeMs', d.maxSignalAgeMs, (n) => (!Number.isInteger(n) || n <= 0 ? 'Whole milliseconds above zero.' : null));
  if (age === null) errors.maxSignalAgeMs = 'Required: how old a signal may be and still open a copy.';
  const maxDeviation = num('maxDeviation', d.maxDeviation, (n) => (n < 0 ? 'Zero or more, or empty.' : null));
  const dailyLossPercent = num('dailyLossPercent', d.dailyLossPercent, (n) => (n <= 0 || n > 100 ? 'Above 0 and at most 100, or empty.' : null));
  const stopOutEquity = num('stopOutEquity', d.stopOutEquity, (n) => (n < 0 ? 'Zero or more, or empty.' : null));
  const { map, error } = parseMap(d.symbolMap);
  if (error) errors.symbolMap = error;
  const allow = list(d.allow);
  const deny = list(d.deny);
  if (allow.some((s) => s.length > 32)) errors['symbols.allow'] = 'Symbols are at most 32 characters.';
  if (deny.some((s) => s.length > 32)) errors['symbols.deny'] = 'Symbols are at most 32 characters.';
  return {
    errors,
    settings: {
      sizing, symbolMap: map, symbols: { allow, deny }, direction: d.direction, reverse: d.reverse, copySl: d.copySl, copyTp: d.copyTp,
      copyPending: d.copyPending, maxLot, maxOpenPositions, maxSignalAgeMs: age ?? 0, maxDeviation, dailyLossPercent, stopOutEquity,
      minVolume: d.minVolume, resync: { openMissing: d.openMissing }, status: d.status,
    },
  };
}

export function toCreateBody(d: SubscriptionDraft, settings: ReturnType<typeof toSettings>['settings']): SubscriptionInput {
  return { masterAccountId: d.masterAccountId, followerAccountId: d.followerAccountId, ...settings };
}

export function sizingSummary(s: SizingSettings): string {
  switch (s.mode) {
    case 'fixed': return `fixed ${s.lots} lots`;
    case 'multiplier': return `× ${s.multiplier}`;
    case 'balance_ratio': return `balance ratio × ${s.multiplier}`;
    case 'equity_ratio': return `equity ratio × ${s.multiplier}`;
    case 'risk_percent': return `risk ${s.percent}%`;
  }
}
