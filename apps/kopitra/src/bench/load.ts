import { threadId } from 'node:worker_threads';
import { signRequest } from '@kopitra/protocol';
import { RawHttpPool, type RawAnswer } from './raw-http';

export interface Target {
  url: string;
  keyId: string;
  secret: string;
}

/** An answer: status, body and the milliseconds from sending to its last byte. */
export type Sent = RawAnswer;

/**
 * A lean EA-shaped load generator: keep-alive sockets read and written directly (raw-http.ts), not
 * fetch nor `node:http`'s client, each request signed exactly as an EA would. The throughput
 * phases run it on a thread per core (parallel-load.ts); the bench reports its CPU per request
 * beside every phase.
 */
export class SignedHttp {
  private readonly pool: RawHttpPool;

  /** Every socket stays open between requests, as an EA keeps its connection. */
  constructor(maxSockets: number) {
    this.pool = new RawHttpPool(maxSockets);
  }

  send(t: Target, method: 'GET' | 'POST', path: string, body: string, idempotencyKey: string, timeoutMs = 40_000): Promise<Sent> {
    const ts = String(Date.now());
    const signature = signRequest(t.secret, { timestamp: ts, method, path, idempotencyKey, body });
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.pool.hostOf(t.url)}\r\nx-kopitra-key-id: ${t.keyId}\r\nx-kopitra-timestamp: ${ts}\r\nx-kopitra-signature: ${signature}\r\n`;
    if (method === 'POST') head += `idempotency-key: ${idempotencyKey}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
    return this.pool.request(t.url, `${head}\r\n${method === 'POST' ? body : ''}`, timeoutMs);
  }

  close(): void {
    this.pool.close();
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
