/** timestamptz values come back as Date from both adapters; the API speaks RFC 3339 strings. */
export function iso(v: Date | string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  return new Date(v).toISOString();
}

export function isoRequired(v: Date | string): string {
  return new Date(v).toISOString();
}

/** Unique-violation from either adapter (pg error code 23505). */
export function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '23505';
}
