/** Execution reports as the follower EAs send them; recorded in batches by `recordExecutions`. */
export type ExecutionStatus = 'filled' | 'partially_filled' | 'rejected' | 'expired' | 'cancelled';

export function isTerminal(s: ExecutionStatus): boolean {
  return s !== 'partially_filled';
}

export interface ExecutionReport {
  orderId: string;
  status: ExecutionStatus;
  executedAt: string;
  volume?: number | null | undefined;
  price?: number | null | undefined;
  followerPositionId?: string | null | undefined;
  brokerCode?: string | undefined;
  message?: string | undefined;
}
