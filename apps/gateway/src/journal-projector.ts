import { projectJournal, projectStaleJournal, type Db } from '@kopitra/store';

/** A journal row this process committed, and the followers it found no long-poll waiting for. */
export interface CommittedJournal {
  id: string;
  /** Woken here once the rows exist: a long-poll they open meanwhile reads the table, and waits. */
  notHanded: string[];
}

/**
 * Projects the copy-journal rows this process commits (migration 060), one transaction each, in
 * commit order, right after the signal's answer and the handed orders went out. A row the master's
 * next signal, an execution report or another process projected first is found gone: projecting
 * it is then a no-op, and the followers are still woken.
 *
 * The safety net: at start, and every `sweepMs`, rows older than `sweepMs` are projected — what a
 * process killed between its journal's commit and its projection left behind (in any gateway).
 */
export class JournalProjector {
  private readonly queue: CommittedJournal[] = [];
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sweeping = false;

  constructor(
    private readonly db: Db,
    private readonly wake: (followerAccountId: string) => void,
    private readonly onError: (err: unknown) => void,
    private readonly sweepMs = 1000,
  ) {}

  /**
   * Projects what is left from before (a crash), then sweeps periodically. With the database
   * unreachable the gateway still starts (it answers 503 until it is back): the sweep catches up.
   */
  async start(): Promise<void> {
    await projectStaleJournal(this.db, 0).catch(this.onError);
    this.timer = setInterval(() => void this.sweep(), this.sweepMs);
    this.timer.unref();
  }

  /** Finishes the rows queued here (graceful shutdown); a failure is left to the next start. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Resolves once every row queued so far is projected (or failed). */
  async drained(): Promise<void> {
    while (this.running) await this.running;
  }

  enqueue(journal: CommittedJournal): void {
    this.queue.push(journal);
    this.running ??= this.drain().finally(() => { this.running = null; });
  }

  private async drain(): Promise<void> {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      try {
        await this.db.tx((q) => projectJournal(q, next.id));
      } catch (err) {
        // Left in the journal: the sweep, the master's next signal or a report projects it.
        this.onError(err);
      }
      for (const id of next.notHanded) this.wake(id);
    }
  }

  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await projectStaleJournal(this.db, this.sweepMs);
    } catch (err) {
      this.onError(err);
    } finally {
      this.sweeping = false;
    }
  }
}
