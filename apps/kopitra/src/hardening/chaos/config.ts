// The chaos suites' knobs, read once: scale them down for a quick look.
export const chaosConfig = {
  signals: Number(process.env.KOPITRA_CHAOS_SIGNALS ?? 10_000),
  kills: Number(process.env.KOPITRA_CHAOS_KILLS ?? 50),
  idlePolls: Number(process.env.KOPITRA_IDLE_POLLS ?? 1000),
  /** A shared PostgreSQL to use when no private cluster can be made (not root). */
  sharedDatabaseUrl: process.env.KOPITRA_TEST_DATABASE_URL,
};
