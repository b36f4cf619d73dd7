/**
 * Rows keyed by their row's key, for the statements that reach each row by it (`$n::jsonb -> id`):
 * written as one JSON object's text straight from the pairs. Built as an object first
 * (`Object.fromEntries`), every new key — an order id, a leg id — made V8 create a new hidden class,
 * a chain of maps each used once: measured 2.2–6.2 ms to serialise 1,000 pairs against 0.78 ms
 * written out, 2.1–3.0 µs against 0.8 µs for one (docs/performance.md, session 14).
 */
export class KeyedRows {
  private readonly pairs: ReadonlyArray<readonly [string, unknown]>;

  constructor(pairs: Iterable<readonly [string, unknown]>) {
    this.pairs = Array.isArray(pairs) ? (pairs as ReadonlyArray<readonly [string, unknown]>) : [...pairs];
  }

  get size(): number {
    return this.pairs.length;
  }

  /** What `JSON.stringify(Object.fromEntries(pairs))` gives (a later pair of one key wins in jsonb too). */
  toText(): string {
    return jsonObjectText(this.pairs);
  }
}

/**
 * A JSON object's text from [key, value] pairs, in their order. A value JSON leaves out (undefined,
 * a function) leaves its pair out, as in an object. For PostgreSQL's `jsonb` the text is the same
 * object as `JSON.stringify(Object.fromEntries(pairs))` (only the order of integer-like keys differs,
 * and of duplicate keys the last one is kept by both).
 */
export function jsonObjectText(pairs: Iterable<readonly [string, unknown]>): string {
  let text = '{';
  for (const [key, value] of pairs) {
    const v = JSON.stringify(value);
    if (v === undefined) continue;
    if (text.length > 1) text += ',';
    text += JSON.stringify(key) + ':' + v;
  }
  return text + '}';
}

/** A statement part's rows as one JSON text: an array of rows, an object, or rows keyed by id. */
export function partText(rows: unknown[] | Record<string, unknown> | KeyedRows): string {
  return rows instanceof KeyedRows ? rows.toText() : JSON.stringify(rows);
}
