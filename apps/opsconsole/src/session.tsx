import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from './api/client';
import type { LoginResponse, Me, Role } from './api/types';

const STORAGE_KEY = 'kopitra.session';
const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

interface Session {
  operator: Me | null;
  signIn(res: LoginResponse): void;
  signOut(reason?: string): void;
  /** Whether the signed-in operator holds at least this role (the API enforces it anyway). */
  can(role: Role): boolean;
  notice: string | null;
}

const SessionContext = createContext<Session | null>(null);

interface Stored { token: string; expiresAt: string; operator: Me }

/** The session lives in sessionStorage: one tab, gone when it closes, never in a cookie. */
function load(): Stored | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as Stored | null;
    if (s && Date.parse(s.expiresAt) > Date.now()) return s;
  } catch {
    /* a corrupt entry is no session */
  }
  return null;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const qc = useQueryClient();
  const [stored, setStored] = useState<Stored | null>(() => {
    const s = load();
    api.setToken(s?.token ?? null);
    return s;
  });
  const [notice, setNotice] = useState<string | null>(null);

  const signOut = useCallback((reason?: string) => {
    sessionStorage.removeItem(STORAGE_KEY);
    api.setToken(null);
    setStored(null);
    setNotice(reason ?? null);
    qc.clear();
  }, [qc]);

  const signIn = useCallback((res: LoginResponse) => {
    const s: Stored = { token: res.token, expiresAt: res.expiresAt, operator: res.operator };
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(s));
    api.setToken(res.token);
    qc.clear();
    setNotice(null);
    setStored(s);
  }, [qc]);

  useEffect(() => api.onUnauthorized(() => signOut('Your session ended. Sign in again.')), [signOut]);
  useEffect(() => {
    if (!stored) return;
    const ms = Date.parse(stored.expiresAt) - Date.now();
    const t = setTimeout(() => signOut('Your session expired. Sign in again.'), Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    return () => clearTimeout(t);
  }, [stored, signOut]);

  const value = useMemo<Session>(() => ({
    operator: stored?.operator ?? null,
    signIn,
    signOut,
    notice,
    can: (role) => !!stored && RANK[stored.operator.role] >= RANK[role],
  }), [stored, signIn, signOut, notice]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
