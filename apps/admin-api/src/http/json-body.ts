import type { FastifyInstance } from 'fastify';
import { KopitraError } from '@kopitra/protocol';

/**
 * This API's own body parsing, in its own encapsulation context: whatever parsers the host
 * instance registers (the gateway reads raw bodies to verify signatures) do not apply here.
 * JSON only; an empty body is no body (a bare POST to create a credential needs none).
 */
export function useJsonBodies(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new KopitraError('invalid_payload', 'body: not valid JSON'), undefined);
    }
  });
}
