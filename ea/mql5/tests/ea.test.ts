// Off-terminal tests of the MQL5 Expert Advisors (issue 4):
//  1. the terminal-independent includes compiled as C++17 with g++ and run, one subtest per C++ test group;
//  2. the static API check of the real EAs (must pass) and of deliberately broken copies (must fail);
//  3. the shared include library stays free of MT5-only calls (the MT4 port reuses it).
// Run: node scripts/run-tests.mjs ea
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkFiles } from './static-check';

const testsDir = dirname(fileURLToPath(import.meta.url));
const mql5Dir = resolve(testsDir, '..');
const repoRoot = resolve(mql5Dir, '..', '..');
const buildDir = join(testsDir, 'build');
const binary = join(buildDir, 'kp_tests');
const experts = ['KopitraMaster.mq5', 'KopitraFollower.mq5'].map((f) => join(mql5Dir, 'Experts', f));

/** node:crypto reference values for every message length 0..200 (all SHA-256 padding boundaries) and varied keys. */
function writeCryptoVectors(): void {
  const lines: string[] = [];
  for (let len = 0; len <= 200; len++) {
    const msg = Buffer.from(Array.from({ length: len }, (_, i) => (i * 31 + len * 7) & 0xff));
    const key = Buffer.from(Array.from({ length: (len * 13) % 150 }, (_, i) => (i * 17 + 3) & 0xff));
    const sha = createHash('sha256').update(msg).digest('hex');
    const mac = createHmac('sha256', key).update(msg).digest('hex');
    lines.push(`${msg.toString('hex') || '-'} ${key.toString('hex') || '-'} ${sha} ${mac}`);
  }
  writeFileSync(join(buildDir, 'crypto-vectors.txt'), lines.join('\n') + '\n');
}

test('C++ unit tests of the MQL5 include library (g++ -std=c++17)', async (t) => {
  mkdirSync(buildDir, { recursive: true });
  writeCryptoVectors();
  const compile = spawnSync('g++', ['-std=c++17', '-O1', '-Wall', '-Wextra', '-Werror', '-I', testsDir, '-I', join(mql5Dir, 'Include'),
    join(testsDir, 'cpp', 'kp_tests.cpp'), '-o', binary], { encoding: 'utf8' });
  assert.equal(compile.status, 0, `g++ failed:\n${compile.stderr}`);
  const list = spawnSync(binary, ['--list'], { encoding: 'utf8' });
  assert.equal(list.status, 0, list.stderr);
  const groups = list.stdout.split('\n').filter(Boolean);
  assert.ok(groups.length >= 10, `expected the C++ test groups, got ${groups.join(', ')}`);
  for (const group of groups) {
    await t.test(group, () => {
      const run = spawnSync(binary, ['--root', repoRoot, '--build', buildDir, group], { encoding: 'utf8', timeout: 120_000 });
      const line = run.stdout.split('\n').find((l) => l.startsWith(`GROUP ${group} `)) ?? '';
      assert.equal(run.status, 0, `${group} failed:\n${run.stdout}\n${run.stderr}`);
      assert.match(line, /^GROUP \S+ ok checks=\d+ failures=0$/);
      const checks = Number(/checks=(\d+)/.exec(line)?.[1] ?? 0);
      assert.ok(checks > 0, `${group} ran no checks`);
    });
  }
});

test('static API check: the real EAs pass', () => {
  const r = checkFiles(experts);
  assert.deepEqual(r.errors, []);
  assert.ok(r.calls > 500, `only ${r.calls} calls checked`);
  assert.ok(r.files.some((f) => f.endsWith('KpTerminal.mqh')), 'includes were followed');
});

test('static API check: broken copies of an EA fail', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kopitra-ea-'));
  try {
    const original = readFileSync(experts[1]!, 'utf8');
    const cases: { name: string; from: string; to: string; expect: RegExp }[] = [
      { name: 'misspelt API call', from: 'HistoryDealsTotal()', to: 'HistoryDealTotal()', expect: /unknown function HistoryDealTotal/ },
      { name: 'wrong arity of an API call', from: 'HistorySelect(from, to)', to: 'HistorySelect(from)', expect: /function HistorySelect called with 1 argument\(s\), declared with 2/ },
      { name: 'wrong arity of a CTrade method', from: 'g_trade.OrderDelete((ulong)d.ticket)', to: 'g_trade.OrderDelete((ulong)d.ticket, 5)', expect: /method \.OrderDelete called with 2 argument/ },
      { name: 'misspelt constant', from: 'DEAL_ENTRY_IN ?', to: 'DEAL_ENTRY_INN ?', expect: /unknown constant or type DEAL_ENTRY_INN/ },
      { name: 'wrong arity of a project function', from: 'KpDecide(o, g_gw.NowMs(), bid, ask, spec, positions, deals, pendings, d)', to: 'KpDecide(o, g_gw.NowMs(), bid, ask, spec, positions, deals, d)', expect: /function KpDecide called with 8 argument\(s\), declared with 9/ },
      { name: 'missing include', from: '#include <Kopitra/KpFollowerLogic.mqh>', to: '#include <Kopitra/KpFollowerLogik.mqh>', expect: /include not found: Kopitra\/KpFollowerLogik\.mqh/ },
    ];
    for (const c of cases) {
      await t.test(c.name, () => {
        assert.ok(original.includes(c.from), `the EA no longer contains ${c.from}`);
        const file = join(dir, `broken-${c.name.replace(/\W+/g, '-')}.mq5`);
        writeFileSync(file, original.replace(c.from, c.to));
        const r = checkFiles([file]);
        assert.ok(r.errors.some((e) => c.expect.test(e)), `expected ${c.expect} in:\n${r.errors.join('\n')}`);
      });
    }
    // the CLI exits non-zero on a broken copy (what CI would run)
    await t.test('CLI exit status', () => {
      const file = join(dir, 'KopitraFollower.mq5');
      writeFileSync(file, original.replace('HistoryDealsTotal()', 'HistoryDealTotal()'));
      const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
      const bad = spawnSync(tsx, [join(testsDir, 'static-check.ts'), file], { encoding: 'utf8' });
      assert.equal(bad.status, 1, bad.stdout + bad.stderr);
      const good = spawnSync(tsx, [join(testsDir, 'static-check.ts'), ...experts], { encoding: 'utf8' });
      assert.equal(good.status, 0, good.stdout + good.stderr);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the shared include library makes no MT5-only calls (kept portable for the MT4 port)', () => {
  const mt5Only = /\b(Position(?:Get\w+|Select\w*|sTotal)|HistoryDeal\w+|HistoryOrder\w+|HistorySelect|OrderGet\w+|OrderSelect|SymbolInfo\w+|AccountInfo\w+|TerminalInfo\w+|CTrade|MqlTrade\w+)\b/;
  const dir = join(mql5Dir, 'Include', 'Kopitra');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.mqh') && n !== 'KpTerminal.mqh')) {
    const code = readFileSync(join(dir, f), 'utf8').replace(/\/\/.*$/gm, '');
    const m = mt5Only.exec(code);
    assert.equal(m, null, `${f} uses ${m?.[0]} (MT5-only: keep it in KpTerminal.mqh or the EAs)`);
  }
});
