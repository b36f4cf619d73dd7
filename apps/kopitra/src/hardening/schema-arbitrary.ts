// fast-check arbitraries derived from JSON Schema (TypeBox schemas are JSON Schema): values that
// mostly satisfy the schema, with a share of near misses (a field dropped, added, or given the
// wrong type, a bound crossed) so the fuzzer reaches every validation branch and beyond it.
import fc from 'fast-check';

type Schema = Record<string, unknown>;

/** Scalars that break naive code: non-finite and huge numbers, odd unicode, prototype keys. */
export const hostileScalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -0, 5e-324, 0, -1, 2 ** 63, '1e999', 'NaN', 'Infinity', '', ' ', '\u0000',
    '\ud800', '\udfff', '\u202e\u2066evil', '\ufeff', 'é'.normalize('NFD'), '𝕂𝕠𝕡𝕚𝕥𝕣𝕒', '../../etc/passwd', "'; DROP TABLE signals; --", '__proto__', 'constructor',
    'x'.repeat(5000), true, false, null, [], {}),
  fc.string({ maxLength: 40, unit: 'binary' }),
  fc.double(),
  fc.integer(),
);

function numberArb(s: Schema, integer: boolean): fc.Arbitrary<number> {
  const min = typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum : -1e9;
  const max = typeof s.maximum === 'number' ? s.maximum : typeof s.exclusiveMaximum === 'number' ? s.exclusiveMaximum : 1e9;
  const inRange = integer
    ? fc.integer({ min: Math.max(Math.ceil(min), Number.MIN_SAFE_INTEGER), max: Math.min(Math.floor(max), Number.MAX_SAFE_INTEGER) })
    : fc.double({ min, max, noNaN: true });
  return fc.oneof({ weight: 4, arbitrary: inRange }, { weight: 1, arbitrary: fc.constantFrom(min - 1, max + 1, min, max, 0.5, -0) });
}

function stringArb(s: Schema): fc.Arbitrary<string> {
  if (s.format === 'date-time') return fc.oneof(fc.date({ noInvalidDate: true, min: new Date('1970-01-01'), max: new Date('2200-01-01') }).map((d) => d.toISOString()), fc.constantFrom(new Date().toISOString(), '2024-13-45T99:99:99Z', 'yesterday'));
  const maxLength = typeof s.maxLength === 'number' ? Math.min(s.maxLength, 300) : 60;
  const minLength = typeof s.minLength === 'number' ? Math.min(s.minLength, maxLength) : 0;
  const plain = s.pattern ? fc.stringMatching(new RegExp(String(s.pattern))).filter((x) => x.length >= minLength && x.length <= maxLength) : fc.string({ minLength, maxLength });
  return fc.oneof({ weight: 4, arbitrary: plain }, { weight: 1, arbitrary: fc.string({ maxLength: maxLength + 5, unit: 'grapheme' }) });
}

/** An arbitrary for `schema`; `$ref`s resolve against `defs` (OpenAPI components). */
export function arbitraryFor(schema: unknown, defs: Record<string, unknown> = {}, depth = 0): fc.Arbitrary<unknown> {
  const s = (schema ?? {}) as Schema;
  if (depth > 6) return hostileScalar;
  if (typeof s.$ref === 'string') return arbitraryFor(defs[s.$ref.split('/').pop()!], defs, depth + 1);
  if ('const' in s) return fc.oneof({ weight: 9, arbitrary: fc.constant(s.const) }, { weight: 1, arbitrary: hostileScalar });
  if (Array.isArray(s.enum)) return fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...(s.enum as unknown[])) }, { weight: 1, arbitrary: hostileScalar });
  const alternatives = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (Array.isArray(alternatives) && alternatives.length > 0) return fc.oneof(...alternatives.map((a) => arbitraryFor(a, defs, depth + 1)));
  const type = Array.isArray(s.type) ? (s.type as string[])[0] : (s.type as string | undefined);
  let arb: fc.Arbitrary<unknown>;
  switch (type) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      const required = new Set((s.required ?? []) as string[]);
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) model[k] = arbitraryFor(v, defs, depth + 1);
      const base = fc.record(model, { requiredKeys: [...required].filter((k) => k in model) });
      // Near misses: an extra key, or a required one removed.
      arb = fc.oneof(
        { weight: 6, arbitrary: base },
        { weight: 1, arbitrary: fc.tuple(base, fc.string({ maxLength: 12 }), hostileScalar).map(([o, k, v]) => ({ ...(o as object), [k]: v })) },
        { weight: 1, arbitrary: fc.tuple(base, fc.nat()).map(([o, i]) => { const c = { ...(o as Record<string, unknown>) }; const keys = Object.keys(c); if (keys.length) delete c[keys[i % keys.length]!]; return c; }) },
      );
      break;
    }
    case 'array':
      arb = fc.array(arbitraryFor(s.items, defs, depth + 1), { maxLength: Math.min(typeof s.maxItems === 'number' ? s.maxItems + 1 : 5, 8) });
      break;
    case 'string': arb = stringArb(s); break;
    case 'integer': arb = numberArb(s, true); break;
    case 'number': arb = numberArb(s, false); break;
    case 'boolean': arb = fc.boolean(); break;
    case 'null': arb = fc.constant(null); break;
    default: return hostileScalar;
  }
  return fc.oneof({ weight: 12, arbitrary: arb }, { weight: 1, arbitrary: hostileScalar });
}
