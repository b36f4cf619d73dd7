import { useQuery } from '@tanstack/react-query';
import { api } from './client';
import type { Account } from './types';

/** Every account (the console's own scale: up to 200 per page, one page is plenty for lookups). */
export function useAccounts() {
  return useQuery({ queryKey: ['accounts'], queryFn: () => api.accounts(), staleTime: 10_000 });
}

export function useAccountNames(): (id: string | null | undefined) => string {
  const q = useAccounts();
  const byId = new Map<string, Account>((q.data?.items ?? []).map((a) => [a.id, a]));
  return (id) => (id ? byId.get(id)?.name ?? id : '—');
}

export function useSubscriptions() {
  return useQuery({ queryKey: ['subscriptions'], queryFn: () => api.subscriptions(), staleTime: 10_000 });
}
