import pg from 'pg';

export const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });

export async function getPendingJobs(limit = 50) {
  const { rows } = await pool.query(
    "SELECT id, user_id, payload FROM jobs WHERE status = 'pending' ORDER BY id LIMIT $1",
    [limit],
  );
  return rows;
}

export async function loadUser(id) {
  const { rows } = await pool.query('SELECT id, email FROM users WHERE id = $1', [id]);
  return rows[0];
}

export async function loadUsers(ids) {
  const { rows } = await pool.query('SELECT id, email FROM users WHERE id = ANY($1)', [ids]);
  return new Map(rows.map((row) => [row.id, row]));
}

export async function markDone(id) {
  await pool.query("UPDATE jobs SET status = 'done', finished_at = now() WHERE id = $1", [id]);
}
