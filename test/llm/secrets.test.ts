// Secrets in the code under review never reach the model: one case per provider format, the assignment and pair
// forms, linear time on hostile text, and the exact request a fake OpenAI-compatible server on 127.0.0.1 receives.
import { describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { analyzeSource } from '../../src/analysis/engine.js';
import { configSchema, DEFAULT_CONFIG } from '../../src/config/schema.js';
import { createOpenAiClient } from '../../src/llm/llm-client.js';
import { createRefineDeps, refineFinding } from '../../src/llm/refine.js';
import { entropy, looksRandom, REDACTED, redactSecrets } from '../../src/llm/secrets.js';
import type { Logger } from '../../src/core/observability.js';
import { bestTime } from '../../bench/hostile-cases.js';

// Fake credentials in each provider's published shape (built by concatenation so no scanner mistakes this file
// for a leak; none of them is or was ever valid).
const body = (alphabet: string, length: number) => Array.from({ length }, (_, i) => alphabet[(i * 7 + 3) % alphabet.length]).join('');
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

const PROVIDER_TOKENS: Record<string, string> = {
  'AWS access key id': 'AKIA' + body(UPPER, 16),
  'AWS temporary key id': 'ASIA' + body(UPPER, 16),
  'GitHub personal token': 'ghp_' + body(ALNUM, 36),
  'GitHub OAuth token': 'gho_' + body(ALNUM, 36),
  'GitHub app token': 'ghs_' + body(ALNUM, 36),
  'GitHub fine-grained PAT': 'github_pat_' + body(ALNUM, 22) + '_' + body(ALNUM, 59),
  'GitLab PAT': 'glpat-' + body(ALNUM, 20),
  'Slack bot token': 'xoxb-' + '1234567890-1234567890123-' + body(ALNUM, 24),
  'Slack user token': 'xoxp-' + '1234567890-1234567890-' + body(ALNUM, 32),
  'Stripe live secret key': 'sk_live_' + body(ALNUM, 24),
  'Stripe restricted key': 'rk_live_' + body(ALNUM, 24),
  'Google API key': 'AIza' + body(ALNUM + '_-', 35),
  'OpenAI key': 'sk-' + body(ALNUM, 48),
  'OpenAI project key': 'sk-proj-' + body(ALNUM + '_-', 64),
  'npm token': 'npm_' + body(ALNUM, 36),
  'Hugging Face token': 'hf_' + body(ALNUM, 34),
  'SendGrid key': 'SG.' + body(ALNUM, 22) + '.' + body(ALNUM, 43),
  JWT: 'eyJhbGciOiJIUzI1NiJ9' + '.' + 'eyJzdWIiOiIxMjM0NTY3ODkwIn0' + '.' + body(ALNUM + '_-', 43),
};

describe('redactSecrets: provider formats', () => {
  for (const [name, token] of Object.entries(PROVIDER_TOKENS)) {
    it(`masks a ${name}`, () => {
      // In a call argument, where no assignment name gives it away.
      const masked = redactSecrets(`client = Client(${JSON.stringify(token)}, timeout=3)\nconfig.${token}\n`);
      expect(masked).not.toContain(token);
      expect(masked).toContain(REDACTED);
      expect(masked).toContain('client = Client(');
    });
  }

  it('masks a PEM private key block, and one whose END line is missing', () => {
    const pem = ['-----BEGIN OPENSSH PRIVATE KEY-----', 'b3BlbnNzaC1rZXktdjEAAAAA', 'QyNTUxOQAAACD', '-----END OPENSSH PRIVATE KEY-----'].join('\n');
    const masked = redactSecrets(`KEY = """${pem}"""\nnext_line()`);
    expect(masked).not.toContain('b3BlbnNzaC1rZXktdjEAAAAA');
    expect(masked).toContain('next_line()');
    expect(redactSecrets('x = "-----BEGIN RSA PRIVATE KEY-----\\nMIIEow"')).not.toContain('MIIEow');
    expect(redactSecrets('-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----')).toContain('MIIC');
  });

  it('masks Authorization header values: Bearer, Basic and Token', () => {
    const bearer = 'Bearer ' + body(ALNUM, 40);
    const masked = redactSecrets(`headers = {"Authorization": "${bearer}"}\nrequests.get(url, headers={"Authorization": f"Basic dXNlcjpwYXNzd29yZA=="})\nh.set('Authorization', 'Token 9f8e7d6c5b4a39281706')`);
    expect(masked).not.toContain(bearer.slice(7));
    expect(masked).not.toContain('dXNlcjpwYXNzd29yZA==');
    expect(masked).not.toContain('9f8e7d6c5b4a39281706');
    expect(masked).toContain('"Authorization": "Bearer ');
    // Prose keeps its words.
    expect(redactSecrets('raise AuthError("Token expired")')).toBe('raise AuthError("Token expired")');
  });

  it('masks passwords in URLs and in (user, password) pairs', () => {
    const masked = redactSecrets(
      [
        'DSN = "postgres://app:s3cret-pw@db:5432/shop"',
        'requests.get(url, auth=("svc-user", "Tr0ub4dor&3"))',
        'session.auth = HTTPBasicAuth("admin", "correct horse battery")',
        'aiohttp.BasicAuth(login="bot", password="pa55word!")',
      ].join('\n'),
    );
    for (const secret of ['s3cret-pw', 'Tr0ub4dor&3', 'correct horse battery', 'pa55word!']) expect(masked).not.toContain(secret);
    expect(masked).toContain('postgres://app:');
    expect(masked).toContain('"svc-user"');
  });

  it('masks random-looking values assigned to key/token/secret names, and any password literal', () => {
    const masked = redactSecrets(
      [
        'AWS_SECRET_ACCESS_KEY = "' + body(ALNUM + '+/', 40) + '"',
        'const apiKey = \'' + body('0123456789abcdef', 32) + '\';',
        '{"client_secret": "' + body(ALNUM, 24) + '"}',
        'db_password = "hunter22"',
        'SESSION_SECRET: ' + body(ALNUM, 32),
      ].join('\n'),
    );
    expect(masked.split(REDACTED)).toHaveLength(6);
    // Names, placeholders and words stay: the model still needs to read the code.
    const kept = ['tokens = tokenize(text)', 'api_key = os.environ["API_KEY"]', 'token_type = "bearer"', 'key = "user_id"', 'monkey = "banana"'].join('\n');
    expect(redactSecrets(kept)).toBe(kept);
  });

  it('measures entropy', () => {
    expect(entropy('aaaa')).toBe(0);
    expect(entropy('abcd')).toBe(2);
    expect(looksRandom('user_id')).toBe(false);
    expect(looksRandom('9f8e7d6c5b4a3928')).toBe(true);
  });
});

describe('redactSecrets: time linear in the text', () => {
  const hostile: Record<string, (n: number) => string> = {
    'dotted runs': (n) => 'a.'.repeat(n / 2),
    'JWT starts': (n) => 'eyJ'.repeat(n / 3),
    'URL schemes': (n) => 'x://u:'.repeat(n / 6),
    'PEM headers': (n) => '-----BEGIN '.repeat(n / 11),
    'password names': (n) => 'password='.repeat(n / 9),
    'auth pairs': (n) => 'auth=("a", '.repeat(n / 11),
    'Bearer words': (n) => 'Bearer '.repeat(n / 7),
    'long token': (n) => 'sk-'.padEnd(n, 'a-'),
  };
  /** Best of three, in ms of CPU time: one slow run on a shared machine is noise, not growth. */
  const time = (text: string, runs = 3) => bestTime(() => redactSecrets(text), runs);
  for (const [name, make] of Object.entries(hostile)) {
    it(`${name}: 16x the input costs about 16x the time, not 256x`, () => {
      const ratio = () => {
        time(make(25_000)); // warm up
        const small = Math.max(time(make(50_000)), 1);
        return time(make(800_000), 2) / small;
      };
      // Wide margins on both sides: a shared machine makes single runs noisy, and a quadratic scan would be 256x.
      // A quadratic scan is that slow on every attempt; a busy neighbour spoils one: up to three attempts.
      const ratios = [ratio()];
      while (ratios.length < 3 && ratios[ratios.length - 1]! >= 64) ratios.push(ratio());
      expect(Math.min(...ratios)).toBeLessThan(64);
    });
  }
});

describe('the prompt sent to an OpenAI-compatible server', () => {
  it('contains none of the secrets in the code under review', async () => {
    const secrets = [...Object.values(PROVIDER_TOKENS), 's3cret-pw', 'Tr0ub4dor&3', 'hunter22'];
    const source = [
      'import requests',
      ...Object.values(PROVIDER_TOKENS).map((token, i) => `CRED_${i} = ${JSON.stringify(token)}`),
      'DSN = "postgres://app:s3cret-pw@db:5432/shop"',
      'db_password = "hunter22"',
      '',
      'def show(items):',
      '    for i in range(len(items)):',
      '        requests.get("https://api.example.com", auth=("svc", "Tr0ub4dor&3"))',
      '        print(items[i], "' + PROVIDER_TOKENS['Stripe live secret key'] + '")',
      '',
    ].join('\n');
    const finding = analyzeSource({ path: 'app/show.py', content: source }, DEFAULT_CONFIG).findings.find((f) => f.ruleId === 'index-loop');
    expect(finding).toBeDefined();

    const received: string[] = [];
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      req.on('end', () => {
        received.push(text);
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'fake', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'not json' } }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const silent: Logger = { info() {}, warn() {}, error() {}, debug() {}, child: () => silent };
      const client = createOpenAiClient({ apiKey: 'fake-key', baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, model: 'fake', timeoutMs: 5_000 });
      const config = configSchema().parse({ llm: { enabled: true } });
      await refineFinding({ repo: 'acme/api', headSha: 'h1', finding: finding!, source, config, locale: 'en' }, createRefineDeps(client, silent, () => new Date('2026-11-27T10:00:00Z'), 5_000));
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(received.length).toBeGreaterThan(0);
    const sent = received.join('\n');
    expect(sent).toContain('for i in range(len(items))');
    for (const secret of secrets) expect([secret, sent.includes(JSON.stringify(secret).slice(1, -1))]).toEqual([secret, false]);
  });
});
