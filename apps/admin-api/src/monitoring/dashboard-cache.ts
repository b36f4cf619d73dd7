import type { FastifyBaseLogger } from 'fastify';
import { RedisClient } from './redis-client';

/** Dashboard reads cached for a few seconds in Redis when REDIS_URL is set; without it, or when Redis fails, every read computes. */
export interface DashboardCache {
  read<T>(key: string, ttlSeconds: number, compute: () => Promise<T>): Promise<{ value: T; cached: boolean }>;
  close(): Promise<void>;
}

export function createDashboardCache(redisUrl: string | null, log?: FastifyBaseLogger): DashboardCache {
  if (!redisUrl) {
    return { async read(_k, _t, compute) { return { value: await compute(), cached: false }; }, async close() {} };
  }
  const redis = new RedisClient(redisUrl);
  let warnedAt = 0;
  const warn = (e: unknown) => {
    if (Date.now() - warnedAt < 60_000) return;
    warnedAt = Date.now();
    log?.warn({ err: e, event: 'dashboard_cache.unavailable' }, 'redis unavailable; computing dashboard reads directly');
  };
  return {
    async read(key, ttlSeconds, compute) {
      const full = `kopitra:dashboard:${key}`;
      try {
        const hit = await redis.get(full);
        if (hit !== null) return { value: JSON.parse(hit), cached: true };
      } catch (e) {
        warn(e);
      }
      const value = await compute();
      redis.set(full, JSON.stringify(value), ttlSeconds).catch(warn);
      return { value, cached: false };
    },
    close: () => redis.close(),
  };
}
