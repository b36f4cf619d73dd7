// The ops console in a real Chromium against the real launcher (gateway + management API +
// console on one port, embedded PGlite), with a reference master EA trading through the real
// gateway on credentials issued in the console. Screenshots go to /tmp/kopitra-console-shots.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { EaHttpClient, ReferenceFollower, ReferenceMaster, SimBroker } from '@kopitra/ea-client';
import { loadPlatformConfig } from '../../kopitra/src/config';
import { startPlatform, type RunningPlatform } from '../../kopitra/src/platform';

const SHOTS = '/tmp/kopitra-console-shots';
const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };
const VIEWER = { email: 'viewer@example.com', password: 'viewer-password-1' };
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

describe('ops console in Chromium against the launcher', () => {
  let dir: string;
  let platform: RunningPlatform;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  const creds: Record<'master' | 'follower', { accountId: string; keyId: string; secret: string }> = {} as never;
  let subscriptionId = '';
  let master: ReferenceMaster;
  let follower: ReferenceFollower;
  let firstRunId = '';

  const shot = (p: Page, name: string) => p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  /** Calls the API as the admin (setup the console has no page for, and checks behind the UI). */
  async function apiCall(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const t = token ?? (await (await fetch(`${platform.url}/admin/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) })).json()).token;
    const res = await fetch(`${platform.url}/admin/v1${path}`, { method, headers: { authorization: `Bearer ${t}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null };
  }

  /**
   * Whether the management API serves these routes yet (an unknown route answers 404 "no route").
   * A step that needs one that is missing is skipped, saying which endpoint it waits on.
   */
  async function waitsOn(t: TestContext, ...routes: Array<[string, string]>): Promise<boolean> {
    const missing: string[] = [];
    for (const [method, path] of routes) {
      const ctl = new AbortController();
      const res = await fetch(`${platform.url}/admin/v1${path}`, { method, signal: ctl.signal, headers: method === 'POST' ? { 'content-type': 'application/json' } : {}, body: method === 'POST' ? '{}' : undefined });
      const body = res.headers.get('content-type')?.includes('json') ? await res.text() : '';
      ctl.abort();
      if (res.status === 404 && body.includes('no route')) missing.push(`${method} /admin/v1${path}`);
    }
    if (missing.length) t.skip(`waits on ${missing.join(', ')}`);
    return missing.length === 0;
  }

  async function signIn(p: Page, who: { email: string; password: string }) {
    await p.goto(platform.url);
    await p.getByLabel('Email').fill(who.email);
    await p.getByLabel('Password').fill(who.password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('navigation', { name: 'Main' }).waitFor();
  }

  async function createAccount(role: 'master' | 'follower', name: string, login: string) {
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.getByRole('button', { name: 'New account' }).click();
    const form = page.getByRole('form', { name: 'New account' });
    await form.getByLabel('Name').fill(name);
    await form.getByLabel('Role').selectOption(role);
    await form.getByLabel('Login').fill(login);
    await form.getByLabel('Broker').fill('SimBroker Ltd');
    await form.getByLabel('Server').fill('Sim-Demo');
    await form.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name }).waitFor();
    const accountId = page.url().split('/accounts/')[1]!;
    // Issue the EA credential: the secret is shown once, in a dialog with a copy button.
    await page.getByRole('button', { name: 'Issue credential' }).click();
    const dialog = page.getByRole('dialog', { name: 'EA credential issued' });
    await dialog.waitFor();
    assert.ok(await dialog.getByRole('button', { name: 'Copy secret' }).isVisible());
    const keyId = (await dialog.getByTestId('issued-key-id').textContent())!;
    const secret = (await dialog.getByTestId('issued-secret').textContent())!;
    if (role === 'master') await shot(page, '03-credential-secret-once');
    await dialog.getByRole('button', { name: 'I have copied it' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.getByText(secret).count(), 0, 'the secret is gone once the dialog closes');
    creds[role] = { accountId: decodeURIComponent(accountId), keyId, secret };
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kopitra-console-e2e-'));
    mkdirSync(SHOTS, { recursive: true });
    const config = loadPlatformConfig({
      PORT: '0', HOST: '127.0.0.1', KOPITRA_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'silent',
      KOPITRA_ADMIN_EMAIL: ADMIN.email, KOPITRA_ADMIN_PASSWORD: ADMIN.password,
    });
    platform = await startPlatform(config, { logger: false });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  after(async () => {
    await browser?.close();
    await platform?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('sign in: a wrong password is refused in words, the right one opens the overview', async () => {
    await page.goto(platform.url);
    await page.getByLabel('Email').waitFor();
    await shot(page, '01-sign-in');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Wrong email or password.').waitFor();
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByLabel('Password').press('Enter'); // keyboard-usable: Enter submits
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    assert.match(await page.locator('.who').textContent() ?? '', /admin@example\.com\s*admin/);
  });

  test('create a master and a follower, each with an EA credential issued in the console', async () => {
    await createAccount('master', 'Alpha master', '51000001');
    await createAccount('follower', 'Bravo follower', '52000002');
    await page.getByRole('link', { name: 'Accounts' }).click();
    const rows = page.getByRole('table', { name: 'Accounts' }).locator('tbody tr');
    assert.equal(await rows.count(), 2);
    await page.getByRole('link', { name: 'Alpha master' }).click();
    await page.getByRole('heading', { name: 'Alpha master' }).waitFor();
    await shot(page, '02-accounts');
  });

  test('create a subscription: validation names the field, then it is created', async () => {
    await page.getByRole('link', { name: 'Subscriptions' }).click();
    await page.getByText('No subscriptions yet').waitFor();
    await page.getByRole('button', { name: 'New subscription' }).click();
    const form = page.getByRole('form', { name: 'New subscription' });
    await form.getByLabel('Master', { exact: true }).selectOption({ label: 'Alpha master' });
    await form.getByLabel('Follower', { exact: true }).selectOption({ label: 'Bravo follower' });
    await form.getByLabel('Multiplier').fill('-1');
    await form.getByRole('button', { name: 'Create subscription' }).click();
    await form.getByText('A number above zero.').waitFor();
    await form.getByLabel('Multiplier').fill('0.5');
    await form.getByLabel('Max lot per copy').fill('5');
    await form.getByRole('button', { name: 'Create subscription' }).click();
    await page.getByRole('heading', { name: 'Alpha master → Bravo follower' }).waitFor();
    subscriptionId = decodeURIComponent(page.url().split('/subscriptions/')[1]!);
    const sub = await apiCall('GET', `/subscriptions/${subscriptionId}`);
    assert.deepEqual([sub.json.sizing, sub.json.maxLot, sub.json.status], [{ mode: 'multiplier', multiplier: 0.5 }, 5, 'active']);
    await shot(page, '04-subscription');
  });

  test('a master trade sent by the reference EA appears on the overview without reloading', async (t) => {
    const brokerOpts = { mode: 'hedging' as const, balance: 10_000 };
    const client = (c: { keyId: string; secret: string }) => new EaHttpClient({ baseUrl: platform.url, keyId: c.keyId, secret: c.secret, timeoutMs: 5000 });
    master = new ReferenceMaster({ client: client(creds.master), broker: new SimBroker(brokerOpts), outboxDir: join(dir, 'master'), fsync: false, backoff: { baseMs: 5, maxMs: 50 } });
    follower = new ReferenceFollower({ client: client(creds.follower), broker: new SimBroker(brokerOpts), stateDir: join(dir, 'follower'), fsync: false, backoff: { baseMs: 5, maxMs: 50 } });
    for (const ea of [master, follower]) {
      const snap = await ea.snapshot();
      assert.equal(snap.kind === 'response' && snap.status, 202, JSON.stringify(snap));
    }
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    if (!(await waitsOn(t, ['GET', '/events'], ['GET', '/metrics/overview']))) return;
    await page.getByTestId('live-status').and(page.locator('[data-status="live"]')).waitFor({ timeout: 10_000 });
    // A marker on the window: a reload would lose it.
    await page.evaluate(() => { (window as unknown as { kopitraMarker: number }).kopitraMarker = 42; });
    const sent = performance.now();
    const { result } = await master.open('EURUSD', 'buy', 1, { sl: 1.08, tp: 1.1 });
    assert.ok(result.ok, result.message);
    await master.flush();
    const row = page.getByTestId('live-tape').locator('[data-kind="signal"]').filter({ hasText: 'position.opened' });
    await row.first().waitFor({ timeout: 10_000 });
    const seenMs = Math.round(performance.now() - sent);
    t.diagnostic(`signal on the overview ${seenMs} ms after the master EA sent it`);
    assert.match(await row.first().textContent() ?? '', /Alpha master.*1 order/);
    // The follower EA takes and executes its order; its execution shows on the tape as well.
    const polled = await follower.pollOnce({ wait: 0 });
    assert.ok(polled.ok);
    assert.deepEqual(polled.orders.map((o) => [o.action, o.side, o.volume]), [['open', 'buy', 0.5]]);
    await page.getByTestId('live-tape').locator('[data-kind="execution"]').first().waitFor({ timeout: 10_000 });
    assert.equal(await page.evaluate(() => (window as unknown as { kopitraMarker?: number }).kopitraMarker), 42, 'the page was not reloaded');
    // The counters refresh from the event stream too.
    await page.getByTestId('overview-tiles').getByText('signals, last hour').locator('..').getByText('1', { exact: true }).waitFor({ timeout: 10_000 });
    firstRunId = decodeURIComponent((await row.first().getByRole('link', { name: 'trace →' }).getAttribute('href'))!.split('/runs/')[1]!);
    await shot(page, '05-overview-live');
  });

  test('open the signal\'s audit run and read the follower\'s decision', async (t) => {
    if (!(await waitsOn(t, ['GET', '/audit/runs']))) return;
    await page.getByRole('link', { name: 'Audit runs' }).click();
    const table = page.getByRole('table', { name: 'Audit runs' });
    await table.waitFor();
    await shot(page, '06-audit-runs');
    const runRow = firstRunId ? table.locator(`tr[data-run-id="${firstRunId}"]`) : table.locator('tbody tr').filter({ hasText: 'signal' }).last();
    await runRow.getByRole('link').click();
    await page.getByRole('heading', { name: 'Run trace' }).waitFor();
    const decision = page.getByTestId('decision').filter({ hasText: 'Bravo follower' });
    await decision.waitFor();
    const text = (await decision.textContent()) ?? '';
    assert.match(text, /copied/);
    assert.match(text, /gets\s*0\.5\s*lots/);
    await decision.getByText('Inputs of the decision').click();
    assert.match((await decision.locator('.inputs').textContent()) ?? '', /sizingMode\s*multiplier/);
    // The execution the follower reported is on the timeline with its price.
    await decision.getByText(/execution\s*filled/).waitFor({ timeout: 10_000 });
    await shot(page, '07-run-trace');
  });

  test('sizing preview: the engine explains what the follower would get', async (t) => {
    if (!(await waitsOn(t, ['POST', '/subscriptions/preview']))) return;
    await page.goto(`${platform.url}/subscriptions/${encodeURIComponent(subscriptionId)}`);
    const panel = page.getByRole('region', { name: 'Sizing preview' });
    await panel.getByLabel('Lots').fill('3');
    await panel.getByLabel('Price').fill('1.085');
    await panel.getByRole('button', { name: 'Preview' }).click();
    const result = panel.getByTestId('preview-result');
    await result.waitFor();
    assert.match((await result.textContent()) ?? '', /would get\s*1\.5 lots/);
    await shot(page, '08-sizing-preview');
  });

  test('pause in the console, a skipped open, resume, then a resync dry run shows its plan before anything changes', async (t) => {
    if (!(await waitsOn(t, ['GET', '/tasks']))) return;
    await page.goto(`${platform.url}/subscriptions/${encodeURIComponent(subscriptionId)}`);
    await page.getByRole('button', { name: 'Pause' }).first().click();
    await page.getByRole('button', { name: 'Resume' }).first().waitFor();
    assert.equal((await apiCall('GET', `/subscriptions/${subscriptionId}`)).json.status, 'paused');
    // While paused the master opens another position: the follower's copy is skipped (subscription_paused).
    const { result } = await master.open('EURUSD', 'sell', 0.4);
    assert.ok(result.ok);
    await master.flush();
    assert.ok((await master.snapshot()).kind === 'response');
    assert.ok((await follower.snapshot()).kind === 'response');
    await page.getByRole('button', { name: 'Resume' }).first().click();
    await page.getByRole('button', { name: 'Pause' }).first().waitFor();

    await page.getByRole('link', { name: 'Tasks' }).click();
    await page.getByRole('navigation', { name: 'Task catalog' }).getByRole('link', { name: /resync/i }).click();
    const panel = page.locator('section.panel').filter({ has: page.getByRole('form', { name: /Run .*resync/i }) });
    await panel.getByLabel(/Subscription/).selectOption(subscriptionId);
    const openMissing = panel.getByLabel(/Open missing/i);
    if (await openMissing.count()) await openMissing.check();
    const positionsBefore = JSON.stringify(follower.broker.positions());
    await panel.getByRole('button', { name: 'Preview plan (dry run)' }).click();
    const preview = panel.getByTestId('plan-preview');
    await preview.waitFor({ timeout: 20_000 });
    const planRows = await preview.getByTestId('resync-plan').locator('tbody tr').count();
    t.diagnostic(`dry-run plan: ${planRows} action(s): ${(await preview.textContent())?.replace(/\s+/g, ' ').slice(0, 200)}`);
    if (planRows > 0) {
      // The confirm step: nothing is applied until the operator says so.
      await preview.getByRole('button', { name: /^Apply (these )?\d+ actions?$/ }).waitFor();
    } else {
      await preview.getByTestId('resync-plan-empty').waitFor();
    }
    await shot(page, '09-tasks-resync-dry-run');
    const runId = decodeURIComponent((await panel.getByTestId('task-run').getByRole('link').getAttribute('href'))!.split('/runs/')[1]!);
    const run = await apiCall('GET', `/audit/runs/${runId}`);
    assert.equal(run.json.kind, 'task');
    assert.equal(run.json.result.applied, false, 'a dry run applies nothing');
    assert.equal(run.json.result.plan.length, planRows, 'the preview shows every planned action');
    assert.equal(JSON.stringify(follower.broker.positions()), positionsBefore);
    const poll = await follower.pollOnce({ wait: 0 });
    assert.deepEqual(poll.orders, [], 'a dry run sends the follower no orders');
  });

  test('the overview groups the paused copy under its skip reason, linking to the run that skipped it', async (t) => {
    if (!(await waitsOn(t, ['GET', '/metrics/overview'], ['GET', '/audit/runs']))) return;
    await page.getByRole('link', { name: 'Overview' }).click();
    const skips = page.locator('section.panel').filter({ hasText: 'Skips by reason' });
    const row = skips.locator('tr').filter({ hasText: 'subscription paused' });
    await row.waitFor({ timeout: 10_000 });
    assert.equal((await row.locator('td.num').textContent())?.trim(), '1');
    await row.getByRole('link', { name: 'open trace' }).click();
    const decision = page.getByTestId('decision').filter({ hasText: 'Bravo follower' });
    await decision.waitFor();
    assert.match((await decision.textContent()) ?? '', /skipped.*subscription paused/);
  });

  test('artifacts page lists what there is', async (t) => {
    if (!(await waitsOn(t, ['GET', '/artifacts']))) return;
    await page.getByRole('link', { name: 'Artifacts' }).click();
    await page.getByRole('heading', { name: 'Artifacts' }).waitFor();
    await page.locator('.state-empty, table[aria-label="Artifacts"]').first().waitFor();
    await shot(page, '10-artifacts');
  });

  test('a viewer signs in and finds no action buttons on any page (phone width)', async () => {
    const created = await apiCall('POST', '/operators', { ...VIEWER, role: 'viewer' });
    assert.equal(created.status, 201);
    // The admin sees actions (so the check below can fail).
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.getByRole('table', { name: 'Accounts' }).waitFor();
    assert.ok(await page.locator('[data-action]').count() > 0, 'the admin has action buttons');

    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const vp = await phone.newPage();
    vp.on('pageerror', (e) => pageErrors.push(e.message));
    await signIn(vp, VIEWER);
    const pages: Array<[string, string, () => Promise<unknown>]> = [
      ['/', 'overview', () => vp.getByRole('heading', { name: 'Overview' }).waitFor()],
      ['/accounts', 'accounts', () => vp.getByRole('table', { name: 'Accounts' }).waitFor()],
      [`/accounts/${encodeURIComponent(creds.master.accountId)}`, 'account-detail', () => vp.getByRole('region', { name: 'EA credentials' }).waitFor()],
      ['/subscriptions', 'subscriptions', () => vp.getByRole('table', { name: 'Subscriptions' }).waitFor()],
      [`/subscriptions/${encodeURIComponent(subscriptionId)}`, 'subscription-detail', () => vp.getByRole('form', { name: 'Edit subscription' }).waitFor()],
      ['/runs', 'audit-runs', () => vp.getByRole('heading', { name: 'Audit runs' }).waitFor()],
      ...(firstRunId ? [[`/runs/${encodeURIComponent(firstRunId)}`, 'run-trace', () => vp.getByTestId('decision').first().waitFor()] as [string, string, () => Promise<unknown>]] : []),
      ['/tasks', 'tasks', () => vp.getByRole('heading', { name: 'Tasks' }).waitFor()],
      ['/artifacts', 'artifacts', () => vp.getByRole('heading', { name: 'Artifacts' }).waitFor()],
    ];
    const actionWords = /^(New account|New subscription|Issue credential|Revoke|Disable|Enable|Edit|Pause|Resume|Save settings|Create .*|Run task|Preview plan.*|Apply .*)$/;
    for (const [path, name, ready] of pages) {
      await vp.goto(`${platform.url}${path}`);
      await ready();
      await vp.waitForLoadState('networkidle').catch(() => undefined);
      assert.equal(await vp.locator('[data-action]').count(), 0, `${path}: no action buttons for a viewer`);
      const labels = await vp.getByRole('button').allTextContents();
      assert.deepEqual(labels.filter((l) => actionWords.test(l.trim())), [], `${path}: buttons ${JSON.stringify(labels)}`);
      await shot(vp, `11-viewer-phone-${name}`);
    }
    // The API refuses a viewer's write anyway.
    const token = await vp.evaluate(() => JSON.parse(sessionStorage.getItem('kopitra.session') ?? '{}').token as string);
    assert.equal((await apiCall('PATCH', `/subscriptions/${subscriptionId}`, { status: 'paused' }, token)).status, 403);
    await phone.close();
  });

  test('no script error happened on any page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
