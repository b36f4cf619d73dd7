import { errorBody, type ErrorBody } from './errors';

/**
 * The body for requests the HTTP framework refuses before any route runs (a malformed URL, a bad
 * percent-encoding): still the contract's error shape. Used by every server's `frameworkErrors`.
 */
export function frameworkErrorBody(error: Error): ErrorBody {
  return errorBody('invalid_payload', `malformed request: ${error.message.slice(0, 200)}`);
}

/** Fastify's `frameworkErrors` handler: `frameworkErrors: (e, _req, reply) => answerFrameworkError(e, reply)`. */
export function answerFrameworkError(error: Error, reply: unknown): void {
  // Typed loosely on purpose: Fastify's reply type is generic per route, this runs before any route.
  (reply as { code(status: number): { send(body: unknown): unknown } }).code(400).send(frameworkErrorBody(error));
}
