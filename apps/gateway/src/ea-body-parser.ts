import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KopitraError, MAX_BODY_BYTES, sha256Hex } from '@kopitra/protocol';

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact bytes the EA signed. */
    rawBody?: Buffer;
    rawBodySha256?: string;
  }
}

/**
 * JSON only, at most 64 KiB, raw bytes kept for signature verification. Parsing errors become
 * the contract's `invalid_payload`; other media types `unsupported_media_type`.
 */
export function registerEaBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    ['application/json'],
    { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES },
    (req: FastifyRequest, body: Buffer, done: (err: Error | null, value?: unknown) => void) => {
      req.rawBody = body;
      req.rawBodySha256 = sha256Hex(body);
      if (body.length === 0) return done(null, undefined);
      try {
        done(null, JSON.parse(body.toString('utf8')));
      } catch {
        done(new KopitraError('invalid_payload', 'body is not valid JSON'));
      }
    },
  );
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (req, _body, done) => {
    done(new KopitraError('unsupported_media_type', `Content-Type must be application/json (got '${String(req.headers['content-type']).slice(0, 60)}')`));
  });
}
