// Masks credentials in text before it is sent to a model. Two layers:
//  - provider formats: tokens whose shape names their issuer (AWS, GitHub, GitLab, Slack, Stripe, Google, OpenAI,
//    npm, PyPI, Hugging Face, SendGrid, Twilio), JWTs, PEM private keys, `Authorization: Bearer|Basic|Token ...`
//    values and passwords in URLs (`scheme://user:password@host`);
//  - assignments: a value given to a name that says key, token, secret, password, credential or auth is masked
//    when it is a password, or when it looks random (length and Shannon entropy); `auth=("user", "pw")` and
//    `HTTPBasicAuth("user", "pw")` tuples have their second string masked.
// The table is written from the providers' published token formats. Every scan is linear in the text: candidate
// tokens are found by single-class runs (which never backtrack), rules are tested anchored at a token's start, and
// the structured cases (PEM blocks, URLs, assignments) are parsed with indexOf and bounded look-aheads.

export const REDACTED = '<redacted-by-coze-loop>';

export interface SecretRule {
  id: string;
  /** Tested sticky at the start of a token (or of a dot-separated tail); a match masks the rest of the token. */
  prefix: RegExp;
}

/** Provider token formats (prefix, then at least the documented body length). */
export const SECRET_RULES: readonly SecretRule[] = [
  { id: 'aws-access-key-id', prefix: /(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA)[0-9A-Z]{16}/y },
  { id: 'github-token', prefix: /gh[pousr]_[A-Za-z0-9]{36}/y },
  { id: 'github-fine-grained-pat', prefix: /github_pat_[A-Za-z0-9_]{22}/y },
  { id: 'gitlab-token', prefix: /(?:glpat|gldt|glrt|glptt|glsoat|glcbt|glft|glimt|glagent)-[A-Za-z0-9_-]{20}/y },
  { id: 'slack-token', prefix: /xox[abposre]-[A-Za-z0-9-]{10}/y },
  { id: 'slack-app-token', prefix: /xapp-\d-[A-Za-z0-9-]{10}/y },
  { id: 'stripe-key', prefix: /(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16}/y },
  { id: 'stripe-webhook-secret', prefix: /whsec_[A-Za-z0-9]{24}/y },
  { id: 'google-api-key', prefix: /AIza[0-9A-Za-z_-]{35}/y },
  { id: 'google-oauth-access-token', prefix: /ya29\.[0-9A-Za-z_-]{20}/y },
  { id: 'google-oauth-client-secret', prefix: /GOCSPX-[A-Za-z0-9_-]{20}/y },
  { id: 'openai-key', prefix: /sk-(?:proj-|svcacct-|admin-|ant-)?[A-Za-z0-9_-]{20}/y },
  { id: 'npm-token', prefix: /npm_[A-Za-z0-9]{36}/y },
  { id: 'pypi-token', prefix: /pypi-AgE[A-Za-z0-9_-]{50}/y },
  { id: 'huggingface-token', prefix: /hf_[A-Za-z0-9]{30}/y },
  { id: 'sendgrid-key', prefix: /SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}/y },
  { id: 'twilio-api-key', prefix: /SK[0-9a-fA-F]{32}/y },
  // Lookahead + backreference makes each run atomic: a long run without the dot is scanned once, not backtracked.
  { id: 'jwt', prefix: /eyJ(?=([A-Za-z0-9_-]{8,}))\1\.eyJ(?=([A-Za-z0-9_-]{8,}))\2\.[A-Za-z0-9_-]{8}/y },
];

/** Characters of a candidate token: what provider tokens and JWTs are made of. */
const TOKEN_RUN = /[A-Za-z0-9_.-]+/g;

function maskTokens(text: string): string {
  return text.replace(TOKEN_RUN, (token) => {
    if (token.length < 12) return token;
    // A token may be glued to a name by dots (`config.sk_live_...`): try each dot-separated tail too.
    let start = 0;
    while (start < token.length) {
      const at = start;
      const hit = SECRET_RULES.some((rule) => {
        rule.prefix.lastIndex = at;
        return rule.prefix.test(token);
      });
      if (hit) return `${token.slice(0, start)}${REDACTED}`;
      const dot = token.indexOf('.', start);
      if (dot === -1) break;
      start = dot + 1;
    }
    return token;
  });
}

/** `-----BEGIN ... PRIVATE KEY-----` to its END line (or to the end of the text when the END is missing). */
function maskPemBlocks(text: string): string {
  let out = '';
  let from = 0;
  for (;;) {
    const begin = text.indexOf('-----BEGIN ', from);
    if (begin === -1) break;
    const headerEnd = text.indexOf('-----', begin + 11);
    const header = headerEnd === -1 ? '' : text.slice(begin + 11, headerEnd);
    if (headerEnd === -1 || header.length > 40 || !header.endsWith('PRIVATE KEY')) {
      out += text.slice(from, begin + 11);
      from = begin + 11;
      continue;
    }
    const end = text.indexOf('-----END ', headerEnd + 5);
    const endLine = end === -1 ? -1 : text.indexOf('-----', end + 9);
    out += text.slice(from, begin) + REDACTED;
    if (endLine === -1) return out;
    from = endLine + 5;
  }
  return out + text.slice(from);
}

const USER_CHAR = /[^/\s:@]/;
const PASSWORD_CHAR = /[^@\s/]/;

/** `scheme://user:password@host`: the password goes, the rest stays readable. */
function maskUrlPasswords(text: string): string {
  let out = '';
  let from = 0;
  let at = text.indexOf('://');
  while (at !== -1) {
    let i = at + 3;
    const userEnd = Math.min(text.length, i + 128);
    while (i < userEnd && USER_CHAR.test(text[i]!)) i += 1;
    if (text[i] === ':' && i > at + 3) {
      const passwordStart = i + 1;
      let j = passwordStart;
      const passwordEnd = Math.min(text.length, j + 256);
      while (j < passwordEnd && PASSWORD_CHAR.test(text[j]!)) j += 1;
      if (text[j] === '@' && j > passwordStart) {
        out += text.slice(from, passwordStart) + REDACTED;
        from = j;
      }
    }
    at = text.indexOf('://', Math.max(at + 3, from));
  }
  return out + text.slice(from);
}

/** `Authorization: Bearer <token>`, `Basic <base64>`, `Token <token>`: the credential after the scheme word. */
const AUTH_SCHEME = /\b(Bearer|Basic|Token)([ \t]+)([A-Za-z0-9._~+/-]{8,}=*)/gi;

function maskAuthSchemes(text: string): string {
  return text.replace(AUTH_SCHEME, (whole, scheme: string, space: string, value: string) => {
    // Prose ("Token expired", "Basic auth") is left alone: a credential has a digit or is long.
    if (!/\d/.test(value) && value.length < 20) return whole;
    return `${scheme}${space}${REDACTED}`;
  });
}

/** Shannon entropy in bits per character. */
export function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** A value that could be a key rather than a word, a path or a placeholder. */
export function looksRandom(value: string): boolean {
  if (value.length < 8 || value.includes(' ')) return false;
  const e = entropy(value);
  if (value.length >= 20 && e >= 3.5) return true;
  return e >= 3 && /[0-9]/.test(value) && /[A-Za-z]/.test(value);
}

const PASSWORD_NAME = /passw(?:or)?d|passphrase|pwd|^pass$/i;
const VALUE_END = /[\s,;)}\]]/;
const BARE_VALUE = /[A-Za-z0-9_+/.~-]/;
const SECRET_NAME = /key|token|secret|credential|auth|pass|pwd|private|signature|salt|cookie|session/i;
const IDENTIFIER = /[A-Za-z_$][A-Za-z0-9_$.-]*/g;
const QUOTES = new Set(['"', "'", '`']);
/** How far an assigned value is read: keeps the look-ahead per name bounded. */
const MAX_VALUE = 512;

function readQuoted(text: string, at: number): { value: string; end: number } | undefined {
  const quote = text[at]!;
  const limit = Math.min(text.length, at + 1 + MAX_VALUE);
  for (let i = at + 1; i < limit; i++) {
    if (text[i] === '\n') return undefined;
    if (text[i] === '\\') i += 1;
    else if (text[i] === quote) return { value: text.slice(at + 1, i), end: i };
  }
  return undefined;
}

function skipSpaces(text: string, i: number): number {
  while (text[i] === ' ' || text[i] === '\t') i += 1;
  return i;
}

/** Masks the values assigned to secret-sounding names, and the password of `auth=("user", "pw")` pairs. */
function maskAssignments(text: string): string {
  const spans: Array<[number, number]> = [];
  IDENTIFIER.lastIndex = 0;
  for (let match = IDENTIFIER.exec(text); match; match = IDENTIFIER.exec(text)) {
    const name = match[0];
    if (name.length > 100 || !SECRET_NAME.test(name)) continue;
    let i = match.index + name.length;
    if (QUOTES.has(text[i] ?? '')) i += 1; // `"password": ...` in JSON and dicts
    i = skipSpaces(text, i);
    if (text[i] === ':' && text[i + 1] === '=') i += 2;
    else if (text[i] === '=' && text[i + 1] === '>') i += 2;
    else if (text[i] === '=' || text[i] === ':') i += 1;
    else if (text[i] !== '(') continue; // `HTTPBasicAuth("user", "pw")` has no sign before its pair
    i = skipSpaces(text, i);
    if (text[i] === '(' || text[i] === '[') {
      const userAt = skipSpaces(text, i + 1);
      const user = QUOTES.has(text[userAt] ?? '') ? readQuoted(text, userAt) : undefined;
      if (!user) continue;
      const comma = skipSpaces(text, user.end + 1);
      if (text[comma] !== ',') continue;
      const passwordAt = skipSpaces(text, comma + 1);
      const password = QUOTES.has(text[passwordAt] ?? '') ? readQuoted(text, passwordAt) : undefined;
      if (password && password.value.length > 0) spans.push([passwordAt + 1, password.end]);
      continue;
    }
    if (QUOTES.has(text[i] ?? '')) {
      const quoted = readQuoted(text, i);
      if (!quoted) continue;
      if ((PASSWORD_NAME.test(name) && quoted.value.length >= 4) || looksRandom(quoted.value)) spans.push([i + 1, quoted.end]);
      continue;
    }
    // Unquoted, the value is an expression in the languages analysed here: masked only when it is one bare token
    // that looks like a key (`os.environ["X"]` and calls are code).
    let j = i;
    const limit = Math.min(text.length, i + MAX_VALUE);
    while (j < limit && BARE_VALUE.test(text[j]!)) j += 1;
    while (text[j] === '=' && j - i < MAX_VALUE) j += 1; // base64 padding
    if ((j === text.length || VALUE_END.test(text[j]!)) && looksRandom(text.slice(i, j))) spans.push([i, j]);
  }
  if (spans.length === 0) return text;
  let out = '';
  let from = 0;
  for (const [start, end] of spans) {
    if (start < from) continue;
    out += text.slice(from, start) + REDACTED;
    from = end;
  }
  return out + text.slice(from);
}

/** Every layer, in an order where an earlier mask cannot hide a later match. Linear in the text. */
export function redactSecrets(text: string): string {
  return maskAssignments(maskAuthSchemes(maskUrlPasswords(maskTokens(maskPemBlocks(text)))));
}
