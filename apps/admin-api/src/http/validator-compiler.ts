import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { FastifySchemaCompiler } from 'fastify';
import { KopitraError } from '@kopitra/protocol';

/**
 * Validates requests with TypeBox itself (not Fastify's Ajv, which would silently strip unknown
 * fields): unknown fields are rejected, defaults filled, query strings and params converted to
 * their declared types. A failure is a 400 `invalid_payload` whose message names the field.
 */
export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema);
  return (data: unknown) => {
    let value: unknown = data === undefined ? null : data;
    if (httpPart !== 'body') value = Value.Convert(schema, value);
    if (value !== null && typeof value === 'object') value = Value.Default(schema, Value.Clone(value));
    if (check.Check(value)) return { value };
    const first = check.Errors(value).First();
    const field = first?.path ? first.path.split('/').filter(Boolean).join('.') : (httpPart ?? 'request');
    const message = first ? first.message.replace(/^Expected/, 'expected') : 'invalid';
    return { error: new KopitraError('invalid_payload', `${field}: ${message}`, { extra: { field } }) };
  };
};

/** A validator of one route's body by a function that throws KopitraError (other parts as above). */
export function bodyValidatedBy<S>(validate: (body: unknown) => unknown): FastifySchemaCompiler<S> {
  return (route) => {
    if (route.httpPart !== 'body') return typeboxValidatorCompiler(route as unknown as Parameters<typeof typeboxValidatorCompiler>[0]);
    return (data: unknown) => {
      try {
        return { value: validate(data === undefined ? null : data) };
      } catch (e) {
        return { error: e as Error };
      }
    };
  };
}
