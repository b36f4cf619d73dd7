import { isConnectionError, isUniqueViolation, type Db } from '@kopitra/store';
import { ingestSignals, type SignalSubmission, type SubmissionOutcome } from './ingest-signal';

interface Waiting {
  item: SignalSubmission;
  resolve(o: SubmissionOutcome): void;
  reject(e: unknown): void;
}

/**
 * Group commit for master signals. Signals that arrive while a transaction is committing wait for
 * it and then go together in the next one — no timer, no added latency when the gateway is idle,
 * one commit for many signals when it is busy. Each signal is still all-or-nothing with all its
 * follower orders, and none is answered before its transaction committed.
 */
export class SignalBatcher {
  private queue: Waiting[] = [];
  private inFlight = 0;
  /** Masters with a signal in a transaction now: their next signals wait, so sequences stay in order. */
  private readonly busyMasters = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    private readonly onCommitted: (followerAccountIds: string[]) => void,
    private readonly maxBatch = 256,
    /** Transactions under way at once (disjoint masters): overlaps one commit's round trips with the next. */
    private readonly maxConcurrent = 3,
  ) {}

  submit(item: SignalSubmission): Promise<SubmissionOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxConcurrent && this.queue.length > 0) {
      const batch: Waiting[] = [];
      const rest: Waiting[] = [];
      const masters = new Set<string>();
      for (const w of this.queue) {
        const m = w.item.accountId;
        if (batch.length < this.maxBatch && !this.busyMasters.has(m)) {
          batch.push(w);
          masters.add(m);
        } else rest.push(w);
      }
      if (batch.length === 0) return;
      this.queue = rest;
      for (const m of masters) this.busyMasters.add(m);
      this.inFlight++;
      void this.run(batch).finally(() => {
        this.inFlight--;
        for (const m of masters) this.busyMasters.delete(m);
        this.pump();
      });
    }
  }

  private async run(batch: Waiting[]): Promise<void> {
    try {
      const { outcomes, wake } = await this.db.tx((q) => ingestSignals(q, batch.map((w) => w.item), this.now()));
      this.onCommitted(wake);
      batch.forEach((w, i) => w.resolve(outcomes[i]!));
    } catch (e) {
      if (batch.length > 1 && !isConnectionError(e)) {
        // One bad apple (or a key another process stored first) must not fail the others: retry one by one.
        for (const w of batch) await this.run([w]);
        return;
      }
      if (isUniqueViolation(e)) {
        // Another process committed the same key meanwhile: the retry replays its answer.
        try {
          const { outcomes, wake } = await this.db.tx((q) => ingestSignals(q, [batch[0]!.item], this.now()));
          this.onCommitted(wake);
          batch[0]!.resolve(outcomes[0]!);
        } catch (again) {
          batch[0]!.reject(again);
        }
        return;
      }
      for (const w of batch) w.reject(e);
    }
  }
}
