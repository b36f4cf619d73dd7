import { useLive, type LiveStatus } from './live-events';
import { AccountsPage } from './pages/accounts';
import { ArtifactsPage } from './pages/artifacts';
import { AuditRunPage } from './pages/audit-run';
import { AuditRunsPage } from './pages/audit-runs';
import { OverviewPage } from './pages/overview';
import { SignInPage } from './pages/sign-in';
import { SubscriptionsPage } from './pages/subscriptions';
import { TasksPage } from './pages/tasks';
import { Link, match, useLocation } from './router';
import { useSession } from './session';
import { Badge } from './ui/controls';

const NAV = [
  { to: '/', label: 'Overview', active: (p: string) => p === '/' },
  { to: '/accounts', label: 'Accounts', active: (p: string) => p.startsWith('/accounts') },
  { to: '/subscriptions', label: 'Subscriptions', active: (p: string) => p.startsWith('/subscriptions') },
  { to: '/runs', label: 'Audit runs', active: (p: string) => p.startsWith('/runs') },
  { to: '/tasks', label: 'Tasks', active: (p: string) => p.startsWith('/tasks') },
  { to: '/artifacts', label: 'Artifacts', active: (p: string) => p.startsWith('/artifacts') },
];

const LIVE_LABEL: Record<LiveStatus, string> = { live: 'Live', connecting: 'Connecting', reconnecting: 'Reconnecting', off: 'Offline' };

function LiveIndicator() {
  const { status } = useLive();
  return (
    <span className={`live live-${status}`} title="The management API's event stream" data-testid="live-status" data-status={status}>
      <span className="live-dot" aria-hidden="true" />{LIVE_LABEL[status]}
    </span>
  );
}

function Routes({ path }: { path: string }) {
  let m: Record<string, string> | null;
  if (path === '/') return <OverviewPage />;
  if (path === '/accounts') return <AccountsPage />;
  if ((m = match('/accounts/:id', path))) return <AccountsPage selected={m.id!} />;
  if (path === '/subscriptions') return <SubscriptionsPage />;
  if ((m = match('/subscriptions/:id', path))) return <SubscriptionsPage selected={m.id!} />;
  if (path === '/runs') return <AuditRunsPage />;
  if ((m = match('/runs/:runId', path))) return <AuditRunPage runId={m.runId!} />;
  if (path === '/tasks') return <TasksPage />;
  if ((m = match('/tasks/:taskId', path))) return <TasksPage taskId={m.taskId!} />;
  if (path === '/artifacts') return <ArtifactsPage />;
  return (
    <div className="state state-empty">
      <div className="state-title">Nothing here</div>
      <div className="state-body"><Link to="/">Back to the overview</Link></div>
    </div>
  );
}

export function App() {
  const { operator, signOut } = useSession();
  const { path } = useLocation();
  if (!operator) return <SignInPage />;
  return (
    <div className="shell">
      <a className="skip" href="#main">Skip to content</a>
      <header className="topbar">
        <Link to="/" className="brand"><span className="brand-mark" aria-hidden="true">K</span> Kopitra</Link>
        <nav className="nav" aria-label="Main">
          {NAV.map((n) => (
            <Link key={n.to} to={n.to} className={n.active(path) ? 'nav-item active' : 'nav-item'} aria-current={n.active(path) ? 'page' : undefined}>{n.label}</Link>
          ))}
        </nav>
        <div className="topbar-right">
          <LiveIndicator />
          <span className="who" title={operator.email}>
            <span className="who-email">{operator.email}</span>
            <Badge tone={operator.role === 'admin' ? 'warn' : operator.role === 'operator' ? 'info' : 'mute'}>{operator.role}</Badge>
          </span>
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => signOut()}>Sign out</button>
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        <Routes path={path} />
      </main>
    </div>
  );
}
