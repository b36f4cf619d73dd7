import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api } from './api/client';
import type { LiveEvent } from './api/types';
import { useSession } from './session';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'off';

interface Live {
  status: LiveStatus;
  /** The newest events first (at most 100), as they arrived on this page. */
  recent: LiveEvent[];
  subscribe(fn: (e: LiveEvent) => void): () => void;
}

const LiveContext = createContext<Live>({ status: 'off', recent: [], subscribe: () => () => undefined });
const EVENT_NAMES = ['signal', 'execution', 'ea', 'run', 'task'] as const;

/** Which cached queries an event makes stale. */
function staleKeys(e: LiveEvent): string[][] {
  switch (e.kind) {
    case 'signal': return [['overview'], ['runs']];
    case 'execution': return [['overview'], ['run', e.runId]];
    case 'ea': return [['overview'], ['accounts']];
    case 'run': return [['overview'], ['runs'], ['run', e.runId]];
    case 'task': return [['runs'], ['run', e.runId]];
  }
}

/**
 * One EventSource per signed-in tab on `GET /admin/v1/events`. Events refresh the queries they
 * make stale (coalesced, at most a few times a second) and feed the overview's live tape.
 */
export function LiveEventsProvider({ children }: { children: ReactNode }) {
  const { operator } = useSession();
  const qc = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>('off');
  const [recent, setRecent] = useState<LiveEvent[]>([]);
  const listeners = useRef(new Set<(e: LiveEvent) => void>());

  useEffect(() => {
    if (!operator) {
      setStatus('off');
      setRecent([]);
      return;
    }
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let flush: ReturnType<typeof setTimeout> | undefined;
    let pending = new Map<string, string[]>();
    let attempts = 0;
    let stopped = false;

    const invalidateSoon = (keys: string[][]) => {
      for (const k of keys) pending.set(JSON.stringify(k), k);
      if (flush) return;
      flush = setTimeout(() => {
        flush = undefined;
        const batch = pending;
        pending = new Map();
        for (const k of batch.values()) void qc.invalidateQueries({ queryKey: k });
      }, 250);
    };

    const connect = () => {
      if (stopped) return;
      setStatus(attempts === 0 ? 'connecting' : 'reconnecting');
      source = new EventSource(api.eventsUrl());
      source.onopen = () => {
        attempts = 0;
        setStatus('live');
      };
      const onEvent = (msg: MessageEvent<string>) => {
        let e: LiveEvent;
        try {
          e = JSON.parse(msg.data) as LiveEvent;
        } catch {
          return;
        }
        if (!e || typeof e !== 'object' || !('kind' in e)) e = { ...(e as object), kind: msg.type } as LiveEvent;
        setRecent((r) => [e, ...r].slice(0, 100));
        invalidateSoon(staleKeys(e));
        for (const fn of listeners.current) fn(e);
      };
      for (const name of EVENT_NAMES) source.addEventListener(name, onEvent as EventListener);
      source.onerror = () => {
        // The browser retries a dropped stream by itself; a refused one (401, 404) is closed for good.
        if (source?.readyState === EventSource.CLOSED) {
          source = null;
          attempts++;
          setStatus('reconnecting');
          retry = setTimeout(connect, Math.min(30_000, 1000 * 2 ** Math.min(attempts, 5)));
        } else {
          setStatus('reconnecting');
        }
      };
    };
    connect();
    return () => {
      stopped = true;
      source?.close();
      clearTimeout(retry);
      clearTimeout(flush);
    };
  }, [operator, qc]);

  const value: Live = {
    status,
    recent,
    subscribe: (fn) => {
      listeners.current.add(fn);
      return () => listeners.current.delete(fn);
    },
  };
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLive(): Live {
  return useContext(LiveContext);
}
