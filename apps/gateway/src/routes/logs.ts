import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { KopitraError } from '@kopitra/protocol';
import type { BlobStore } from '@kopitra/storage';
import { newId } from '@kopitra/store';
import type { GatewayContext } from '../gateway-context';

/** Where EA logs go, and how large one upload may be once decoded. */
export interface EaLogStorage {
  blobs: BlobStore;
  maxBytes: number;
}

const CONTENT_TYPES = new Set(['text/plain', 'application/json', 'application/x-ndjson']);
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._ -]{0,199}$/;

interface LogBody {
  name: string;
  contentType: string;
  encoding: 'base64' | 'utf8';
  content: string;
}

function invalid(field: string, message: string): KopitraError {
  return new KopitraError('invalid_payload', `${field}: ${message}`, { extra: { field } });
}

function validate(body: unknown): LogBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('body', 'expected an object');
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) if (!['name', 'contentType', 'encoding', 'content'].includes(k)) throw invalid(k, 'unknown field');
  if (typeof b.name !== 'string' || !NAME_PATTERN.test(b.name)) throw invalid('name', 'expected 1–200 characters of letters, digits, space, ".", "_" or "-"');
  const contentType = b.contentType ?? 'text/plain';
  if (typeof contentType !== 'string' || !CONTENT_TYPES.has(contentType)) throw invalid('contentType', `expected one of ${[...CONTENT_TYPES].join(', ')}`);
  const encoding = b.encoding ?? 'utf8';
  if (encoding !== 'base64' && encoding !== 'utf8') throw invalid('encoding', 'expected "base64" or "utf8"');
  if (typeof b.content !== 'string') throw invalid('content', 'expected a string');
  if (encoding === 'base64' && !/^[A-Za-z0-9+/]*={0,2}$/.test(b.content)) throw invalid('content', 'not valid base64');
  return { name: b.name, contentType, encoding, content: b.content };
}

/**
 * POST /logs — an EA uploads a log file (any role, signed, idempotent). The bytes go to Blob
 * Storage first under a name derived from (account, Idempotency-Key, body hash), so a retry
 * overwrites its own upload and a reused key with another body never touches the first one;
 * the artifact row and the answer then commit once.
 */
export function logsRoute(app: FastifyInstance, ctx: GatewayContext, storage: EaLogStorage | undefined): void {
  app.post('/logs', { preValidation: ctx.auth('any') }, async (req, reply) => {
    const body = validate(req.body);
    if (!ctx.flags.isEnabled('ea.log_upload', true)) throw new KopitraError('forbidden', 'EA log uploads are switched off (feature flag ea.log_upload)');
    if (!storage) throw new KopitraError('unavailable', 'log uploads are not available: blob storage is not configured', { retryAfterSeconds: 60 });
    const bytes = body.encoding === 'base64' ? Buffer.from(body.content, 'base64') : Buffer.from(body.content, 'utf8');
    if (bytes.length > storage.maxBytes) throw new KopitraError('payload_too_large', `content: ${bytes.length} bytes decoded, over the ${storage.maxBytes} byte limit`);
    const ea = req.ea!;
    const scope = { accountId: ea.accountId, key: req.idempotencyKey!, requestHash: `LOGS ${req.rawBodySha256}` };
    const digest = createHash('sha256').update(`${ea.accountId}\u0000${scope.key}\u0000${req.rawBodySha256}`).digest('hex').slice(0, 32);
    const blobName = `ea-logs/${ea.accountId}/${digest}`;
    const stored = await storage.blobs.put(blobName, bytes, body.contentType);
    const result = await ctx.idempotent.run(scope, async () => undefined, async (q) => {
      const artifactId = newId('art');
      await q.query(
        `INSERT INTO artifacts (id, kind, name, size, content_type, blob_name, account_id, sha256)
         VALUES ($1, 'ea_log', $2, $3, $4, $5, $6, $7)
         ON CONFLICT (blob_name) DO NOTHING`,
        [artifactId, body.name, stored.size, body.contentType, blobName, ea.accountId, stored.sha256]);
      const { rows } = await q.query<{ id: string }>('SELECT id FROM artifacts WHERE blob_name = $1', [blobName]);
      return { status: 202, body: { artifactId: rows[0]!.id } };
    });
    return reply.status(result.status).send(result.body);
  });
}
