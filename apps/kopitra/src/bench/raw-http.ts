import net from 'node:net';

/** An answer as the bench reads it. */
export interface RawAnswer {
  status: number;
  body: string;
  ms: number;
}

interface Pending {
  resolve(a: RawAnswer): void;
  reject(e: Error): void;
  start: number;
  timer: NodeJS.Timeout;
}

const CRLF2 = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

/**
 * One keep-alive HTTP/1.1 connection, one request at a time (no pipelining), as an EA holds its
 * connection. The answer is read straight off the socket: the status line, `content-length` or
 * chunked framing and `connection: close` — all the bench needs, at a fraction of `node:http`'s
 * client cost (its parser, `IncomingMessage` stream and agent bookkeeping per request).
 */
class RawConnection {
  private buf: Buffer | null = null;
  private pending: Pending | null = null;
  /** The head of the answer being read, once complete. */
  private head: { status: number; bodyStart: number; length: number | null; chunked: boolean; close: boolean } | null = null;
  closed = false;

  constructor(readonly socket: net.Socket, private readonly onIdle: (c: RawConnection) => void, private readonly onClosed: (c: RawConnection) => void) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => {
      this.closed = true;
      // An answer framed by the end of the connection ends with it.
      if (this.pending && this.head && this.head.length === null && !this.head.chunked) this.finishWith(this.buf ? this.buf.toString('utf8', this.head.bodyStart) : '');
      else this.fail(new Error('connection closed before the answer was complete'));
      this.onClosed(this);
    });
  }

  send(request: string, timeoutMs: number): Promise<RawAnswer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.socket.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      this.pending = { resolve, reject, start: performance.now(), timer };
      this.socket.write(request);
    });
  }

  private fail(e: Error): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    clearTimeout(p.timer);
    p.reject(e);
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (!this.pending) {
      this.socket.destroy(); // bytes nobody asked for: the connection cannot be trusted
      return;
    }
    this.buf = this.buf === null ? chunk : Buffer.concat([this.buf, chunk]);
    try {
      this.parse();
    } catch (e) {
      this.fail(e as Error);
    }
  }

  private parse(): void {
    const buf = this.buf!;
    if (this.head === null) {
      const end = buf.indexOf(CRLF2);
      if (end < 0) return;
      const lines = buf.toString('latin1', 0, end).split('\r\n');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]!);
      if (!m) throw new Error(`not an HTTP answer: ${JSON.stringify(lines[0])}`);
      let length: number | null = null;
      let chunked = false;
      let close = false;
      for (let i = 1; i < lines.length; i++) {
        const line = lines[i]!;
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).toLowerCase();
        const value = line.slice(colon + 1).trim().toLowerCase();
        if (name === 'content-length') length = Number(value);
        else if (name === 'transfer-encoding') chunked = value.includes('chunked');
        else if (name === 'connection') close = value.includes('close');
      }
      const status = Number(m[1]);
      if (length === null && !chunked && (status === 204 || status === 304)) length = 0;
      this.head = { status, bodyStart: end + 4, length, chunked, close };
    }
    const h = this.head;
    if (h.length !== null) {
      if (buf.length >= h.bodyStart + h.length) this.finish(h.bodyStart + h.length);
    } else if (h.chunked) {
      const body = this.dechunk(buf, h.bodyStart);
      if (body !== null) this.finishWith(body);
    }
  }

  /** The chunked body from `at`, or null while it is incomplete (trailers are not read). */
  private dechunk(buf: Buffer, at: number): string | null {
    const parts: Buffer[] = [];
    let pos = at;
    for (;;) {
      const eol = buf.indexOf(CRLF, pos);
      if (eol < 0) return null;
      const size = parseInt(buf.toString('latin1', pos, eol), 16);
      if (!Number.isFinite(size)) throw new Error('bad chunk size');
      if (size === 0) {
        if (buf.length < eol + 4) return null;
        return Buffer.concat(parts).toString('utf8');
      }
      if (buf.length < eol + 2 + size + 2) return null;
      parts.push(buf.subarray(eol + 2, eol + 2 + size));
      pos = eol + 2 + size + 2;
    }
  }

  private finish(bodyEnd: number): void {
    this.finishWith(this.buf!.toString('utf8', this.head!.bodyStart, bodyEnd));
  }

  private finishWith(body: string): void {
    const p = this.pending!;
    const { status, close } = this.head!;
    this.pending = null;
    this.head = null;
    this.buf = null;
    clearTimeout(p.timer);
    if (close) this.socket.destroy();
    p.resolve({ status, body, ms: performance.now() - p.start });
    if (!close && !this.closed) this.onIdle(this);
  }
}

interface Site {
  host: string;
  port: number;
  idle: RawConnection[];
  open: number;
  waiting: Array<{ resolve(c: RawConnection): void; reject(e: Error): void }>;
}

/** Keep-alive connections to each origin, at most `maxSockets` each; requests beyond wait for one. */
export class RawHttpPool {
  private readonly sites = new Map<string, Site>();
  private readonly all = new Set<RawConnection>();

  constructor(private readonly maxSockets: number) {}

  /** Sends `request` (request line, headers, blank line and body, as one text) to `origin`. */
  async request(origin: string, request: string, timeoutMs: number): Promise<RawAnswer> {
    const s = this.site(origin);
    const conn = s.idle.pop() ?? (await (s.open < this.maxSockets ? this.open(s) : new Promise<RawConnection>((resolve, reject) => s.waiting.push({ resolve, reject }))));
    return conn.send(request, timeoutMs);
  }

  /** The `host` header's value for an origin. */
  hostOf(origin: string): string {
    const s = this.site(origin);
    return `${s.host}:${s.port}`;
  }

  close(): void {
    for (const c of this.all) c.socket.destroy();
    for (const s of this.sites.values()) for (const w of s.waiting.splice(0)) w.reject(new Error('pool closed'));
  }

  private site(origin: string): Site {
    let s = this.sites.get(origin);
    if (!s) {
      const u = new URL(origin);
      s = { host: u.hostname, port: Number(u.port), idle: [], open: 0, waiting: [] };
      this.sites.set(origin, s);
    }
    return s;
  }

  private open(s: Site): Promise<RawConnection> {
    s.open++;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: s.host, port: s.port });
      const conn = new RawConnection(socket, (c) => this.release(s, c), (c) => this.closed(s, c));
      this.all.add(conn);
      socket.once('connect', () => resolve(conn));
      socket.once('error', reject);
    });
  }

  private release(s: Site, c: RawConnection): void {
    const next = s.waiting.shift();
    if (next) next.resolve(c);
    else s.idle.push(c);
  }

  private closed(s: Site, c: RawConnection): void {
    this.all.delete(c);
    s.open--;
    const i = s.idle.indexOf(c);
    if (i >= 0) s.idle.splice(i, 1);
    // A request waiting for a connection gets a new one in place of the one that closed.
    const next = s.waiting.shift();
    if (next) this.open(s).then(next.resolve, next.reject);
  }
}
