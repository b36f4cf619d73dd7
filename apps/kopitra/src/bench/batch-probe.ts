import { seedAccount, seedSubscription } from '@kopitra/gateway/testing';
import { openDb } from '@kopitra/store';
import { createFreshDatabase } from '@kopitra/store/testing';
import { ingestSignals } from '../../../gateway/src/services/ingest-signal';
const fresh = await createFreshDatabase('postgres://postgres@127.0.0.1:5432/kopitra_dev');
const db = await openDb({ databaseUrl: fresh.url });
const masters = [];
for (let i = 0; i < 32; i++) { const m = await seedAccount(db, 'master'); const f = await seedAccount(db, 'follower'); await seedSubscription(db, m.accountId, f.accountId); masters.push(m); }
const origTx = db.tx.bind(db);
const times: Record<string, number> = {};
db.tx = (fn) => origTx((q) => fn({ query: async (t, p) => { const s = performance.now(); try { return await q.query(t, p); } finally { const k = t.trim().slice(0, 30).replace(/\s+/g, ' '); times[k] = (times[k] ?? 0) + performance.now() - s; } } }));
let seq = 0; const N = 40;
const t0 = performance.now();
for (let b = 0; b < N; b++) {
  seq++;
  const items = masters.map((m, i) => ({ accountId: m.accountId, idempotencyKey: `k${seq}`, requestHash: 'h' + seq, receivedAtMs: Date.now(), body: { sequence: seq, type: 'position.opened', occurredAt: new Date().toISOString(), position: { id: `P${seq}-${i}`, symbol: 'EURUSD', side: 'buy', volume: 1, price: 1.085 } } as never }));
  const s = performance.now();
  await db.tx((q) => ingestSignals(q, items, Date.now()));
  times['TOTAL tx'] = (times['TOTAL tx'] ?? 0) + performance.now() - s;
}
const el = performance.now() - t0;
console.log(`batches of 32: ${(N * 32 / (el / 1000)).toFixed(0)} signals/s, ${(el / N).toFixed(2)} ms per batch`);
for (const [k, v] of Object.entries(times).sort((a, b) => b[1] - a[1])) console.log((v / N).toFixed(3), 'ms', k);
await db.close(); await fresh.drop();
