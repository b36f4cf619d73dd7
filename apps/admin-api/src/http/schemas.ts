import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ERROR_STATUS } from '@kopitra/protocol';

/** Schemas every route shares: ids, pages, errors. */

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
export const Timestamp = Type.String({ description: 'RFC 3339, UTC' });
// Ids are ASCII tokens: anything else (a NUL byte, a stray unicode) is refused here, never sent to the database.
export const IdParam = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$' });
export const IdParams = Type.Object({ id: IdParam }, { additionalProperties: false });

export const PageQuery = {
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  cursor: Type.Optional(Type.String({ maxLength: 256 })),
};

export const Page = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });

export const ErrorResponse = Type.Object({
  error: Type.Object({ code: Type.Union(Object.keys(ERROR_STATUS).map((c) => Type.Literal(c))), message: Type.String() }),
});
export type ErrorResponse = Static<typeof ErrorResponse>;

/** Declared error responses of a route (documentation; the bodies come from the error handler). */
export function errors(...statuses: Array<400 | 401 | 403 | 404 | 409 | 415 | 429>): Record<number, typeof ErrorResponse> {
  return Object.fromEntries([401, ...statuses].map((s) => [s, ErrorResponse]));
}
