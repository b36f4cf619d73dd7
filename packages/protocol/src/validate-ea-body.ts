import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import {
  ExecutionBody, HeartbeatTelemetry, OrderCancelledSignal, OrderModifiedSignal, OrderPlacedSignal,
  PositionClosedSignal, PositionIncreasedSignal, PositionModifiedSignal, PositionOpenedSignal, SnapshotTelemetry,
  type SignalBody, type TelemetryBody,
} from './ea-schemas';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => RFC3339.test(v) && !Number.isNaN(Date.parse(v)));
}

export type Validation<T> = { ok: true; value: T } | { ok: false; field: string; message: string };

function compile(schema: TSchema): TypeCheck<TSchema> {
  return TypeCompiler.Compile(schema);
}

function firstError(check: TypeCheck<TSchema>, value: unknown): { field: string; message: string } {
  const err = check.Errors(value).First();
  if (!err) return { field: '(body)', message: 'invalid body' };
  const field = err.path ? err.path.slice(1).replace(/\//g, '.') : '(body)';
  return { field: field || '(body)', message: `${field || 'body'}: ${err.message}` };
}

function discriminated<T>(discriminator: string, table: Record<string, TypeCheck<TSchema>>) {
  const names = Object.keys(table).join(', ');
  return (body: unknown): Validation<T> => {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return { ok: false, field: '(body)', message: 'body must be a JSON object' };
    }
    const tag = (body as Record<string, unknown>)[discriminator];
    if (typeof tag !== 'string') return { ok: false, field: discriminator, message: `${discriminator}: required, one of ${names}` };
    // Own keys only: a `type` of "__proto__" or "constructor" must not find Object.prototype's members.
    const check = Object.hasOwn(table, tag) ? table[tag] : undefined;
    if (!check) return { ok: false, field: discriminator, message: `${discriminator}: unknown value '${tag.slice(0, 40)}', expected one of ${names}` };
    if (check.Check(body)) return { ok: true, value: body as T };
    return { ok: false, ...firstError(check, body) };
  };
}

/** Validates a POST /signals body; on failure names the offending field. */
export const validateSignal = discriminated<SignalBody>('type', {
  'position.opened': compile(PositionOpenedSignal),
  'position.modified': compile(PositionModifiedSignal),
  'position.increased': compile(PositionIncreasedSignal),
  'position.closed': compile(PositionClosedSignal),
  'order.placed': compile(OrderPlacedSignal),
  'order.modified': compile(OrderModifiedSignal),
  'order.cancelled': compile(OrderCancelledSignal),
});

/** Validates a POST /telemetry body. */
export const validateTelemetry = discriminated<TelemetryBody>('kind', {
  heartbeat: compile(HeartbeatTelemetry),
  snapshot: compile(SnapshotTelemetry),
});

const executionCheck = compile(ExecutionBody);
/** Validates a POST /executions body. */
export function validateExecution(body: unknown): Validation<ExecutionBody> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, field: '(body)', message: 'body must be a JSON object' };
  }
  if (executionCheck.Check(body)) return { ok: true, value: body as ExecutionBody };
  return { ok: false, ...firstError(executionCheck, body) };
}
