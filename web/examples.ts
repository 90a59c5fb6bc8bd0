// Example loops the page can load: each one shows a different family of findings.
import type { PlaygroundLanguage } from '../src/playground/detect-language.js';

export interface Example {
  id: string;
  language: PlaygroundLanguage;
  code: string;
}

export const EXAMPLES: Example[] = [
  {
    id: 'poller',
    language: 'python',
    code: `import time

import psycopg2
import requests

REMINDER_URL = "https://mail.internal/api/send"


def send_reminders():
    conn = psycopg2.connect("dbname=billing")
    while True:
        cur = conn.cursor()
        cur.execute("SELECT id, email FROM invoices WHERE reminded = false")
        for invoice_id, email in cur.fetchall():
            requests.post(REMINDER_URL, json={"to": email, "invoice": invoice_id}, timeout=10)
            cur.execute("UPDATE invoices SET reminded = true WHERE id = %s", (invoice_id,))
            conn.commit()
        time.sleep(15)
`,
  },
  {
    id: 'n-plus-one',
    language: 'typescript',
    code: `import { Pool } from 'pg';

const pool = new Pool();

export async function invoiceTotals(accountIds: string[]): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  for (const accountId of accountIds) {
    const { rows } = await pool.query('SELECT sum(amount) AS total FROM invoices WHERE account_id = $1', [accountId]);
    totals.set(accountId, Number(rows[0]?.total ?? 0));
  }
  return totals;
}
`,
  },
  {
    id: 'retry',
    language: 'javascript',
    code: `async function pushWebhook(url, payload) {
  let attempt = 0;
  while (attempt < 5) {
    try {
      const res = await fetch(url, { method: 'POST', body: JSON.stringify(payload) });
      if (res.ok) return true;
    } catch (err) {
      console.warn('webhook failed', err);
    }
    attempt++;
  }
  return false;
}
`,
  },
];
