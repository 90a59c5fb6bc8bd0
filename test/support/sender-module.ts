// One Python module used by the GitLab, CI-review and e2e tests: a polling sender added to an existing file, with
// the SHAs of the merge request it arrives in. Lines 4-11 are added; 1-3 and 12 unchanged (old 1-3 and 4).
export const BASE_SHA = 'a9a8a7a6a5a4a3a2a1a0b9b8b7b6b5b4b3b2b1b0';
export const HEAD_SHA = 'b0b1b2b3b4b5b6b7b8b9c0c1c2c3c4c5c6c7c8c9';

export const SENDER_DIFF = [
  '@@ -1,4 +1,12 @@',
  ' import time',
  ' import requests',
  ' ',
  '+def send_invoices(db):',
  '+    while True:',
  '+        rows = db.fetchall("SELECT * FROM invoices WHERE sent = 0")',
  '+        for row in rows:',
  '+            requests.post("https://mail.example.com/send", json=row)',
  '+        time.sleep(30)',
  '+',
  '+',
  ' def main():',
  '',
].join('\n');

export const SENDER_SOURCE = [
  'import time',
  'import requests',
  '',
  'def send_invoices(db):',
  '    while True:',
  '        rows = db.fetchall("SELECT * FROM invoices WHERE sent = 0")',
  '        for row in rows:',
  '            requests.post("https://mail.example.com/send", json=row)',
  '        time.sleep(30)',
  '',
  '',
  'def main():',
  '    send_invoices(None)',
  '',
].join('\n');
