import type { TSchema } from '@sinclair/typebox';
import {
  Accepted, EA_BASE_PATH, ErrorResponse, ExecutionAccepted, ExecutionBody, HEADERS, HealthResponse, MAX_BODY_BYTES, OrdersResponse, SignalAccepted,
  SignalBody, TelemetryBody,
} from '@kopitra/protocol';
import * as protocol from '@kopitra/protocol';
import { toJsonSchema } from './json-schema';

const signedHeaders = (post: boolean) => [
  { name: HEADERS.keyId, in: 'header', required: true, schema: { type: 'string' }, description: 'EA credential key id' },
  { name: HEADERS.timestamp, in: 'header', required: true, schema: { type: 'string' }, description: 'Unix ms; within ±5 min of the gateway clock' },
  { name: HEADERS.signature, in: 'header', required: true, schema: { type: 'string' }, description: 'HMAC-SHA256 over timestamp, method, path, Idempotency-Key and body (ea-protocol-v1.md)' },
  ...(post ? [{ name: 'Idempotency-Key', in: 'header', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,128}$' } }] : []),
];

const json = (s: TSchema) => ({ content: { 'application/json': { schema: toJsonSchema(s) } } });
const errorsOf = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), { description: 'error', ...json(ErrorResponse) }]));

function post(summary: string, body: TSchema, ok: TSchema, status = '202') {
  return {
    post: {
      tags: ['ea-contract'], summary, parameters: signedHeaders(true),
      requestBody: { required: true, description: `JSON, at most ${MAX_BODY_BYTES} bytes`, ...json(body) },
      responses: { [status]: { description: 'accepted', ...json(ok) }, ...errorsOf(400, 401, 403, 409, 413, 429) },
    },
  };
}

/** The EA ↔ gateway contract (ea-protocol-v1.md), described from `@kopitra/protocol`'s schemas. */
export function eaContractPaths(): Record<string, unknown> {
  const paths: Record<string, unknown> = {
    [`${EA_BASE_PATH}/signals`]: post('A master trade event (signed, sequenced, idempotent)', SignalBody, SignalAccepted),
    [`${EA_BASE_PATH}/telemetry`]: post('Heartbeat or account snapshot', TelemetryBody, Accepted),
    [`${EA_BASE_PATH}/executions`]: post("A follower's execution report for one of its orders", ExecutionBody, ExecutionAccepted),
    [`${EA_BASE_PATH}/orders`]: {
      get: {
        tags: ['ea-contract'], summary: "The follower's pending orders; long-polls up to `wait` seconds",
        parameters: [
          ...signedHeaders(false),
          { name: 'wait', in: 'query', required: false, schema: { type: 'integer', minimum: 0, maximum: 30 } },
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 100 } },
        ],
        responses: { 200: { description: 'orders', ...json(OrdersResponse) }, ...errorsOf(400, 401, 403, 429) },
      },
    },
    [`${EA_BASE_PATH}/health`]: { get: { tags: ['ea-contract'], summary: 'Gateway health (no auth)', responses: { 200: { description: 'ok', ...json(HealthResponse) }, 503: { description: 'down', ...json(HealthResponse) } } } },
  };
  // The log upload joins the contract when protocol declares its body (issue 3, artifacts).
  const logBody = (protocol as Record<string, unknown>).LogUploadBody as TSchema | undefined;
  if (logBody) paths[`${EA_BASE_PATH}/logs`] = post('Upload an EA log file into Blob Storage', logBody, (protocol as Record<string, unknown>).LogUploadAccepted as TSchema ?? Accepted);
  return paths;
}
