import { connect, type Socket } from 'node:net';

/**
 * The few Redis commands the dashboard cache needs (AUTH, SELECT, GET, SET … EX), spoken in RESP
 * over one TCP connection — no client library. Replies come back in order, so pending commands
 * are a FIFO. A broken connection fails what is pending and is reopened by the next command; the
 * cache treats every failure as a miss.
 */
type Reply = string | number | null | Reply[];
interface Pending { resolve(v: Reply): void; reject(e: Error): void }

export class RedisClient {
  private socket: Socket | null = null;
  private ready: Promise<void> | null = null;
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];

  constructor(private readonly url: string, private readonly timeoutMs = 1000) {}

  async get(key: string): Promise<string | null> {
    const v = await this.command(['GET', key]);
    return typeof v === 'string' ? v : null;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.command(['SET', key, value, 'EX', String(Math.max(1, Math.floor(ttlSeconds)))]);
  }

  async close(): Promise<void> {
    const s = this.socket;
    this.socket = null;
    this.ready = null;
    if (s && !s.destroyed) await new Promise<void>((r) => s.end(() => r()));
  }

  async command(args: string[]): Promise<Reply> {
    await this.connection();
    return this.send(args);
  }

  private send(args: string[]): Promise<Reply> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error('redis: not connected'));
    const parts = [`*${args.length}\r\n`];
    for (const a of args) parts.push(`$${Buffer.byteLength(a)}\r\n${a}\r\n`);
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error('redis: timeout'));
        this.fail(new Error('redis: timeout'));
      }, this.timeoutMs);
      this.pending.push({
        resolve: (v) => { clearTimeout(timer); resolve(v); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      socket.write(parts.join(''));
    });
  }

  private connection(): Promise<void> {
    if (this.ready) return this.ready;
    const u = new URL(this.url);
    this.ready = new Promise<void>((resolve, reject) => {
      const socket = connect({ host: u.hostname, port: Number(u.port || 6379) });
      socket.setNoDelay(true);
      const timer = setTimeout(() => socket.destroy(new Error('redis: connect timeout')), this.timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        this.socket = socket;
        const setup: Promise<Reply>[] = [];
        if (u.password) setup.push(this.send(u.username ? ['AUTH', decodeURIComponent(u.username), decodeURIComponent(u.password)] : ['AUTH', decodeURIComponent(u.password)]));
        const db = u.pathname.replace('/', '');
        if (db) setup.push(this.send(['SELECT', db]));
        Promise.all(setup).then(() => resolve(), reject);
      });
      socket.on('data', (chunk) => this.onData(chunk));
      socket.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
        this.fail(e);
      });
      socket.on('close', () => this.fail(new Error('redis: connection closed')));
    });
    this.ready.catch(() => {});
    return this.ready;
  }

  private fail(e: Error): void {
    this.socket?.destroy();
    this.socket = null;
    this.ready = null;
    this.buffer = Buffer.alloc(0);
    for (const p of this.pending.splice(0)) p.reject(e);
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      const parsed = parseReply(this.buffer, 0);
      if (!parsed) return;
      this.buffer = this.buffer.subarray(parsed.end);
      const p = this.pending.shift();
      if (!p) continue;
      if (parsed.value instanceof Error) p.reject(parsed.value);
      else p.resolve(parsed.value);
    }
  }
}

/** One RESP2 reply from `buf` at `at`, or null when it has not fully arrived yet. */
export function parseReply(buf: Buffer, at: number): { value: Reply | Error; end: number } | null {
  const nl = buf.indexOf('\r\n', at);
  if (nl === -1) return null;
  const type = String.fromCharCode(buf[at]!);
  const line = buf.toString('utf8', at + 1, nl);
  switch (type) {
    case '+': return { value: line, end: nl + 2 };
    case '-': return { value: new Error(`redis: ${line}`), end: nl + 2 };
    case ':': return { value: Number(line), end: nl + 2 };
    case '$': {
      const len = Number(line);
      if (len === -1) return { value: null, end: nl + 2 };
      if (buf.length < nl + 2 + len + 2) return null;
      return { value: buf.toString('utf8', nl + 2, nl + 2 + len), end: nl + 2 + len + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n === -1) return { value: null, end: nl + 2 };
      const items: Reply[] = [];
      let end = nl + 2;
      for (let i = 0; i < n; i++) {
        const item = parseReply(buf, end);
        if (!item) return null;
        items.push(item.value instanceof Error ? null : item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      return { value: new Error(`redis: unexpected reply type ${JSON.stringify(type)}`), end: buf.length };
  }
}
