import { useEffect, useId, useRef, useState, type ButtonHTMLAttributes, type ReactNode } from 'react';
import type { Role } from '../api/types';
import { useSession } from '../session';

/**
 * A button that changes something. Rendered only for operators whose role allows it: a viewer
 * sees none (the API refuses anyway). `data-action` marks it for the role tests.
 */
export function ActionButton({ role, kind = 'primary', children, ...rest }: { role: Role; kind?: 'primary' | 'ghost' | 'danger' } & ButtonHTMLAttributes<HTMLButtonElement>) {
  const { can } = useSession();
  if (!can(role)) return null;
  return <button type="button" className={`btn btn-${kind}`} data-action="" {...rest}>{children}</button>;
}

export function Badge({ tone, children, title }: { tone: 'ok' | 'warn' | 'bad' | 'info' | 'mute'; children: ReactNode; title?: string }) {
  return <span className={`badge badge-${tone}`} title={title}>{children}</span>;
}

export function Dot({ on, label }: { on: boolean; label?: string }) {
  return <span className={`dot ${on ? 'dot-on' : 'dot-off'}`} role="img" aria-label={label ?? (on ? 'online' : 'offline')} />;
}

/** A labelled input with help text and its error, wired for screen readers. */
export function Field({ label, help, error, children, wide }: {
  label: string; help?: ReactNode; error?: string | null; wide?: boolean;
  children: (props: { id: string; 'aria-describedby': string | undefined; 'aria-invalid': boolean }) => ReactNode;
}) {
  const id = useId();
  const helpId = help ? `${id}-help` : undefined;
  const errId = error ? `${id}-err` : undefined;
  return (
    <div className={`field${wide ? ' field-wide' : ''}${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-describedby': [helpId, errId].filter(Boolean).join(' ') || undefined, 'aria-invalid': !!error })}
      {error ? <div className="field-error" id={errId}>{error}</div> : null}
      {help ? <div className="field-help" id={helpId}>{help}</div> : null}
    </div>
  );
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // No clipboard permission (plain http, older browsers): select the text for Ctrl+C instead.
      const el = document.querySelector<HTMLElement>(`[data-copy-source="${CSS.escape(text)}"]`);
      if (el) window.getSelection()?.selectAllChildren(el);
    }
    setDone(true);
    setTimeout(() => setDone(false), 1500);
  };
  return <button type="button" className="btn btn-ghost btn-sm" onClick={() => void copy()}>{done ? 'Copied' : label}</button>;
}

/** A modal dialog: focus moves in, Escape closes, focus returns where it was. */
export function Dialog({ title, onClose, children, wide }: { title: string; onClose: () => void; children: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>('input, select, textarea, button:not(.dialog-close)');
    (first ?? ref.current)?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      before?.focus?.();
    };
  }, [onClose]);
  return (
    <div className="dialog-backdrop" onMouseDown={(e) => { if (e.target === e.currentTarget) onClose(); }}>
      <div className={`dialog${wide ? ' dialog-wide' : ''}`} role="dialog" aria-modal="true" aria-labelledby={titleId} ref={ref} tabIndex={-1}>
        <header className="dialog-head">
          <h2 id={titleId}>{title}</h2>
          <button type="button" className="dialog-close btn btn-ghost btn-sm" aria-label="Close" onClick={onClose}>✕</button>
        </header>
        <div className="dialog-body">{children}</div>
      </div>
    </div>
  );
}

export function PageHead({ title, sub, children }: { title: string; sub?: ReactNode; children?: ReactNode }) {
  return (
    <header className="page-head">
      <div>
        <h1>{title}</h1>
        {sub ? <p className="page-sub">{sub}</p> : null}
      </div>
      {children ? <div className="page-actions">{children}</div> : null}
    </header>
  );
}
