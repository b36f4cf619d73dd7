/**
 * Short, bounded retries: a task enqueue or a health probe must answer within seconds when
 * storage is down, not after the SDK's default minutes of back-off.
 */
export const STORAGE_PIPELINE_OPTIONS = {
  retryOptions: { maxTries: 3, tryTimeoutInMs: 15_000, retryDelayInMs: 200, maxRetryDelayInMs: 2_000 },
};
