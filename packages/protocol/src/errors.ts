/**
 * The one error-code → HTTP status table shared by the gateway and the management API.
 * Errors are mapped to HTTP once, at the edge, from this table.
 */
export const ERROR_STATUS = {
  invalid_payload: 400,
  missing_header: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  idempotency_key_reused: 409,
  sequence_conflict: 409,
  execution_conflict: 409,
  request_in_progress: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; [extra: string]: unknown };
}

/** A failure that is part of the contract: it carries its code, and maps to its status at the edge. */
export class KopitraError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly extra: Record<string, unknown> | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, options: { extra?: Record<string, unknown>; retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = 'KopitraError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.extra = options.extra;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...this.extra } };
  }
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

export function isKopitraError(e: unknown): e is KopitraError {
  return e instanceof KopitraError;
}
