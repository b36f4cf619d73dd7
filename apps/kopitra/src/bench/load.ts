import http from 'node:http';
import { threadId } from 'node:worker_threads';
import { signRequest } from '@kopitra/protocol';

export interface Target {
  url: string;
  keyId: string;
  secret: string;
}

export interface Sent {
  status: number;
  body: string;
  ms: number;
}

/**
 * A lean EA-shaped load generator: raw node:http on keep-alive sockets (not fetch), each
 * request signed exactly as an EA would. One thread spends ≈ 58 µs a request (≈ 17 k req/s on a
 * core, more than the echo server's ≈ 33 µs), so the throughput phases run it on a thread per
 * core (parallel-load.ts); the bench reports its CPU per request beside every phase.
 */
export class SignedHttp {
  readonly agent: http.Agent;

  constructor(maxSockets: number) {
    // Every socket stays open between requests, as an EA keeps its connection: with the default
    // maxFreeSockets (256) the agent closed some 750 of a fan-out's 1,000 sockets as their answers
    // came in, and the gateway spent ≈ 3 ms of the fan-out tearing them down.
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, keepAliveMsecs: 1000 });
  }

  send(t: Target, method: 'GET' | 'POST', path: string, body: string, idempotencyKey: string, timeoutMs = 40_000): Promise<Sent> {
    const u = new URL(t.url);
    const bytes = Buffer.from(body);
    const ts = String(Date.now());
    const headers: Record<string, string> = {
      'x-kopitra-key-id': t.keyId,
      'x-kopitra-timestamp': ts,
      'x-kopitra-signature': signRequest(t.secret, { timestamp: ts, method, path, idempotencyKey, body: bytes }),
    };
    if (method === 'POST') {
      headers['idempotency-key'] = idempotencyKey;
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(bytes.length);
    }
    const start = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, path, method, headers, agent: this.agent, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - start }));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(method === 'POST' ? bytes : undefined);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

let posSeq = 0;
export function signalBody(sequence: number, symbol = 'EURUSD'): string {
  return JSON.stringify({
    sequence, type: 'position.opened', occurredAt: new Date().toISOString(),
    // Unique across the generator's threads too (see parallel-load.ts).
    position: { id: `B${process.pid}.${threadId}-${++posSeq}`, symbol, side: 'buy', volume: 1, price: 1.085, sl: null, tp: null },
  });
}

/** Closed-loop throughput: `workers` concurrent senders, each with its own master, for `seconds`. */
export async function throughput(http_: SignedHttp, targets: Target[], path: string, seconds: number): Promise<{ ok: number; failed: number; perSecond: number; statuses: Record<number, number> }> {
  const deadline = performance.now() + seconds * 1000;
  let ok = 0;
  let failed = 0;
  const statuses: Record<number, number> = {};
  const start = performance.now();
  await Promise.all(targets.map(async (t, w) => {
    let sequence = 0;
    while (performance.now() < deadline) {
      sequence++;
      try {
        const r = await http_.send(t, 'POST', path, signalBody(sequence), `bench-${w}-${sequence}`);
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status === 202) ok++;
        else failed++;
      } catch {
        failed++;
      }
    }
  }));
  const elapsed = (performance.now() - start) / 1000;
  return { ok, failed, perSecond: ok / elapsed, statuses };
}
