import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from './durable-file';

/** What the follower did for one gateway order, kept so later closes/amends find their target. */
export interface OrderLink {
  orderId: string;
  action: string;
  tag: string;
  masterPositionId: string | null;
  masterOrderId: string | null;
  /** The follower position an `open` made (or a `place` will become: MT5 gives it the order's ticket). */
  followerPositionId: string | null;
  /** The follower pending order a `place` made. */
  followerOrderId: string | null;
}

/**
 * orderId → link, persisted atomically. Losing it is survivable (orders carry
 * `followerPositionId`, and positions/deals carry the tags) but it makes closes of copies
 * whose id the gateway does not yet know work after a restart.
 */
export class FollowerLinks {
  private readonly links = new Map<string, OrderLink>();
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly path: string, private readonly fsync = true) {
    mkdirSync(dirname(path), { recursive: true });
    if (existsSync(path)) {
      const saved = JSON.parse(readFileSync(path, 'utf8')) as { links?: OrderLink[] };
      for (const l of saved.links ?? []) this.links.set(l.orderId, l);
    }
  }

  get(orderId: string): OrderLink | undefined {
    return this.links.get(orderId);
  }

  all(): OrderLink[] {
    return [...this.links.values()];
  }

  /** Opening links (opens, and places whose fill opened a position) of a master position, oldest first. */
  forMasterPosition(masterPositionId: string): OrderLink[] {
    return this.all().filter((l) => (l.action === 'open' && l.masterPositionId === masterPositionId) || (l.action === 'place' && l.masterOrderId === masterPositionId));
  }

  forMasterOrder(masterOrderId: string): OrderLink[] {
    return this.all().filter((l) => l.action === 'place' && l.masterOrderId === masterOrderId);
  }

  async set(link: OrderLink): Promise<void> {
    this.links.set(link.orderId, link);
    const text = JSON.stringify({ links: this.all() });
    const write = this.writes.catch(() => undefined).then(() => writeFileAtomic(this.path, text, this.fsync));
    this.writes = write;
    await write;
  }
}
