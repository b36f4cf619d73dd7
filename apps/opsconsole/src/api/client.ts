import type {
  Account, AccountCreate, AccountPatch, ApiErrorBody, Artifact, ArtifactKind, AuthConfig, Flag, IssuedCredential, LoginResponse, Me,
  MetricsOverview, Page, PreviewResponse, PreviewTrade, RunDetail, RunFilter, RunSummary, Subscription, SubscriptionInput,
  SubscriptionPatch, TaskDefinition,
} from './types';

export const API_BASE = '/admin/v1';

/** An error answer of the API, in the contract's shape; `field` names the input at fault. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly field: string | null) {
    super(message);
  }

  /** The route is not served by this API (an older server): the console says so instead of failing. */
  get notServed(): boolean {
    return this.status === 404 && this.message.startsWith('no route');
  }
}

/** `invalid_payload` messages start with the field: `sizing.multiplier: expected …`. */
function fieldOf(body: Partial<ApiErrorBody> | null): string | null {
  const err = body?.error;
  if (!err) return null;
  if (typeof err.field === 'string') return err.field;
  const m = /^([A-Za-z][\w.[\]]*):\s/.exec(err.message ?? '');
  return m ? m[1]! : null;
}

type Listener = () => void;

/** The typed client: one method per endpoint the console calls, the bearer token attached. */
export class ApiClient {
  private token: string | null = null;
  private readonly unauthorized = new Set<Listener>();

  setToken(token: string | null): void {
    this.token = token;
  }

  getToken(): string | null {
    return this.token;
  }

  /** Called when a signed-in call answers 401 (expired or revoked): the session ends. */
  onUnauthorized(fn: Listener): () => void {
    this.unauthorized.add(fn);
    return () => this.unauthorized.delete(fn);
  }

  async request<T>(method: string, path: string, body?: unknown, opts: { query?: Record<string, string | number | undefined | null> } = {}): Promise<T> {
    const qs = opts.query
      ? Object.entries(opts.query).filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&')
      : '';
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await fetch(`${API_BASE}${path}${qs ? `?${qs}` : ''}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, 'network', 'the management API cannot be reached', null);
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!res.ok) {
      const b = parsed as Partial<ApiErrorBody> | null;
      const err = new ApiError(res.status, b?.error?.code ?? 'internal', b?.error?.message ?? `HTTP ${res.status}`, fieldOf(b));
      if (res.status === 401 && this.token && !path.startsWith('/auth/login')) for (const fn of this.unauthorized) fn();
      throw err;
    }
    return parsed as T;
  }

  // Sign-in
  authConfig = () => this.request<AuthConfig>('GET', '/auth/config');
  login = (email: string, password: string) => this.request<LoginResponse>('POST', '/auth/login', { email, password });
  me = () => this.request<Me>('GET', '/auth/me');

  // Accounts and credentials
  accounts = (q: { role?: Account['role']; status?: Account['status']; cursor?: string; limit?: number } = {}) =>
    this.request<Page<Account>>('GET', '/accounts', undefined, { query: { limit: 200, ...q } });
  account = (id: string) => this.request<Account>('GET', `/accounts/${encodeURIComponent(id)}`);
  createAccount = (body: AccountCreate) => this.request<Account>('POST', '/accounts', body);
  updateAccount = (id: string, body: AccountPatch) => this.request<Account>('PATCH', `/accounts/${encodeURIComponent(id)}`, body);
  issueCredential = (accountId: string) => this.request<IssuedCredential>('POST', `/accounts/${encodeURIComponent(accountId)}/credentials`);
  revokeCredential = (accountId: string, keyId: string) =>
    this.request<void>('DELETE', `/accounts/${encodeURIComponent(accountId)}/credentials/${encodeURIComponent(keyId)}`);

  // Subscriptions
  subscriptions = (q: { masterAccountId?: string; followerAccountId?: string; status?: string } = {}) =>
    this.request<Page<Subscription>>('GET', '/subscriptions', undefined, { query: { limit: 200, ...q } });
  subscription = (id: string) => this.request<Subscription>('GET', `/subscriptions/${encodeURIComponent(id)}`);
  createSubscription = (body: SubscriptionInput) => this.request<Subscription>('POST', '/subscriptions', body);
  updateSubscription = (id: string, body: SubscriptionPatch) => this.request<Subscription>('PATCH', `/subscriptions/${encodeURIComponent(id)}`, body);
  deleteSubscription = (id: string) => this.request<void>('DELETE', `/subscriptions/${encodeURIComponent(id)}`);
  preview = (subscriptionId: string, trade: PreviewTrade) => this.request<PreviewResponse>('POST', '/subscriptions/preview', { subscriptionId, trade });

  // Monitoring
  overview = () => this.request<MetricsOverview>('GET', '/metrics/overview');

  // Audit runs
  runs = (f: RunFilter & { cursor?: string; limit?: number } = {}) =>
    this.request<Page<RunSummary>>('GET', '/audit/runs', undefined, { query: { limit: 50, ...f } });
  run = (runId: string) => this.request<RunDetail>('GET', `/audit/runs/${encodeURIComponent(runId)}`);

  // Tasks
  tasks = () => this.request<{ items: TaskDefinition[] }>('GET', '/tasks');
  runTask = (taskId: string, params: Record<string, unknown>) =>
    this.request<{ runId: string }>('POST', `/tasks/${encodeURIComponent(taskId)}/run`, { params });
  taskSecret = (runId: string) => this.request<IssuedCredential>('GET', `/tasks/runs/${encodeURIComponent(runId)}/secret`);

  // Artifacts
  artifacts = (q: { kind?: ArtifactKind | ''; accountId?: string; cursor?: string } = {}) =>
    this.request<Page<Artifact>>('GET', '/artifacts', undefined, { query: { limit: 100, ...q } });

  /** Downloads an artifact's bytes with the bearer token (a plain link could not carry it). */
  async downloadArtifact(a: Artifact): Promise<void> {
    const res = await fetch(`${API_BASE}/artifacts/${encodeURIComponent(a.id)}/content`, { headers: this.token ? { authorization: `Bearer ${this.token}` } : {} });
    if (!res.ok) throw new ApiError(res.status, 'download_failed', `download failed: HTTP ${res.status}`, null);
    const url = URL.createObjectURL(await res.blob());
    const link = document.createElement('a');
    link.href = url;
    link.download = a.name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  // Flags
  flags = () => this.request<{ items: Flag[] }>('GET', '/flags');
  setFlag = (name: string, enabled: boolean) => this.request<Flag>('PUT', `/flags/${encodeURIComponent(name)}`, { enabled });

  /** The live event stream; EventSource cannot set headers, so the token rides in the query. */
  eventsUrl(): string {
    return `${API_BASE}/events?access_token=${encodeURIComponent(this.token ?? '')}`;
  }
}

export const api = new ApiClient();
