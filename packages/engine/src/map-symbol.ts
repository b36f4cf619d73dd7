// Master symbol → follower symbol, in the precedence of copy-semantics.md § Symbols:
// 1. the subscription's explicit symbolMap (keyed by the master's symbol as sent, or its canonical name);
// 2. the accounts' configured affixes (strip the master's, add the follower's) — taken when the
//    follower never reported symbols (nothing to check against) or reports that exact name;
// 3. an automatic match against the follower's reported symbols: the single symbol that, with the
//    follower's configured affixes removed, equals the canonical name; or, when the follower has
//    no affixes configured, the single symbol that is the canonical name plus a 1–5 character
//    suffix not starting with an upper-case letter (EURUSD.pro, EURUSDm, EURUSD_i).
// No match, or more than one: null (the caller skips with `symbol_not_mapped`).
import type { AccountState } from './types.js';

export type SymbolVia = 'symbol_map' | 'affixes' | 'automatic';

export interface SymbolResolution {
  /** The follower symbol, or null when none could be chosen. */
  symbol: string | null;
  /** The master's symbol with the master's configured affixes removed. */
  canonical: string;
  via: SymbolVia | null;
  /** Follower symbols considered by the automatic match (several when ambiguous). */
  candidates: string[];
  failure: 'no_match' | 'ambiguous' | null;
  /** An explicit map target the follower has reported symbols but not this one. */
  mappedNotReported: boolean;
}

export interface ResolveSymbolInput {
  symbol: string;
  symbolMap: Record<string, string>;
  master: Pick<AccountState, 'symbolPrefix' | 'symbolSuffix'>;
  follower: Pick<AccountState, 'symbolPrefix' | 'symbolSuffix' | 'symbols'>;
}

export function stripAffixes(name: string, prefix: string, suffix: string): string {
  let out = name;
  if (prefix && out.startsWith(prefix) && out.length > prefix.length) out = out.slice(prefix.length);
  if (suffix && out.endsWith(suffix) && out.length > suffix.length) out = out.slice(0, -suffix.length);
  return out;
}

export function canonicalSymbol(symbol: string, master: Pick<AccountState, 'symbolPrefix' | 'symbolSuffix'>): string {
  return stripAffixes(symbol, master.symbolPrefix, master.symbolSuffix);
}

const AUTO_SUFFIX = /^[^A-Z].{0,4}$/su;

export function resolveSymbol(input: ResolveSymbolInput): SymbolResolution {
  const { symbol, symbolMap, master, follower } = input;
  const canonical = canonicalSymbol(symbol, master);
  const symbols = follower.symbols ?? null;
  const reports = (name: string) => symbols!.some((s) => s.name === name);

  const mapped = Object.hasOwn(symbolMap, symbol)
    ? symbolMap[symbol]
    : Object.hasOwn(symbolMap, canonical)
      ? symbolMap[canonical]
      : undefined;
  if (mapped !== undefined && mapped !== '') {
    return { symbol: mapped, canonical, via: 'symbol_map', candidates: [], failure: null, mappedNotReported: symbols !== null && !reports(mapped) };
  }

  const affixed = follower.symbolPrefix + canonical + follower.symbolSuffix;
  if (symbols === null || reports(affixed)) {
    return { symbol: affixed, canonical, via: 'affixes', candidates: [], failure: null, mappedNotReported: false };
  }
  const reported = symbols.map((s) => s.name);

  const hasAffixes = follower.symbolPrefix !== '' || follower.symbolSuffix !== '';
  let candidates = reported.filter(
    (name) => stripAffixes(name, follower.symbolPrefix, follower.symbolSuffix) === canonical,
  );
  if (candidates.length === 0 && !hasAffixes) {
    candidates = reported.filter((name) => name.startsWith(canonical) && AUTO_SUFFIX.test(name.slice(canonical.length)));
  }
  candidates = [...new Set(candidates)].sort();
  if (candidates.length === 1) {
    return { symbol: candidates[0] ?? null, canonical, via: 'automatic', candidates, failure: null, mappedNotReported: false };
  }
  return { symbol: null, canonical, via: null, candidates, failure: candidates.length === 0 ? 'no_match' : 'ambiguous', mappedNotReported: false };
}
