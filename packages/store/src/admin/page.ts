import { KopitraError } from '@kopitra/protocol';

/** Keyset pagination over text ids (ids start with a time component, so id order ≈ creation order). */
export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function decodeCursor(cursor: string | undefined): string | null {
  if (cursor === undefined || cursor === '') return null;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[a-z]+_[A-Za-z0-9]+$/.test(id)) throw new KopitraError('invalid_payload', 'cursor: not a cursor from this API');
  return id;
}

export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

/** Rows fetched with LIMIT limit + 1: the extra row only tells that there is a next page. */
export function toPage<R extends { id: string }, T>(rows: R[], limit: number, map: (r: R) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { items: kept.map(map), nextCursor: more ? encodeCursor(kept[kept.length - 1]!.id) : null };
}
