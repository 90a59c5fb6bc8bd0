// Cron sync against a partner API, plus a claim loop.
import type { Pool } from 'pg';

const PARTNER = 'https://partner.example.com/api';

export async function syncPartners(pool: Pool, partnerIds: string[]): Promise<void> {
  for (const partnerId of partnerIds) { // expect: serial-blocking-io
    const res = await fetch(`${PARTNER}/partners/${partnerId}`);
    const body = (await res.json()) as { name: string };
    await pool.query('UPDATE partners SET name = $2 WHERE id = $1', [partnerId, body.name]);
  }
}

export async function claimJobs(pool: Pool): Promise<void> {
  const { rows } = await pool.query("SELECT id, payload FROM jobs WHERE status = 'pending' LIMIT 10");
  for (const row of rows) { // expect: check-then-act-race; allow: write-per-row
    await pool.query("UPDATE jobs SET status = 'running' WHERE id = $1", [row.id]);
    console.log(row.payload);
  }
}

export async function claimJobsAtomically(pool: Pool): Promise<void> {
  const { rows } = await pool.query(
    "UPDATE jobs SET status = 'running' WHERE id IN (SELECT id FROM jobs WHERE status = 'pending' LIMIT 10 FOR UPDATE SKIP LOCKED) RETURNING id, payload",
  );
  for (const row of rows) { // expect: none
    console.log(row.payload);
  }
}

export function pollPartnerStatus(pool: Pool): NodeJS.Timeout {
  return setInterval(async () => { // expect: polling-fixed-interval, magic-interval
    try {
      const res = await fetch(`${PARTNER}/status`);
      const status = (await res.json()) as { changed: string[] };
      await pool.query('UPDATE partners SET dirty = true WHERE id = ANY($1)', [status.changed]);
    } catch (err) {
      console.error(err);
    }
  }, 30_000);
}
