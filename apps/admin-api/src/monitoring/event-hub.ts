import type { ServerResponse } from 'node:http';
import { EVENTS_CHANNEL, type Db } from '../store';

const EVENT_NAMES = new Set(['signal', 'execution', 'ea', 'run', 'task']);

/**
 * The live event stream's fan-out: one LISTEN on `kopitra_events` per process, each payload
 * written to every open SSE connection as `event: <kind>` / `data: <json>`, a `: ping` comment
 * every heartbeat so proxies keep the connection, and every stream ended on shutdown.
 */
export class EventHub {
  private readonly clients = new Set<ServerResponse>();
  private unlisten: (() => Promise<void>) | null = null;
  private starting: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly db: Db, private readonly heartbeatMs: number) {}

  get connections(): number {
    return this.clients.size;
  }

  /** Starts listening on the first connection: a process nobody watches holds no LISTEN. */
  private ensureStarted(): Promise<void> {
    this.starting ??= (async () => {
      this.unlisten = await this.db.listen(EVENTS_CHANNEL, (payload) => this.publish(payload));
      this.timer = setInterval(() => this.broadcast(': ping\n\n'), this.heartbeatMs);
      this.timer.unref();
    })();
    return this.starting;
  }

  async add(res: ServerResponse): Promise<void> {
    await this.ensureStarted();
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  /** One NOTIFY payload: an event, or a batch's events as an array. */
  publish(payload: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      return; // not ours
    }
    if (Array.isArray(parsed)) for (const e of parsed) this.publishOne(e, JSON.stringify(e));
    else this.publishOne(parsed, payload);
  }

  private publishOne(event: unknown, json: string): void {
    const kind = (event as { kind?: unknown } | null)?.kind;
    const name = typeof kind === 'string' && EVENT_NAMES.has(kind) ? kind : 'message';
    // NOTIFY payloads are single-line JSON; a data line must not contain a newline.
    this.broadcast(`event: ${name}\ndata: ${json.replace(/\n/g, ' ')}\n\n`);
  }

  private broadcast(chunk: string): void {
    for (const res of this.clients) {
      if (res.writableEnded || res.destroyed) this.clients.delete(res);
      else res.write(chunk);
    }
  }

  /** Ends every stream (clients reconnect elsewhere) and stops listening. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const res of this.clients) res.end();
    this.clients.clear();
    await this.starting?.catch(() => {});
    await this.unlisten?.();
    this.unlisten = null;
    this.starting = null;
  }
}
