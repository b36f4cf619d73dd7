// Static check of the MQL5 sources against declared MQL5 API signatures (tests/mql5-api.txt) and the
// project's own declarations. No MetaEditor here, so this catches what a compile would catch first:
// a misspelt function, method or constant, a call with the wrong number of arguments, a missing include.
// Usage: npx tsx ea/mql5/tests/static-check.ts ea/mql5/Experts/KopitraMaster.mq5 [...]
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Sig { min: number; max: number; where: string }
interface Tok { t: string; line: number; file: string; kind: 'id' | 'num' | 'str' | 'punct' }
export interface CheckResult { errors: string[]; files: string[]; calls: number; constants: number }

const here = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_API = join(here, 'mql5-api.txt');
export const DEFAULT_INCLUDE = resolve(here, '..', 'Include');

const KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'return', 'sizeof', 'do', 'else', 'case', 'new', 'delete',
  'operator', 'catch', 'throw', 'void', 'int', 'long', 'double', 'string', 'bool', 'uint', 'ulong', 'uchar', 'char',
  'short', 'ushort', 'float', 'datetime', 'color', 'const', 'static', 'input', 'extern', 'virtual', 'typename', 'template']);

function addSig(map: Map<string, Sig[]>, name: string, sig: Sig) {
  const list = map.get(name) ?? [];
  list.push(sig);
  map.set(name, list);
}

/** "a, b = 1, c" -> {min, max}; "void" or "" -> 0 params; "..." -> variadic */
function arityOfParams(params: string): { min: number; max: number } {
  const p = params.trim();
  if (p === '' || p === 'void') return { min: 0, max: 0 };
  const parts = splitTopLevel(p);
  let min = 0;
  let max = 0;
  for (const part of parts) {
    if (part.trim() === '...') return { min, max: Infinity };
    max++;
    if (!part.includes('=')) min = max;
  }
  return { min, max };
}

function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if ('([{'.includes(ch)) depth++;
    if (')]}'.includes(ch)) depth--;
    if (ch === ',' && depth === 0) { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out;
}

export interface Api { functions: Map<string, Sig[]>; methods: Map<string, Sig[]>; constants: Set<string> }

export function loadApi(path = DEFAULT_API): Api {
  const api: Api = { functions: new Map(), methods: new Map(), constants: new Set() };
  readFileSync(path, 'utf8').split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const where = `${path}:${i + 1}`;
    const words = line.split(/\s+/);
    if (words[0] === 'const' || words[0] === 'type') {
      for (const w of words.slice(1)) api.constants.add(w);
      return;
    }
    const m = /([A-Za-z_]\w*)(?:::([A-Za-z_]\w*))?\s*\((.*)\)\s*(?:const)?\s*;?$/.exec(line);
    if (!m) throw new Error(`${where}: cannot parse declaration: ${line}`);
    const { min, max } = arityOfParams(m[3] ?? '');
    if (m[2]) addSig(api.methods, m[2], { min, max, where });
    else addSig(api.functions, m[1]!, { min, max, where });
  });
  return api;
}

// ------------------------------------------------------------------ lexing with a tiny preprocessor
interface Source { tokens: Tok[]; macros: Map<string, Sig[]>; defines: Set<string>; files: string[]; errors: string[] }

function stripComments(text: string): string {
  // keep line structure: replace comments and literals by spaces of the same shape
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const n = text[i + 1];
    if (c === '/' && n === '/') { while (i < text.length && text[i] !== '\n') i++; continue; }
    if (c === '/' && n === '*') {
      i += 2;
      while (i < text.length && !(text[i] === '*' && text[i + 1] === '/')) { out += text[i] === '\n' ? '\n' : ' '; i++; }
      i += 2;
      continue;
    }
    if (c === '"' || c === "'") {
      const q = c;
      out += q === '"' ? '""' : '0';
      i++;
      while (i < text.length && text[i] !== q) { if (text[i] === '\\') i++; i++; }
      i++;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

function tokenize(text: string, file: string, firstLine: number, out: Tok[]) {
  const re = /([A-Za-z_]\w*)|(\d[\w.]*(?:[eE][+-]?\d+)?)|("")|(::|->|&&|\|\||[-+*/%=!<>&|^]=?|[(){}[\];,.?:~])/g;
  let m: RegExpExecArray | null;
  const lines = text.split('\n');
  lines.forEach((l, k) => {
    re.lastIndex = 0;
    while ((m = re.exec(l))) {
      const kind = m[1] ? 'id' : m[2] ? 'num' : m[3] ? 'str' : 'punct';
      out.push({ t: m[0], line: firstLine + k, file, kind });
    }
  });
}

function loadSource(entry: string, includeRoot: string): Source {
  const src: Source = { tokens: [], macros: new Map(), defines: new Set(), files: [], errors: [] };
  const seen = new Set<string>();
  const visit = (file: string) => {
    const abs = resolve(file);
    if (seen.has(abs)) return;
    seen.add(abs);
    src.files.push(abs);
    const raw = readFileSync(abs, 'utf8');
    const rawLines = raw.split('\n'); // #include names are string literals, which stripComments blanks
    const lines = stripComments(raw).split('\n');
    // conditional stack: each frame says whether its lines are active; only __MQL5__ is evaluated
    const stack: { active: boolean; mql: boolean }[] = [];
    const active = () => stack.every((f) => f.active);
    lines.forEach((line, idx) => {
      const ln = idx + 1;
      const pp = /^\s*#\s*(\w+)\s*(.*)$/.exec(line);
      if (!pp) { if (active()) tokenize(line, abs, ln, src.tokens); return; }
      const [, dir, rest = ''] = pp;
      if (dir === 'ifdef' || dir === 'ifndef') {
        const mql = rest.trim() === '__MQL5__';
        stack.push({ active: mql ? dir === 'ifdef' : true, mql });
      } else if (dir === 'if') stack.push({ active: true, mql: false });
      else if (dir === 'else') { const f = stack[stack.length - 1]; if (f && f.mql) f.active = !f.active; }
      else if (dir === 'endif') stack.pop();
      else if (!active()) return;
      else if (dir === 'include') {
        const m = /#\s*include\s*[<"]([^>"]+)[>"]/.exec(rawLines[idx] ?? '');
        if (!m) return;
        const name = m[1]!.replace(/\\/g, '/');
        const local = join(dirname(abs), name);
        const lib = join(includeRoot, name);
        if (/#\s*include\s*"/.test(rawLines[idx] ?? '') && existsSync(local)) visit(local);
        else if (existsSync(lib)) visit(lib);
        else if (!/^(Trade|Arrays|Object|Indicators|Expert)\//.test(name)) src.errors.push(`${abs}:${ln}: include not found: ${name}`);
      } else if (dir === 'define') {
        const fm = /^([A-Za-z_]\w*)\(([^)]*)\)/.exec(rest);
        if (fm) addSig(src.macros, fm[1]!, { ...arityOfParams(fm[2]!), where: `${abs}:${ln}` });
        else { const nm = /^([A-Za-z_]\w*)/.exec(rest); if (nm) src.defines.add(nm[1]!); }
      }
    });
  };
  visit(entry);
  return src;
}

// ------------------------------------------------------------------ the check
export function checkFiles(entries: string[], opts: { api?: Api; includeRoot?: string } = {}): CheckResult {
  const api = opts.api ?? loadApi();
  const includeRoot = opts.includeRoot ?? DEFAULT_INCLUDE;
  const errors: string[] = [];
  const files: string[] = [];
  let calls = 0;
  let constants = 0;
  for (const entry of entries) {
    const src = loadSource(entry, includeRoot);
    errors.push(...src.errors);
    files.push(...src.files);
    const toks = src.tokens;
    const own = new Map<string, Sig[]>();      // free functions and methods declared in the project
    const enumerators = new Set<string>();
    // pass 1: declarations. Scope kinds: F file, C class/struct, E enum, B function body or block, I initializer
    const scopes: string[] = ['F'];
    const closeParen = (i: number) => { let d = 0; for (let k = i; k < toks.length; k++) { if (toks[k]!.t === '(') d++; else if (toks[k]!.t === ')' && --d === 0) return k; } return toks.length - 1; };
    for (let i = 0; i < toks.length; i++) {
      const tk = toks[i]!;
      const scope = scopes[scopes.length - 1]!;
      if (tk.t === '{') {
        let kind = scope === 'F' || scope === 'C' ? 'B' : 'B';
        for (let k = i - 1; k >= 0 && k > i - 6; k--) {
          const p = toks[k]!.t;
          if (p === ';' || p === '}' || p === '{' || p === ')') break;
          if (p === 'class' || p === 'struct') { kind = 'C'; break; }
          if (p === 'enum') { kind = 'E'; break; }
          if (p === '=') { kind = 'I'; break; }
        }
        scopes.push(kind);
        continue;
      }
      if (tk.t === '}') { scopes.pop(); continue; }
      if (scope === 'E' && tk.kind === 'id' && (toks[i - 1]!.t === '{' || toks[i - 1]!.t === ',')) { enumerators.add(tk.t); continue; }
      // declared type names and file-scope variables (uint KP_TABLE[64] = ...)
      if (tk.kind === 'id' && ['enum', 'class', 'struct'].includes(toks[i - 1]?.t ?? '')) enumerators.add(tk.t);
      if (scope === 'F' && tk.kind === 'id' && toks[i - 1]?.kind === 'id' && ['[', '=', ';'].includes(toks[i + 1]?.t ?? '')) enumerators.add(tk.t);
      if ((scope === 'F' || scope === 'C') && tk.kind === 'id' && toks[i + 1]?.t === '(' && !KEYWORDS.has(tk.t)) {
        const prev = toks[i - 1];
        const end = closeParen(i + 1);
        const after = toks[end + 1]?.t;
        const isDecl = prev && (prev.kind === 'id' || prev.t === '&' || prev.t === '::' || prev.t === '~' || prev.t === ';' || prev.t === '}' || prev.t === ':' || prev.t === '{') &&
          (after === '{' || after === ';' || after === 'const');
        if (isDecl) {
          const params = toks.slice(i + 2, end).map((x) => x.t).join(' ');
          addSig(own, tk.t, { ...arityOfParams(params), where: `${tk.file}:${tk.line}` });
          i = end;
        }
      }
    }
    // pass 2: calls and constants
    scopes.length = 0;
    scopes.push('F');
    for (let i = 0; i < toks.length; i++) {
      const tk = toks[i]!;
      if (tk.t === '{') {
        const prev = toks[i - 1]?.t;
        let kind = 'B';
        for (let k = i - 1; k >= 0 && k > i - 6; k--) {
          const p = toks[k]!.t;
          if (p === ';' || p === '}' || p === '{' || p === ')') break;
          if (p === 'class' || p === 'struct') { kind = 'C'; break; }
          if (p === 'enum') { kind = 'E'; break; }
        }
        void prev;
        scopes.push(kind);
        continue;
      }
      if (tk.t === '}') { scopes.pop(); continue; }
      if (tk.kind !== 'id') continue;
      const where = `${tk.file}:${tk.line}`;
      const scope = scopes[scopes.length - 1]!;
      // constants: ALL_CAPS_WITH_UNDERSCORE identifiers must be declared somewhere
      if (/^[A-Z][A-Z0-9]*_[A-Z0-9_]*$/.test(tk.t) && toks[i + 1]?.t !== '(') {
        constants++;
        if (!api.constants.has(tk.t) && !src.defines.has(tk.t) && !enumerators.has(tk.t) && !src.macros.has(tk.t))
          errors.push(`${where}: unknown constant or type ${tk.t}`);
        continue;
      }
      if (toks[i + 1]?.t !== '(' || KEYWORDS.has(tk.t)) continue;
      if (scope !== 'B') continue; // declarations at file/class scope were collected in pass 1
      const prev = toks[i - 1]?.t;
      if (prev === '::') continue;
      // argument count
      let depth = 0;
      let args = 0;
      let any = false;
      let k = i + 1;
      for (; k < toks.length; k++) {
        const t = toks[k]!.t;
        if (t === '(' || t === '[' || t === '{') { depth++; if (depth === 1) continue; }
        if (t === ')' || t === ']' || t === '}') { depth--; if (depth === 0) break; }
        if (depth === 1 && t === ',') args++;
        else if (depth >= 1) any = true;
      }
      const n = any ? args + 1 : 0;
      calls++;
      let sigs: Sig[] | undefined;
      let what: string;
      if (prev === '.') {
        sigs = [...(own.get(tk.t) ?? []), ...(api.methods.get(tk.t) ?? [])];
        what = `method .${tk.t}`;
      } else {
        sigs = [...(own.get(tk.t) ?? []), ...(src.macros.get(tk.t) ?? []), ...(api.functions.get(tk.t) ?? [])];
        what = `function ${tk.t}`;
      }
      if (sigs.length === 0) { errors.push(`${where}: unknown ${what}`); continue; }
      if (!sigs.some((s) => n >= s.min && n <= s.max)) {
        const want = sigs.map((s) => (s.min === s.max ? `${s.min}` : `${s.min}-${s.max === Infinity ? 'n' : s.max}`)).join(' or ');
        errors.push(`${where}: ${what} called with ${n} argument(s), declared with ${want}`);
      }
    }
  }
  return { errors: [...new Set(errors)], files: [...new Set(files)], calls, constants };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const files = process.argv.slice(2);
  const r = checkFiles(files);
  for (const e of r.errors) console.error(e);
  console.log(`checked ${r.files.length} files: ${r.calls} calls, ${r.constants} constants, ${r.errors.length} errors`);
  process.exit(r.errors.length ? 1 : 0);
}
