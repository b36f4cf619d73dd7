import http from 'node:http';
import https from 'node:https';
import { HEADERS, signRequest } from '@kopitra/protocol';

/** Unix milliseconds; injectable so tests (and clock-skew drills) control the signed timestamp. */
export type Clock = () => number;

export interface EaHttpClientOptions {
  /** e.g. `http://127.0.0.1:8080`; a path prefix is kept and is part of the signed path. */
  baseUrl: string;
  keyId: string;
  /** The credential secret as issued (base64url text); used as the HMAC key as is. */
  secret: string;
  /** Per-request timeout on top of any long-poll wait. Default 15 000 ms. */
  timeoutMs?: number;
  clock?: Clock;
  /** Sockets kept per origin. Default 8. */
  maxSockets?: number;
}

export interface RequestOptions {
  /** Required on POST (the contract demands one on every POST). */
  idempotencyKey?: string;
  /** A JSON value (serialised once) or the exact bytes to send. */
  body?: unknown;
  /** Extra time to allow, e.g. the long-poll `wait`. */
  extraTimeoutMs?: number;
  signal?: AbortSignal;
}

/** Any HTTP answer, 2xx or not. `body` is the parsed JSON, or the raw text when it is not JSON. */
export interface HttpResponse {
  kind: 'response';
  status: number;
  body: unknown;
  text: string;
  headers: http.IncomingHttpHeaders;
}

/** The request did not produce an HTTP answer: it may or may not have reached the gateway. */
export interface NetworkFailure {
  kind: 'network_error';
  /** `ECONNREFUSED`, `ECONNRESET`, `timeout`, `aborted`, … */
  code: string;
  message: string;
}

export type HttpOutcome = HttpResponse | NetworkFailure;

export function isResponse(o: HttpOutcome): o is HttpResponse {
  return o.kind === 'response';
}

/**
 * Signs and sends EA requests exactly as the contract says: the signature covers the exact
 * bytes sent and the exact path + query sent. Keep-alive sockets through a node:http Agent keep
 * this cheap when many simulated EAs share a process. Never throws for network trouble: the
 * caller gets a `NetworkFailure` value and keeps its own state.
 */
export class EaHttpClient {
  readonly keyId: string;
  private readonly secret: string;
  private readonly origin: URL;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly clock: Clock;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;

  constructor(options: EaHttpClientOptions) {
    this.keyId = options.keyId;
    this.secret = options.secret;
    this.origin = new URL(options.baseUrl);
    this.prefix = this.origin.pathname.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.clock = options.clock ?? Date.now;
    this.transport = this.origin.protocol === 'https:' ? https : http;
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 8, keepAliveMsecs: 1_000 };
    this.agent = this.origin.protocol === 'https:' ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  get(path: string, options: Omit<RequestOptions, 'body' | 'idempotencyKey'> = {}): Promise<HttpOutcome> {
    return this.request('GET', path, options);
  }

  post(path: string, body: unknown, idempotencyKey: string, options: Omit<RequestOptions, 'body' | 'idempotencyKey'> = {}): Promise<HttpOutcome> {
    return this.request('POST', path, { ...options, body, idempotencyKey });
  }

  request(method: string, path: string, options: RequestOptions = {}): Promise<HttpOutcome> {
    const upper = method.toUpperCase();
    const fullPath = this.prefix + path;
    const bytes = encodeBody(options.body);
    const idempotencyKey = options.idempotencyKey ?? '';
    if (upper === 'POST' && idempotencyKey === '') {
      throw new TypeError('every POST needs an Idempotency-Key');
    }
    const timestamp = String(Math.trunc(this.clock()));
    const headers: Record<string, string> = {
      [HEADERS.keyId]: this.keyId,
      [HEADERS.timestamp]: timestamp,
      [HEADERS.signature]: signRequest(this.secret, { timestamp, method: upper, path: fullPath, idempotencyKey, body: bytes }),
      accept: 'application/json',
    };
    if (idempotencyKey !== '') headers[HEADERS.idempotencyKey] = idempotencyKey;
    if (bytes.length > 0 || upper === 'POST') {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(bytes.length);
    }
    const timeout = this.timeoutMs + (options.extraTimeoutMs ?? 0);

    return new Promise<HttpOutcome>((resolve) => {
      let settled = false;
      const finish = (o: HttpOutcome) => {
        if (settled) return;
        settled = true;
        options.signal?.removeEventListener('abort', onAbort);
        resolve(o);
      };
      const req = this.transport.request(
        {
          protocol: this.origin.protocol,
          hostname: this.origin.hostname,
          port: this.origin.port,
          method: upper,
          path: fullPath,
          headers,
          agent: this.agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e: NodeJS.ErrnoException) => finish(failure(e)));
          res.on('aborted', () => finish({ kind: 'network_error', code: 'ECONNRESET', message: 'response aborted' }));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            finish({ kind: 'response', status: res.statusCode ?? 0, body: parseJson(text), text, headers: res.headers });
          });
        },
      );
      const onAbort = () => {
        req.destroy();
        finish({ kind: 'network_error', code: 'aborted', message: 'request aborted by caller' });
      };
      if (options.signal?.aborted) {
        onAbort();
        return;
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      req.setTimeout(timeout, () => {
        req.destroy();
        finish({ kind: 'network_error', code: 'timeout', message: `no answer within ${timeout} ms` });
      });
      req.on('error', (e: NodeJS.ErrnoException) => finish(failure(e)));
      req.end(bytes);
    });
  }

  /** Closes the kept-alive sockets. */
  close(): void {
    this.agent.destroy();
  }
}

function encodeBody(body: unknown): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  return Buffer.from(JSON.stringify(body), 'utf8');
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function failure(e: NodeJS.ErrnoException): NetworkFailure {
  return { kind: 'network_error', code: e.code ?? 'network_error', message: e.message };
}

/** `Retry-After` in milliseconds (delta-seconds or an HTTP date), or undefined. */
export function retryAfterMs(headers: http.IncomingHttpHeaders, now: number): number | undefined {
  const raw = headers['retry-after'];
  if (raw === undefined) return undefined;
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The contract's error code of an answer (`{"error":{"code":…}}`), if any. */
export function errorCodeOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const err = (body as { error?: unknown }).error;
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
