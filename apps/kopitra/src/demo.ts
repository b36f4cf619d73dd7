import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EaHttpClient, ReferenceFollower, ReferenceMaster, SimBroker, type SymbolSpec } from '@kopitra/ea-client';
import type { PlatformConfig } from './config';
import { startPlatform } from './platform';

const SPECS: SymbolSpec[] = [
  { name: 'EURUSD', volumeMin: 0.01, volumeMax: 100, volumeStep: 0.01, contractSize: 100_000, tickSize: 0.00001, tickValue: 1, digits: 5 },
  { name: 'XAUUSD', volumeMin: 0.01, volumeMax: 50, volumeStep: 0.01, contractSize: 100, tickSize: 0.01, tickValue: 1, digits: 2 },
];
const PRO_SPECS = SPECS.map((s) => ({ ...s, name: `${s.name}.pro` }));
const QUOTES = { EURUSD: { bid: 1.08498, ask: 1.085 }, XAUUSD: { bid: 2650, ask: 2650.3 } };

type Json = Record<string, unknown>;

async function api(base: string, token: string | null, method: string, path: string, body?: unknown): Promise<Json> {
  const res = await fetch(`${base}/admin/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Json;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The platform plus a simulated master and three followers with different settings, all through
 * the real HTTP APIs: operators create the accounts, credentials and subscriptions; the master
 * trades; the followers long-poll, execute on their own simulated brokers and report.
 */
export async function runDemo(config: PlatformConfig): Promise<void> {
  const dataDir = config.databaseUrl ? config.dataDir : mkdtempSync(join(tmpdir(), 'kopitra-demo-'));
  const password = config.adminPassword ?? 'demo-password-' + Math.random().toString(36).slice(2);
  const p = await startPlatform({ ...config, dataDir, adminEmail: config.adminEmail ?? 'demo@localhost', adminPassword: password, logLevel: 'warn' }, { logger: false });
  console.log(`Kopitra demo on ${p.url} (data in ${config.databaseUrl ? 'PostgreSQL' : dataDir})\n`);
  const login = await api(p.url, null, 'POST', '/auth/login', { email: config.adminEmail ?? 'demo@localhost', password });
  const token = String(login.token);

  const account = async (name: string, role: 'master' | 'follower', extra: Json = {}) => {
    const a = await api(p.url, token, 'POST', '/accounts', { name, role, platform: 'mt5', broker: { name: 'SimBroker', server: 'Sim-Demo' }, login: String(100000 + Math.floor(Math.random() * 900000)), ...extra });
    const c = await api(p.url, token, 'POST', `/accounts/${String(a.id)}/credentials`);
    return { id: String(a.id), keyId: String(c.keyId), secret: String(c.secret) };
  };
  const m = await account('Alice (master)', 'master');
  const followers = [
    { name: 'Bob — half size', settings: { sizing: { mode: 'multiplier', multiplier: 0.5 } }, balance: 10_000, specs: SPECS, extra: {} },
    { name: 'Carol — balance ratio, 2 500 USD, broker suffix .pro', settings: { sizing: { mode: 'balance_ratio' } }, balance: 2_500, specs: PRO_SPECS, extra: { symbolSuffix: '.pro' } },
    { name: 'Dave — risk 1 % per trade, EURUSD only, max 0.5 lots', settings: { sizing: { mode: 'risk_percent', percent: 1 }, symbols: { allow: ['EURUSD'], deny: [] }, maxLot: 0.5 }, balance: 10_000, specs: SPECS, extra: {} },
  ];
  const masterEa = new ReferenceMaster({
    client: new EaHttpClient({ baseUrl: p.url, keyId: m.keyId, secret: m.secret }),
    broker: new SimBroker({ mode: 'hedging', balance: 10_000, symbols: SPECS, quotes: QUOTES }),
    outboxDir: join(dataDir, 'demo-master-outbox'),
  });
  await masterEa.snapshot();
  const eas: Array<{ name: string; ea: ReferenceFollower }> = [];
  for (const f of followers) {
    const acc = await account(f.name, 'follower', f.extra);
    await api(p.url, token, 'POST', '/subscriptions', { masterAccountId: m.id, followerAccountId: acc.id, ...f.settings });
    const ea = new ReferenceFollower({
      client: new EaHttpClient({ baseUrl: p.url, keyId: acc.keyId, secret: acc.secret }),
      broker: new SimBroker({ mode: 'hedging', balance: f.balance, symbols: f.specs, quotes: { [f.specs[0]!.name]: QUOTES.EURUSD, [f.specs[1]!.name]: QUOTES.XAUUSD } }),
      stateDir: join(dataDir, `demo-${acc.id}`),
    });
    await ea.snapshot();
    void ea.run({ wait: 10 });
    eas.push({ name: f.name, ea });
    console.log(`follower ${f.name}: ${JSON.stringify(f.settings)}`);
  }
  console.log('');

  const show = async (what: string) => {
    await masterEa.flush();
    await sleep(400);
    const { rows } = await p.db.query<{ summary: string; decisions: Array<{ followerAccountId: string; outcome: string; reason: string | null; notes: string[]; orders: Array<{ action: string; side: string | null; volume: number | null; symbol: string; sl: number | null; tp: number | null }> }> }>(
      `SELECT summary, decisions FROM audit_runs WHERE account_id = $1 AND kind = 'signal' ORDER BY started_at DESC LIMIT 1`, [m.id]);
    const run = rows[0];
    console.log(`master ${what}`);
    if (!run) return;
    const names = new Map<string, string>();
    const { rows: accs } = await p.db.query<{ id: string; name: string }>('SELECT id, name FROM accounts');
    for (const a of accs) names.set(a.id, a.name);
    for (const d of run.decisions) {
      const orders = d.orders.map((o) => [o.action, o.side, o.volume, o.symbol, o.action === 'modify' ? `sl ${o.sl} tp ${o.tp}` : null].filter((x) => x !== null).join(' '));
      const why = d.outcome === 'copied' ? `${orders.join('; ')}${d.notes.length ? `  [${d.notes.join(', ')}]` : ''}` : `skipped: ${d.reason}`;
      console.log(`  → ${names.get(d.followerAccountId)}: ${why}`);
    }
  };

  const a = await masterEa.open('EURUSD', 'buy', 1, { sl: 1.08, tp: 1.095 });
  await show('opens buy 1.00 EURUSD @1.08500 sl 1.08000 tp 1.09500');
  const gold = await masterEa.open('XAUUSD', 'sell', 0.4, { sl: 2660, tp: 2600 });
  await show('opens sell 0.40 XAUUSD sl 2660 tp 2600');
  await masterEa.close(a.signals[0]!.type === 'position.opened' ? (a.signals[0] as { position: { id: string } }).position.id : '', 0.4);
  await show('closes 0.40 of 1.00 EURUSD');
  await masterEa.modify((a.signals[0] as { position: { id: string } }).position.id, { sl: 1.083 });
  await show('moves the EURUSD stop to 1.08300');
  await masterEa.close((a.signals[0] as { position: { id: string } }).position.id);
  await show('closes the rest of EURUSD');
  await masterEa.close((gold.signals[0] as { position: { id: string } }).position.id);
  await show('closes XAUUSD');

  console.log('\nfollower accounts now:');
  for (const { name, ea } of eas) console.log(`  ${name}: ${ea.broker.positions().length} open positions, ${ea.broker.deals().length} deals`);
  for (const { ea } of eas) ea.stop();
  await sleep(100);
  await p.close();
  if (!config.databaseUrl) rmSync(dataDir, { recursive: true, force: true });
}
