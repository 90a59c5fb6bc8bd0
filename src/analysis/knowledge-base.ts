// The API knowledge base: which calls read or write a database, talk to the network, sleep, pop a queue, ...
// It is data (rules/apis/<language>.yml) so that adding a library is a one-line change, and a repository extends it
// with `apis:` in its config (`send_to_bigdata` is network I/O here).
import { join } from 'node:path';
import { getEnvironmentData, isMainThread, setEnvironmentData } from 'node:worker_threads';
import type { z } from 'zod';
import type { CozeLoopConfig } from '../config/schema.js';
import { PROJECT_ROOT, readCompiled, readDataFiles } from '../core/data-files.js';
import { lazySchema, yaml } from '../core/lazy-modules.js';
import { LANGUAGES, type Language } from '../core/types.js';
import { CALL_KINDS, type ArgFact, type CallKind } from './facts.js';

export interface KnowledgeBase {
  classify(
    language: Language,
    callee: string,
    context?: { sql?: string; args?: ArgFact[] },
  ): { kinds: CallKind[]; confidence: 'high' | 'low' };
}

/** The schema of rules/apis/*.yml (built with zod on first use: the compiled copy needs no validation). */
export const apiFileSchema = lazySchema((z) => {
  const patternList = z.array(z.string().min(1));
  const kindMap = z.partialRecord(z.enum(CALL_KINDS), patternList);
  return z.strictObject({
    /** `javascript` covers javascript, typescript and tsx. */
    language: z.enum(['python', 'javascript', 'typescript', 'tsx']),
    /** Dotted-callee patterns per kind; `*` matches any characters including dots, `{a,b}` alternatives. */
    kinds: kindMap.default({}),
    /** Calls classified by the SQL text of their first string argument. */
    sql_calls: patternList.default([]),
    /** Ambiguous calls (`session.get`) that are HTTP when their arguments look like a URL request. */
    url_calls: patternList.default([]),
    /** Names that only suggest a kind (`fetch_*`, `obj.save`): classified with low confidence. */
    guesses: kindMap.default({}),
  });
});
export type ApiFile = z.infer<ReturnType<typeof apiFileSchema>>;

interface CompiledKinds {
  kind: CallKind;
  re: RegExp;
}

interface LanguageBase {
  kinds: CompiledKinds[];
  sql: RegExp[];
  url: RegExp[];
  guesses: CompiledKinds[];
}

/** Glob over a dotted callee: `*` is any run of characters (dots included), `{a,b}` alternatives; anchored. */
export function compilePattern(pattern: string, anyReceiver = false): RegExp {
  let out = '';
  let inBraces = false;
  for (const ch of pattern) {
    if (ch === '*') out += '.*';
    else if (ch === '{') {
      out += '(?:';
      inBraces = true;
    } else if (ch === '}' && inBraces) {
      out += ')';
      inBraces = false;
    } else if (ch === ',' && inBraces) out += '|';
    else out += ch.replace(/[.+?^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(anyReceiver ? `^(?:.*\\.)?${out}$` : `^${out}$`);
}

function compileKinds(map: Partial<Record<CallKind, string[]>>, anyReceiver = false): CompiledKinds[] {
  const out: CompiledKinds[] = [];
  for (const kind of CALL_KINDS) for (const p of map[kind] ?? []) out.push({ kind, re: compilePattern(p, anyReceiver) });
  return out;
}

function familyOf(language: Language): Language[] {
  return language === 'python' ? ['python'] : ['javascript', 'typescript', 'tsx'];
}

let builtIn: Map<Language, LanguageBase> | undefined;

/**
 * Worker threads inherit the main thread's compiled API files through the environment data (a structured clone:
 * maps, arrays and regular expressions), as they inherit the rule catalogue: reading and validating the YAML again
 * cost every thread about 60 ms.
 */
const INHERITED_APIS = 'coze-loop:api-files';

function inheritedApiFiles(): Map<Language, LanguageBase> | undefined {
  if (isMainThread) return undefined;
  const value = getEnvironmentData(INHERITED_APIS);
  return value instanceof Map ? (value as Map<Language, LanguageBase>) : undefined;
}

function shareApiFiles(bases: Map<Language, LanguageBase>): Map<Language, LanguageBase> {
  if (isMainThread) setEnvironmentData(INHERITED_APIS, bases);
  return bases;
}

export const API_DIR = join(PROJECT_ROOT, 'rules', 'apis');
/** dist/api-files.json: the validated API files, written by `npm run build` (see core/data-files.ts). */
export const COMPILED_APIS = 'api-files';

function parseApiFile(text: string, file: string): ApiFile {
  const result = apiFileSchema().safeParse(yaml().parse(text));
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new Error(`rules/apis/${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return result.data;
}

/** Parses and validates the API files of `dir`, ignoring any compiled copy; with the hash of what was read. */
export function compileApiFiles(dir = API_DIR): { hash: string; data: ApiFile[] } {
  const { files, texts, hash } = readDataFiles(dir);
  return { hash, data: files.map((f, i) => parseApiFile(texts[i]!, f)) };
}

/** Reads and validates rules/apis/*.yml; an invalid file is an error naming the file and the key. */
export function loadApiFiles(dir = API_DIR): Map<Language, LanguageBase> {
  const bases = new Map<Language, LanguageBase>();
  for (const language of LANGUAGES) bases.set(language, { kinds: [], sql: [], url: [], guesses: [] });
  const { files, texts, hash } = readDataFiles(dir);
  const compiled = dir === API_DIR ? readCompiled<ApiFile[]>(COMPILED_APIS, hash) : undefined;
  for (const data of compiled ?? files.map((f, i) => parseApiFile(texts[i]!, f))) {
    for (const language of familyOf(data.language)) {
      const base = bases.get(language)!;
      base.kinds.push(...compileKinds(data.kinds));
      base.sql.push(...data.sql_calls.map((p) => compilePattern(p)));
      base.url.push(...data.url_calls.map((p) => compilePattern(p)));
      base.guesses.push(...compileKinds(data.guesses));
    }
  }
  return bases;
}

/** Callee as matched: call arguments and subscripts dropped (`db["x"].find(q).limit` → `db[].find().limit`). */
export function normalizeCallee(callee: string): string {
  callee = callee.replace(/^\s*await\s+/, '');
  let out = '';
  let depth = 0;
  for (const ch of callee) {
    if (ch === '(' || ch === '[') {
      if (depth === 0) out += ch;
      depth++;
    } else if (ch === ')' || ch === ']') {
      depth = Math.max(0, depth - 1);
      if (depth === 0) out += ch;
    } else if (depth === 0 && !/\s/.test(ch)) out += ch;
  }
  return out;
}

const SQL_KEYWORD = /^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*([A-Za-z]+)/;

/** Kinds implied by SQL text: SELECT → db-read, INSERT/UPDATE/DELETE/UPSERT → db-write, FOR UPDATE → lock, COMMIT. */
export function classifySql(sql: string): CallKind[] {
  const keyword = SQL_KEYWORD.exec(sql)?.[1]?.toUpperCase();
  const kinds = new Set<CallKind>();
  const upper = sql.toUpperCase();
  switch (keyword) {
    case 'SELECT':
    case 'SHOW':
    case 'VALUES':
      kinds.add('db-read');
      break;
    case 'WITH':
      kinds.add(/\b(INSERT|UPDATE|DELETE|MERGE)\b/.test(upper) ? 'db-write' : 'db-read');
      break;
    case 'INSERT':
    case 'UPDATE':
    case 'DELETE':
    case 'UPSERT':
    case 'MERGE':
    case 'REPLACE':
      kinds.add('db-write');
      break;
    case 'COMMIT':
      kinds.add('db-commit');
      break;
    case 'LOCK':
      kinds.add('lock');
      break;
    default:
      break;
  }
  if (/\bFOR\s+(?:NO\s+KEY\s+)?UPDATE\b|\bSKIP\s+LOCKED\b|\bFOR\s+SHARE\b|PG_(?:TRY_)?ADVISORY/.test(upper)) kinds.add('lock');
  if (kinds.has('db-write') && /\bRETURNING\b/.test(upper)) kinds.add('db-read');
  return [...kinds];
}

const WRITE_HINT = /insert|update|delete|upsert|merge/i;

function urlLike(args: ArgFact[] | undefined): boolean {
  if (!args || args.length === 0) return false;
  for (const arg of args) {
    if (arg.name && /^(url|params|json|data|headers|timeout|auth|allow_redirects|cookies|body|method)$/.test(arg.name)) return true;
  }
  const first = args.find((a) => a.name === undefined);
  if (!first) return false;
  if (first.string !== undefined) return /^(https?:\/\/|\/)/.test(first.string);
  return /^f["']|https?:|url|uri|endpoint|\$\{|`/i.test(first.text);
}

interface NameMatch {
  kinds: CallKind[];
  sql: boolean;
  url: boolean;
  guesses: CallKind[];
}

const NO_MATCH: NameMatch = { kinds: [], sql: false, url: false, guesses: [] };

class DataKnowledgeBase implements KnowledgeBase {
  // Pattern matching is cached per name (the same callees recur across a repository); the context-dependent part
  // (SQL text, URL-looking arguments) is cheap and computed per call.
  private readonly cache = new Map<string, NameMatch>();

  constructor(
    private readonly bases: Map<Language, LanguageBase>,
    private readonly extra: CompiledKinds[],
  ) {}

  classify(language: Language, callee: string, context?: { sql?: string; args?: ArgFact[] }): { kinds: CallKind[]; confidence: 'high' | 'low' } {
    const match = this.match(language, normalizeCallee(callee));
    if (match === NO_MATCH) return { kinds: [], confidence: 'high' };
    const kinds = new Set<CallKind>(match.kinds);
    let confidence: 'high' | 'low' = 'high';
    if (match.sql) {
      if (context?.sql !== undefined && context.sql.trim() !== '') {
        const sqlKinds = classifySql(context.sql);
        if (sqlKinds.length > 0) {
          // The SQL text is more precise than the method's default (`execute` is neither read nor write).
          kinds.delete('db-read');
          kinds.delete('db-write');
        }
        for (const k of sqlKinds) kinds.add(k);
      } else if (kinds.size === 0) {
        // No SQL text: a statement held in a variable (`cur.execute(INSERT_ORDER, row)`) is still a round trip;
        // its name says read or write. A non-SQL string or no argument at all (`job.execute()`) says nothing.
        const first = context?.args?.find((a) => a.name === undefined);
        if (first && first.string === undefined && first.number === undefined) {
          kinds.add(WRITE_HINT.test(first.text) ? 'db-write' : 'db-read');
          confidence = 'low';
        }
      }
    }
    if (kinds.size === 0 && match.url && urlLike(context?.args)) kinds.add('http');
    if (kinds.size === 0 && match.guesses.length > 0) {
      for (const k of match.guesses) kinds.add(k);
      confidence = 'low';
    }
    return { kinds: [...kinds], confidence };
  }

  private readonly combined = new Map<LanguageBase | undefined, RegExp>();

  /** One expression matching whatever any of the language's (or the config's) patterns matches. */
  private anyMatch(base: LanguageBase | undefined): RegExp {
    let re = this.combined.get(base);
    if (!re) {
      const all = [...this.extra.map((k) => k.re), ...(base ? [...base.kinds.map((k) => k.re), ...base.sql, ...base.url, ...base.guesses.map((k) => k.re)] : [])];
      re = all.length === 0 ? /(?!)/ : new RegExp(all.map((r) => `(?:${r.source})`).join('|'));
      this.combined.set(base, re);
    }
    return re;
  }

  private match(language: Language, name: string): NameMatch {
    const key = `${language}\0${name}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const base = this.bases.get(language);
    // Most callees match no pattern at all: one combined expression says so before the patterns are tried in order.
    const result = this.anyMatch(base).test(name) ? this.matchPatterns(base, name) : NO_MATCH;
    if (this.cache.size > 100_000) this.cache.clear();
    this.cache.set(key, result);
    return result;
  }

  private matchPatterns(base: LanguageBase | undefined, name: string): NameMatch {
    const kinds = new Set<CallKind>();
    for (const { kind, re } of this.extra) if (re.test(name)) kinds.add(kind);
    const guesses = new Set<CallKind>();
    let sql = false;
    let url = false;
    if (base) {
      for (const { kind, re } of base.kinds) if (re.test(name)) kinds.add(kind);
      sql = base.sql.some((re) => re.test(name));
      url = base.url.some((re) => re.test(name));
      for (const { kind, re } of base.guesses) if (re.test(name)) guesses.add(kind);
    }
    return kinds.size === 0 && !sql && !url && guesses.size === 0 ? NO_MATCH : { kinds: [...kinds], sql, url, guesses: [...guesses] };
  }

}

const kbByApis = new WeakMap<object, KnowledgeBase>();

/** The built-in knowledge base, extended by the config's `apis:` (which wins with high confidence). */
export function loadKnowledgeBase(config?: CozeLoopConfig): KnowledgeBase {
  builtIn ??= inheritedApiFiles() ?? shareApiFiles(loadApiFiles());
  const apis = config?.apis;
  if (apis && kbByApis.has(apis)) return kbByApis.get(apis)!;
  // A repository names its own helpers as it calls them: `send_to_bigdata` also matches `self.send_to_bigdata`.
  const kb = new DataKnowledgeBase(builtIn, compileKinds(apis ?? {}, true));
  if (apis) kbByApis.set(apis, kb);
  return kb;
}

/** For tests and the rule scaffold: forget the cached built-in files. */
export function resetKnowledgeBaseCache(): void {
  builtIn = undefined;
}
