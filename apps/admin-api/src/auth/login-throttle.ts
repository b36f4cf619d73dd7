import type { LoginThrottleConfig } from '../config';

/**
 * Counts failed sign-ins per email and per client IP in a fixed window; once either reaches its
 * limit, sign-in is refused until the window ends — even with the right password, so guessing
 * cannot continue. In memory, per instance: with N instances an attacker gets N× the budget,
 * which still turns an online guess into a slow one.
 */
interface Counter { failures: number; windowEndsAt: number }

const MAX_TRACKED = 100_000;

export class LoginThrottle {
  private readonly counters = new Map<string, Counter>();

  constructor(private readonly config: LoginThrottleConfig, private readonly now: () => number) {}

  /** Seconds until sign-in may be tried again, or 0 when it may be tried now. */
  retryAfterSeconds(email: string, ip: string): number {
    const t = this.now();
    let wait = 0;
    for (const [key, max] of this.keys(email, ip)) {
      const c = this.counters.get(key);
      if (c && c.windowEndsAt > t && c.failures >= max) wait = Math.max(wait, Math.ceil((c.windowEndsAt - t) / 1000));
    }
    return wait;
  }

  recordFailure(email: string, ip: string): void {
    const t = this.now();
    if (this.counters.size > MAX_TRACKED) this.sweep(t);
    for (const [key] of this.keys(email, ip)) {
      const c = this.counters.get(key);
      if (!c || c.windowEndsAt <= t) this.counters.set(key, { failures: 1, windowEndsAt: t + this.config.windowMs });
      else c.failures++;
    }
  }

  /** A successful sign-in clears the email's count (not the IP's: one good account must not launder guesses). */
  recordSuccess(email: string): void {
    this.counters.delete(`email:${email.toLowerCase()}`);
  }

  private keys(email: string, ip: string): Array<[string, number]> {
    return [[`email:${email.toLowerCase()}`, this.config.maxFailuresPerEmail], [`ip:${ip}`, this.config.maxFailuresPerIp]];
  }

  private sweep(t: number): void {
    for (const [k, c] of this.counters) if (c.windowEndsAt <= t) this.counters.delete(k);
  }
}
