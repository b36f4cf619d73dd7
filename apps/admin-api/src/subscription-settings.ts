import { Type, type Static, type TOptional, type TProperties, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { KopitraError } from '@kopitra/protocol';
import { DEFAULT_SUBSCRIPTION_SETTINGS } from '@kopitra/engine';

/**
 * Every subscription setting of copy-semantics.md as schemas, and the one function that turns
 * what a client sent into the full settings object with defaults filled — shared by the
 * management API, the ops console and the gateway, so all three read a setting the same way.
 */

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const MAX_VOLUME = 1e6;
const MAX_FACTOR = 1e6;
const strict = { additionalProperties: false } as const;

/** A canonical symbol name, or a pattern of one with `*` wildcards (`EUR*`, `*JPY`). */
export const SymbolPattern = Type.String({ minLength: 1, maxLength: 32, pattern: '^\\S+$' });
const SymbolName = Type.String({ minLength: 1, maxLength: 32, pattern: '^\\S+$' });

export const FixedSizing = Type.Object({ mode: Type.Literal('fixed'), lots: Type.Number({ exclusiveMinimum: 0, maximum: MAX_VOLUME }) }, strict);
export const MultiplierSizing = Type.Object({ mode: Type.Literal('multiplier'), multiplier: Type.Number({ exclusiveMinimum: 0, maximum: MAX_FACTOR }) }, strict);
const ratioMultiplier = Type.Number({ exclusiveMinimum: 0, maximum: MAX_FACTOR });
export const BalanceRatioSizing = Type.Object({ mode: Type.Literal('balance_ratio'), multiplier: ratioMultiplier }, strict);
export const EquityRatioSizing = Type.Object({ mode: Type.Literal('equity_ratio'), multiplier: ratioMultiplier }, strict);
export const RiskPercentSizing = Type.Object({ mode: Type.Literal('risk_percent'), percent: Type.Number({ exclusiveMinimum: 0, maximum: 100 }) }, strict);

/** Sizing as stored and returned: the ratio modes always carry their multiplier. */
export const Sizing = Type.Union([FixedSizing, MultiplierSizing, BalanceRatioSizing, EquityRatioSizing, RiskPercentSizing]);
export type Sizing = Static<typeof Sizing>;
export type SizingMode = Sizing['mode'];

/** Sizing as a client may send it: the ratio modes' multiplier is optional (default 1). */
export const SizingInput = Type.Union([
  FixedSizing,
  MultiplierSizing,
  Type.Object({ mode: Type.Literal('balance_ratio'), multiplier: Type.Optional(ratioMultiplier) }, strict),
  Type.Object({ mode: Type.Literal('equity_ratio'), multiplier: Type.Optional(ratioMultiplier) }, strict),
  RiskPercentSizing,
]);

const SIZING_BY_MODE: Record<SizingMode, TSchema> = {
  fixed: FixedSizing,
  multiplier: MultiplierSizing,
  balance_ratio: SizingInput.anyOf[2],
  equity_ratio: SizingInput.anyOf[3],
  risk_percent: RiskPercentSizing,
};

/** Every setting but sizing: its schema and its default. */
const FIELDS = {
  symbolMap: Type.Record(SymbolName, SymbolName, { maxProperties: 1000 }),
  symbols: Type.Object({
    allow: Type.Array(SymbolPattern, { maxItems: 1000 }),
    deny: Type.Array(SymbolPattern, { maxItems: 1000 }),
  }, strict),
  direction: Type.Union([Type.Literal('both'), Type.Literal('long_only'), Type.Literal('short_only')]),
  reverse: Type.Boolean(),
  copySl: Type.Boolean(),
  copyTp: Type.Boolean(),
  copyPending: Type.Boolean(),
  maxLot: Nullable(Type.Number({ exclusiveMinimum: 0, maximum: MAX_VOLUME })),
  maxOpenPositions: Nullable(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  maxSignalAgeMs: Type.Integer({ exclusiveMinimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  maxDeviation: Nullable(Type.Number({ minimum: 0, maximum: 1e12 })),
  dailyLossPercent: Nullable(Type.Number({ exclusiveMinimum: 0, maximum: 100 })),
  stopOutEquity: Nullable(Type.Number({ minimum: 0, maximum: 1e15 })),
  minVolume: Type.Union([Type.Literal('skip'), Type.Literal('round_up')]),
  resync: Type.Object({ openMissing: Type.Boolean() }, strict),
  status: Type.Union([Type.Literal('active'), Type.Literal('paused')]),
} as const;

type FieldName = keyof typeof FIELDS;

function optionalAll<T extends TProperties>(props: T): { [K in keyof T]: TOptional<T[K]> } {
  return Object.fromEntries(Object.entries(props).map(([k, s]) => [k, Type.Optional(s)])) as { [K in keyof T]: TOptional<T[K]> };
}

/** The full settings object: what is stored and what every response carries. */
export const SubscriptionSettingsSchema = Type.Object({ sizing: Sizing, ...FIELDS }, strict);
export type SubscriptionSettings = Static<typeof SubscriptionSettingsSchema>;

/** What a client may send: only `sizing` is required; nested `symbols` / `resync` may be partial. */
export const SubscriptionSettingsInputSchema = Type.Object({
  sizing: SizingInput,
  ...optionalAll(FIELDS),
  symbols: Type.Optional(Type.Object({ allow: Type.Optional(FIELDS.symbols.properties.allow), deny: Type.Optional(FIELDS.symbols.properties.deny) }, strict)),
  resync: Type.Optional(Type.Object({ openMissing: Type.Optional(Type.Boolean()) }, strict)),
}, strict);
export type SubscriptionSettingsInput = Static<typeof SubscriptionSettingsInputSchema>;

/** A partial update: any setting, sizing optional. */
export const SubscriptionSettingsPatchSchema = Type.Partial(SubscriptionSettingsInputSchema, strict);
export type SubscriptionSettingsPatch = Static<typeof SubscriptionSettingsPatchSchema>;

/** The engine's defaults (copy-semantics.md): one source for the API, the engine and the tests. */
export const SUBSCRIPTION_DEFAULTS: Readonly<Omit<SubscriptionSettings, 'sizing'>> = DEFAULT_SUBSCRIPTION_SETTINGS;

export const SETTING_NAMES: readonly string[] = ['sizing', ...Object.keys(FIELDS)];

const compiled = new Map<TSchema, TypeCheck<TSchema>>();
function check(schema: TSchema): TypeCheck<TSchema> {
  let c = compiled.get(schema);
  if (!c) compiled.set(schema, (c = TypeCompiler.Compile(schema)));
  return c;
}

function invalid(field: string, message: string): KopitraError {
  return new KopitraError('invalid_payload', `${field}: ${message}`, { extra: { field } });
}

/** Checks value against schema; a failure names the field, down to the nested key at fault. */
function assertField(field: string, schema: TSchema, value: unknown): void {
  const c = check(schema);
  if (c.Check(value)) return;
  const first = c.Errors(value).First();
  const sub = first?.path ? first.path.split('/').filter(Boolean).join('.') : '';
  throw invalid(sub ? `${field}.${sub}` : field, first?.message.replace(/^Expected/, 'expected') ?? 'invalid value');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function normaliseSizing(value: unknown): Sizing {
  if (value === undefined) throw invalid('sizing', 'is required');
  if (!isObject(value)) throw invalid('sizing', 'expected object');
  const mode = value.mode as SizingMode;
  const schema = SIZING_BY_MODE[mode];
  if (typeof value.mode !== 'string' || !schema || !Object.hasOwn(SIZING_BY_MODE, mode)) {
    throw invalid('sizing.mode', `expected one of ${Object.keys(SIZING_BY_MODE).join(', ')}`);
  }
  assertField('sizing', schema, value);
  if (mode === 'balance_ratio' || mode === 'equity_ratio') return { mode, multiplier: (value.multiplier as number | undefined) ?? 1 };
  return { ...value } as Sizing;
}

/** Rejects settings nobody knows — a mistyped `maxlot` silently ignored would copy unguarded. */
function assertKnownKeys(input: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(input)) if (!allowed.includes(key)) throw invalid(key, 'is not a subscription setting');
}

/**
 * Validates every setting and returns the full object with defaults filled. Throws
 * `KopitraError('invalid_payload', '<field>: <problem>')` naming the first field at fault.
 */
export function normaliseSubscriptionSettings(input: unknown): SubscriptionSettings {
  if (!isObject(input)) throw invalid('settings', 'expected object');
  assertKnownKeys(input, SETTING_NAMES);
  const sizing = normaliseSizing(input.sizing);
  const out: Record<string, unknown> = { sizing };
  for (const name of Object.keys(FIELDS) as FieldName[]) {
    let value = input[name];
    if (value === undefined) {
      out[name] = structuredClone(SUBSCRIPTION_DEFAULTS[name]);
      continue;
    }
    if ((name === 'symbols' || name === 'resync') && isObject(value)) value = { ...SUBSCRIPTION_DEFAULTS[name], ...value };
    assertField(name, FIELDS[name], value);
    out[name] = structuredClone(value);
  }
  return out as SubscriptionSettings;
}

/**
 * Applies a partial update and re-validates the whole. `sizing` and `symbolMap` are replaced
 * (a sizing of another mode has other fields; a map is a whole), `symbols` and `resync` are
 * merged key by key, every other setting is replaced.
 */
export function mergeSubscriptionSettings(current: SubscriptionSettings, patch: unknown): SubscriptionSettings {
  if (!isObject(patch)) throw invalid('settings', 'expected object');
  assertKnownKeys(patch, SETTING_NAMES);
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    merged[key] = (key === 'symbols' || key === 'resync') && isObject(value)
      ? { ...(current[key] as Record<string, unknown>), ...value }
      : value;
  }
  return normaliseSubscriptionSettings(merged);
}
