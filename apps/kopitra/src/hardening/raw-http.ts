// Raw HTTP for hostile clients: any method, path, header set and body bytes, over a keep-alive
// agent or a bare socket (for floods and trickled bodies the HTTP client would refuse to send).
import http from 'node:http';
import net from 'node:net';
import { signRequest } from '@kopitra/protocol';

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Set when no HTTP answer came (reset, timeout). */
  error?: string;
}

export function rawRequest(base: URL, o: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string; agent?: http.Agent; timeoutMs?: number; /** End at the headers when the answer is an event stream (it never ends). */
  stopAtHeaders?: boolean }): Promise<RawAnswer> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (a: RawAnswer) => { if (!settled) { settled = true; resolve(a); } };
    const req = http.request({ host: base.hostname, port: base.port, method: o.method, path: o.path, headers: o.headers, agent: o.agent ?? false }, (res) => {
      if (o.stopAtHeaders && String(res.headers['content-type']).startsWith('text/event-stream')) {
        done({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
        res.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => done({ status: 0, headers: {}, body: '', error: e.message }));
    });
    req.setTimeout(o.timeoutMs ?? 10_000, () => { req.destroy(); done({ status: 0, headers: {}, body: '', error: 'timeout' }); });
    req.on('error', (e: NodeJS.ErrnoException) => done({ status: 0, headers: {}, body: '', error: e.code ?? e.message }));
    req.end(o.body);
  });
}

/** Headers an EA sends, signed over exactly these bytes, path and key (unless `tamper` changes one afterwards). */
export function signedHeaders(cred: { keyId: string; secret: string }, method: string, path: string, body: Buffer | string = '', o: { idempotencyKey?: string; timestamp?: number } = {}): Record<string, string> {
  const ts = String(o.timestamp ?? Date.now());
  const idem = method === 'POST' ? (o.idempotencyKey ?? `fz-${Math.random().toString(36).slice(2)}`) : '';
  return {
    'x-kopitra-key-id': cred.keyId,
    'x-kopitra-timestamp': ts,
    'x-kopitra-signature': signRequest(cred.secret, { timestamp: ts, method, path, idempotencyKey: idem, body: Buffer.from(body) }),
    ...(method === 'POST' ? { 'idempotency-key': idem, 'content-type': 'application/json' } : {}),
  };
}

/** Writes raw bytes on a fresh socket; resolves with what came back (status line parsed) when the server answers or closes. */
export function rawSocket(base: URL, bytes: Buffer | string, timeoutMs = 10_000): Promise<{ status: number; text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(Number(base.port), base.hostname);
    let text = '';
    const finish = (closed: boolean) => { s.destroy(); resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text, closed }); };
    const timer = setTimeout(() => finish(false), timeoutMs);
    s.on('data', (d) => { text += d.toString('latin1'); if (/\r\n\r\n/.test(text) && /content-length: (\d+)/i.test(text)) { const len = Number(/content-length: (\d+)/i.exec(text)![1]); if (text.length >= text.indexOf('\r\n\r\n') + 4 + len) { clearTimeout(timer); finish(false); } } });
    s.on('close', () => { clearTimeout(timer); finish(true); });
    s.on('error', () => {});
    s.write(bytes);
  });
}

/**
 * A client that sends the headers of a POST announcing `length` bytes and then trickles one byte
 * every `intervalMs`. Resolves when the server closes the socket (or answers), with how long that took.
 */
export function trickle(base: URL, path: string, o: { length?: number; intervalMs?: number; headers?: Record<string, string> } = {}): { stop(): void; ended: Promise<{ ms: number; status: number; bytesSent: number }> } {
  const length = o.length ?? 100_000;
  const s = net.connect(Number(base.port), base.hostname);
  const started = performance.now();
  let sent = 0;
  let text = '';
  const head = [`POST ${path} HTTP/1.1`, `Host: ${base.host}`, 'Content-Type: application/json', `Content-Length: ${length}`,
    ...Object.entries(o.headers ?? {}).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
  s.on('error', () => {});
  s.write(head);
  const timer = setInterval(() => { if (sent < length - 1 && s.writable) { s.write('['); sent++; } }, o.intervalMs ?? 500);
  const ended = new Promise<{ ms: number; status: number; bytesSent: number }>((resolve) => {
    s.on('data', (d) => { text += d.toString('latin1'); });
    s.on('close', () => { clearInterval(timer); resolve({ ms: Math.round(performance.now() - started), status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), bytesSent: sent }); });
  });
  return { stop: () => { clearInterval(timer); s.destroy(); }, ended };
}

/** Parses `app.printRoutes({ commonPrefix: false })` into [method, path] pairs (HEAD dropped). */
export function routesOf(tree: string): Array<{ method: string; path: string }> {
  const out: Array<{ method: string; path: string }> = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:[│ ] {3})*)(?:├── |└── )(.*?) \(([A-Z, ]+)\)\s*$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    const parent = depth === 0 ? '' : stack[depth - 1]!;
    const seg = m[2]!;
    const path = depth === 0 ? seg : parent.endsWith('/') || seg.startsWith('/') ? parent + seg : `${parent}/${seg}`;
    stack[depth] = path;
    stack.length = depth + 1;
    for (const method of m[3]!.split(', ')) if (method !== 'HEAD') out.push({ method, path });
  }
  return out;
}
