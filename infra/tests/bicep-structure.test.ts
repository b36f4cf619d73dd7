// A structural check of the Bicep files — there is no `az`/`bicep` CLI here and no network to
// fetch one, so this is NOT a compile: it tokenises each file (strings, comments, interpolation),
// checks brackets balance, every `module` path exists and its required params are passed with no
// unknown ones, every declared param is used, every `outputs.x` read of a module is an output that
// module declares, and the resources the issue asks for are present with the settings that matter.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from './support/processes';

const BICEP = join(ROOT, 'infra/bicep');
const files = ['main.bicep', ...readdirSync(join(BICEP, 'modules')).filter((f) => f.endsWith('.bicep')).map((f) => `modules/${f}`)];
const src = (f: string) => readFileSync(join(BICEP, f), 'utf8');

/** Code with comments removed and string contents blanked (interpolations kept as code). */
function code(text: string): string {
  let out = '';
  let i = 0;
  const stack: Array<'str' | 'interp'> = [];
  let depthInInterp = 0;
  while (i < text.length) {
    const c = text[i]!;
    const top = stack[stack.length - 1];
    if (top === 'str') {
      if (c === '\\') { i += 2; out += '  '; continue; }
      if (c === "'") { stack.pop(); out += "'"; i++; continue; }
      if (c === '$' && text[i + 1] === '{') { stack.push('interp'); depthInInterp = 0; out += '${'; i += 2; continue; }
      out += c === '\n' ? '\n' : ' ';
      i++;
      continue;
    }
    if (c === "'" && text.startsWith("'''", i)) {
      const end = text.indexOf("'''", i + 3);
      assert.ok(end > 0, 'unterminated multi-line string');
      out += "''" + text.slice(i + 3, end).replace(/[^\n]/g, ' ') + "''";
      i = end + 3;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') { while (i < text.length && text[i] !== '\n') i++; continue; }
    if (c === '/' && text[i + 1] === '*') { const end = text.indexOf('*/', i + 2); i = end + 2; continue; }
    if (c === "'") { stack.push('str'); out += "'"; i++; continue; }
    if (top === 'interp') {
      if (c === '{') depthInInterp++;
      if (c === '}') {
        if (depthInInterp === 0) { stack.pop(); out += '}'; i++; continue; }
        depthInInterp--;
      }
    }
    out += c;
    i++;
  }
  assert.equal(stack.length, 0, 'every string and interpolation is closed');
  return out;
}

function balance(text: string): string | null {
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  const stack: Array<{ ch: string; line: number }> = [];
  let line = 1;
  for (const ch of text) {
    if (ch === '\n') line++;
    if ('([{'.includes(ch)) stack.push({ ch, line });
    else if (ch in pairs) {
      const open = stack.pop();
      if (!open || open.ch !== pairs[ch]) return `unexpected '${ch}' at line ${line}`;
    }
  }
  return stack.length ? `unclosed '${stack[stack.length - 1]!.ch}' from line ${stack[stack.length - 1]!.line}` : null;
}

interface Param { name: string; required: boolean }
function params(text: string): Param[] {
  return [...code(text).matchAll(/^param (\w+) (\w+)(\s*=)?/gm)].map((m) => ({ name: m[1]!, required: !m[3] }));
}
function outputs(text: string): string[] {
  return [...code(text).matchAll(/^output (\w+) /gm)].map((m) => m[1]!);
}

/** module <sym> '<path>' = [if (...)] { ... params: { ... } } blocks. */
function modules(text: string): Array<{ symbol: string; path: string; passed: string[] }> {
  const out: Array<{ symbol: string; path: string; passed: string[] }> = [];
  for (const m of text.matchAll(/^module (\w+) '([^']*)' = /gm)) {
    const start = text.indexOf('{', m.index! + m[0].length);
    let depth = 0;
    let end = start;
    for (let i = start; i < text.length; i++) {
      if (text[i] === '{') depth++;
      if (text[i] === '}' && --depth === 0) { end = i; break; }
    }
    const body = text.slice(start, end + 1);
    const p = /\n\s*params: \{([\s\S]*)\}\s*\n?\s*\}$/.exec(body) ?? /params: \{([^}]*)\}/.exec(body);
    const passed = p ? [...p[1]!.matchAll(/(?:^|[\s{,])(\w+):/g)].map((x) => x[1]!) : [];
    out.push({ symbol: m[1]!, path: m[2]!, passed });
  }
  return out;
}

describe('Bicep structure (no compiler available: see the header)', () => {
  for (const f of files) {
    test(`${f}: strings, comments and brackets balance; every param is used`, () => {
      const text = src(f);
      const c = code(text);
      assert.equal(balance(c), null, `${f}: ${balance(c)}`);
      for (const p of params(text)) {
        const uses = c.split('\n').filter((l) => !/^\s*param /.test(l)).join('\n').match(new RegExp(`\\b${p.name}\\b`, 'g'));
        assert.ok(uses && uses.length > 0, `${f}: param ${p.name} is never used`);
      }
      // Every resource has an API version; no empty resource type.
      for (const r of text.matchAll(/^resource (\w+) '([^'@]+)@(\d{4}-\d{2}-\d{2}(?:-preview)?)'/gm)) assert.match(r[2]!, /^Microsoft\.\w+\/\w+/, `${f}: ${r[1]} type`);
      assert.equal([...text.matchAll(/^resource \w+ '/gm)].length, [...text.matchAll(/^resource \w+ '[^'@]+@\d{4}-\d{2}-\d{2}(?:-preview)?'/gm)].length, `${f}: every resource pins an API version`);
    });
  }

  test('main.bicep: subscription scope; parameters env, acrName, aksSku', () => {
    const text = src('main.bicep');
    assert.match(text, /^targetScope = 'subscription'$/m);
    const names = params(text).map((p) => p.name);
    for (const p of ['env', 'acrName', 'aksSku']) assert.ok(names.includes(p), p);
  });

  for (const f of files) {
    test(`${f}: module paths exist, required params passed, no unknown params, outputs read exist`, () => {
      const text = src(f);
      // Params read from the code form (strings blanked), paths from the text.
      const paths = [...text.matchAll(/^module (\w+) '([^']+)' = /gm)].map((m) => m[2]!);
      const mods = modules(code(text)).map((m, i) => ({ ...m, path: paths[i]! }));
      if (f === 'main.bicep') assert.ok(mods.length >= 8, `main.bicep: found ${mods.length} modules`);
      for (const m of mods) {
        const target = join(BICEP, dirname(f), m.path);
        assert.ok(existsSync(target), `${f}: module ${m.symbol} → ${m.path} exists`);
        const declared = params(readFileSync(target, 'utf8'));
        for (const p of declared.filter((x) => x.required)) assert.ok(m.passed.includes(p.name), `${f}: module ${m.symbol} passes required ${p.name}`);
        for (const p of m.passed) assert.ok(declared.some((d) => d.name === p), `${f}: module ${m.symbol} passes unknown param ${p}`);
        const outs = outputs(readFileSync(target, 'utf8'));
        for (const read of text.matchAll(new RegExp(`\\b${m.symbol}\\.outputs\\.(\\w+)`, 'g'))) assert.ok(outs.includes(read[1]!), `${f}: ${m.symbol}.outputs.${read[1]} is declared in ${m.path}`);
      }
    });
  }

  test('the resources the issue asks for, with the settings that matter', () => {
    const all = files.map(src).join('\n');
    const has = (type: string) => new RegExp(`'${type.replace(/[./]/g, (c) => `\\${c}`)}@`).test(all);
    for (const t of [
      'Microsoft.Resources/resourceGroups', 'Microsoft.ContainerRegistry/registries', 'Microsoft.App/managedEnvironments',
      'Microsoft.App/containerApps', 'Microsoft.DBforPostgreSQL/flexibleServers', 'Microsoft.Storage/storageAccounts',
      'Microsoft.Storage/storageAccounts/blobServices/containers', 'Microsoft.Storage/storageAccounts/queueServices/queues',
      'Microsoft.Storage/storageAccounts/managementPolicies', 'Microsoft.OperationalInsights/workspaces', 'Microsoft.Insights/components',
      'Microsoft.KeyVault/vaults', 'Microsoft.KeyVault/vaults/secrets', 'Microsoft.ManagedIdentity/userAssignedIdentities',
      'Microsoft.Authorization/roleAssignments', 'Microsoft.Insights/actionGroups', 'Microsoft.Insights/scheduledQueryRules',
      'Microsoft.Consumption/budgets', 'Microsoft.ContainerService/managedClusters',
    ]) assert.ok(has(t), `a ${t} resource`);
    assert.match(src('modules/postgres.bicep'), /name: 'Standard_B1ms', tier: 'Burstable'/);
    assert.match(src('modules/monitoring.bicep'), /dailyQuotaGb:/);
    assert.match(src('modules/storage.bicep'), /tierToCool/);
    assert.match(src('modules/storage.bicep'), /prefixMatch: \['ea-logs\//);
    assert.match(src('modules/keyvault.bicep'), /enableRbacAuthorization: true/);
    assert.match(src('modules/containerapps.bicep'), /keyVaultUrl: /);
    assert.match(src('modules/budget.bicep'), /timeGrain: 'Monthly'/);
    const alerts = src('modules/alerts.bicep');
    for (const a of ['ea-connectivity', 'order-latency', 'api-failures']) assert.ok(alerts.includes(`name: '${a}'`), `alert ${a}`);
  });
});
