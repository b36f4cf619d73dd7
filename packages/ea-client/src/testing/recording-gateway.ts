import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  EA_BASE_PATH, HEADERS, IDEMPOTENCY_KEY_PATTERN, TIMESTAMP_WINDOW_MS, sha256Hex, signatureMatches,
  type ExecutionBody, type FollowerOrder, type SignalBody,
} from '@kopitra/protocol';

/**
 * A small real HTTP gateway for tests of the reference EA: it verifies every signature with
 * the protocol package, records what it receives, keeps the contract's idempotency, sequence
 * and order-delivery rules in memory, and can be told to fail (status, Retry-After, dropped
 * connection before or after taking effect). Not the real gateway — a referee for the client.
 */

export interface GatewayCredential {
  secret: string;
  role: 'master' | 'follower';
}

export interface RecordedRequest {
  method: string;
  /** Path + query exactly as received. */
  path: string;
  keyId: string;
  idempotencyKey: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  signatureOk: boolean;
  /** Status answered, or 'dropped'. */
  answer: number | 'dropped';
  remotePort: number;
}

export type Fault =
  | { status: number; retryAfter?: string; body?: unknown }
  /** `before`: close the socket without doing anything; `after`: take effect, then close without answering. */
  | { drop: 'before' | 'after' };

export interface RecordingGatewayOptions {
  credentials: Record<string, GatewayCredential>;
  clock?: () => number;
  /** Fan-out hook: the follower orders a new signal creates (the answer's `orders` count). */
  onSignal?: (signal: SignalBody, keyId: string) => void;
}

interface StoredAnswer {
  bodyHash: string;
  status: number;
  body: unknown;
}

export class RecordingGateway {
  readonly requests: RecordedRequest[] = [];
  /** Accepted signals (first acceptance only), in arrival order, per key id. */
  readonly signals: { keyId: string; signal: SignalBody; idempotencyKey: string }[] = [];
  readonly telemetry: { keyId: string; body: unknown }[] = [];
  readonly executions: { keyId: string; report: ExecutionBody }[] = [];
  private readonly faults: { method?: string; pathPrefix?: string; fault: Fault }[] = [];
  private readonly answers = new Map<string, StoredAnswer>();
  private readonly lastSequence = new Map<string, number>();
  private readonly pendingOrders = new Map<string, FollowerOrder[]>();
  private readonly knownOrders = new Map<string, { keyId: string; terminal?: ExecutionBody }>();
  private readonly waiters = new Set<() => void>();
  private nextId = 1;
  private server!: http.Server;
  url = '';

  private constructor(private readonly options: RecordingGatewayOptions) {}

  static async start(options: RecordingGatewayOptions): Promise<RecordingGateway> {
    const gw = new RecordingGateway(options);
    gw.server = http.createServer((req, res) => void gw.handle(req, res));
    gw.server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve) => gw.server.listen(0, '127.0.0.1', resolve));
    gw.url = `http://127.0.0.1:${(gw.server.address() as AddressInfo).port}`;
    return gw;
  }

  /** The next requests matching (method, path prefix) get these faults, one each, in order. */
  failNext(match: { method?: string; pathPrefix?: string }, ...faults: Fault[]): void {
    for (const fault of faults) this.faults.push({ ...match, fault });
  }

  /** Makes an order pending for a follower credential (returned by GET /orders until reported). */
  queueOrder(keyId: string, order: FollowerOrder): void {
    const list = this.pendingOrders.get(keyId) ?? [];
    list.push(order);
    this.pendingOrders.set(keyId, list);
    this.knownOrders.set(order.orderId, { keyId });
    for (const w of [...this.waiters]) w();
  }

  pendingFor(keyId: string): FollowerOrder[] {
    return [...(this.pendingOrders.get(keyId) ?? [])];
  }

  async close(): Promise<void> {
    for (const w of [...this.waiters]) w();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const method = (req.method ?? 'GET').toUpperCase();
    const path = req.url ?? '/';
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] ?? '' : v ?? '';
    };
    const keyId = header(HEADERS.keyId);
    const timestamp = header(HEADERS.timestamp);
    const idempotencyKey = header(HEADERS.idempotencyKey);
    const cred = this.options.credentials[keyId];
    const signatureOk = cred !== undefined && signatureMatches(cred.secret, { timestamp, method, path, idempotencyKey: method === 'GET' ? '' : idempotencyKey, body: raw }, header(HEADERS.signature));
    const record: RecordedRequest = { method, path, keyId, idempotencyKey, headers: req.headers, body: raw.toString('utf8'), signatureOk, answer: 0, remotePort: req.socket.remotePort ?? 0 };
    this.requests.push(record);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.answer = status;
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
      res.end(text);
    };
    const error = (status: number, code: string, message: string, headers: Record<string, string> = {}) => send(status, { error: { code, message } }, headers);

    if (!cred) return error(401, 'unauthenticated', 'unknown key id');
    const now = (this.options.clock ?? Date.now)();
    if (!/^\d+$/.test(timestamp) || Math.abs(Number(timestamp) - now) > TIMESTAMP_WINDOW_MS) return error(401, 'unauthenticated', 'timestamp outside the window');
    if (!signatureOk) return error(401, 'unauthenticated', 'bad signature');
    if (method === 'POST') {
      if (!IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) return error(400, 'missing_header', 'Idempotency-Key');
      if (!header('content-type').startsWith('application/json')) return error(415, 'unsupported_media_type', 'application/json only');
    }

    const faultIndex = this.faults.findIndex((f) => (!f.method || f.method === method) && (!f.pathPrefix || path.startsWith(f.pathPrefix)));
    const fault = faultIndex >= 0 ? this.faults.splice(faultIndex, 1)[0]!.fault : undefined;
    if (fault && 'drop' in fault && fault.drop === 'before') {
      record.answer = 'dropped';
      req.socket.destroy();
      return;
    }
    if (fault && 'status' in fault) {
      return send(fault.status, fault.body ?? { error: { code: fault.status === 429 ? 'rate_limited' : fault.status === 503 ? 'unavailable' : 'internal_error', message: 'injected' } },
        fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {});
    }

    const answer = method === 'GET' ? await this.get(keyId, cred, path) : this.post(keyId, cred, path, idempotencyKey, raw);
    if (fault && 'drop' in fault) {
      record.answer = 'dropped';
      req.socket.destroy();
      return;
    }
    send(answer.status, answer.body);
  }

  private async get(keyId: string, cred: GatewayCredential, path: string): Promise<{ status: number; body: unknown }> {
    const url = new URL(path, 'http://x');
    if (url.pathname !== `${EA_BASE_PATH}/orders`) return { status: 404, body: { error: { code: 'not_found', message: url.pathname } } };
    if (cred.role !== 'follower') return { status: 403, body: { error: { code: 'forbidden', message: 'followers only' } } };
    const wait = Number(url.searchParams.get('wait') ?? '0');
    const limit = Number(url.searchParams.get('limit') ?? '50');
    if ((this.pendingOrders.get(keyId) ?? []).length === 0 && wait > 0) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, wait * 1000);
        this.waiters.add(done);
      });
    }
    return { status: 200, body: { orders: (this.pendingOrders.get(keyId) ?? []).slice(0, limit) } };
  }

  private post(keyId: string, cred: GatewayCredential, path: string, idempotencyKey: string, raw: Buffer): { status: number; body: unknown } {
    const scope = `${keyId}\u0000${idempotencyKey}`;
    const bodyHash = sha256Hex(raw);
    const seen = this.answers.get(scope);
    if (seen) {
      return seen.bodyHash === bodyHash ? { status: seen.status, body: seen.body } : { status: 409, body: { error: { code: 'idempotency_key_reused', message: 'different body' } } };
    }
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      return { status: 400, body: { error: { code: 'invalid_payload', message: 'body is not JSON' } } };
    }
    const answer = this.effect(keyId, cred, path, idempotencyKey, json);
    // Only answers that took effect are remembered (the contract: rejected requests store nothing).
    if (answer.status < 400 || answer.status === 404 || answer.status === 409) this.answers.set(scope, { bodyHash, ...answer });
    return answer;
  }

  private effect(keyId: string, cred: GatewayCredential, path: string, idempotencyKey: string, json: unknown): { status: number; body: unknown } {
    if (path === `${EA_BASE_PATH}/signals`) {
      if (cred.role !== 'master') return { status: 403, body: { error: { code: 'forbidden', message: 'masters only' } } };
      const signal = json as SignalBody;
      const last = this.lastSequence.get(keyId) ?? 0;
      if (!Number.isInteger(signal.sequence) || signal.sequence < 1) return { status: 400, body: { error: { code: 'invalid_payload', message: 'sequence' } } };
      if (signal.sequence <= last) return { status: 409, body: { error: { code: 'sequence_conflict', message: `sequence ${signal.sequence} already accepted` } } };
      this.lastSequence.set(keyId, signal.sequence);
      const before = this.pendingCount();
      this.signals.push({ keyId, signal, idempotencyKey });
      this.options.onSignal?.(signal, keyId);
      const id = this.nextId++;
      return { status: 202, body: { signalId: `sig_${id}`, runId: `run_${id}`, sequence: signal.sequence, orders: this.pendingCount() - before, gap: signal.sequence > last + 1 } };
    }
    if (path === `${EA_BASE_PATH}/telemetry`) {
      this.telemetry.push({ keyId, body: json });
      return { status: 202, body: { accepted: true } };
    }
    if (path === `${EA_BASE_PATH}/executions`) {
      if (cred.role !== 'follower') return { status: 403, body: { error: { code: 'forbidden', message: 'followers only' } } };
      const report = json as ExecutionBody;
      const known = this.knownOrders.get(report.orderId);
      if (!known || known.keyId !== keyId) return { status: 404, body: { error: { code: 'not_found', message: 'order' } } };
      if (known.terminal) {
        return JSON.stringify(known.terminal) === JSON.stringify(report)
          ? { status: 202, body: { accepted: true, orderId: report.orderId } }
          : { status: 409, body: { error: { code: 'execution_conflict', message: 'another terminal report exists' } } };
      }
      this.executions.push({ keyId, report });
      if (report.status !== 'partially_filled') {
        known.terminal = report;
        this.pendingOrders.set(keyId, (this.pendingOrders.get(keyId) ?? []).filter((o) => o.orderId !== report.orderId));
      }
      return { status: 202, body: { accepted: true, orderId: report.orderId } };
    }
    return { status: 404, body: { error: { code: 'not_found', message: path } } };
  }

  private pendingCount(): number {
    let n = 0;
    for (const list of this.pendingOrders.values()) n += list.length;
    return n;
  }
}
