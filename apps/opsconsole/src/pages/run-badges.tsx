import type { RunStatus } from '../api/types';
import { Badge } from '../ui/controls';

const TONE: Record<string, 'ok' | 'warn' | 'bad' | 'info' | 'mute'> = {
  succeeded: 'ok', partially_succeeded: 'warn', failed: 'bad', running: 'info',
  filled: 'ok', partially_filled: 'warn', rejected: 'bad', expired: 'bad', cancelled: 'mute', pending: 'info', delivered: 'info',
  copied: 'ok', skipped: 'warn',
};

export function StatusBadge({ status }: { status: RunStatus | string }) {
  return <Badge tone={TONE[status] ?? 'mute'}>{status.replaceAll('_', ' ')}</Badge>;
}
