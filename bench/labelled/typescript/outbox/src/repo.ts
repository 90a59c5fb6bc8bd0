import type { Pool } from 'pg';

export interface OutboxRow {
  id: number;
  topic: string;
  payload: string;
}

export class OutboxRepo {
  constructor(private readonly pool: Pool) {}

  async pending(limit: number): Promise<OutboxRow[]> {
    const { rows } = await this.pool.query<OutboxRow>(
      'SELECT id, topic, payload FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT $1',
      [limit],
    );
    return rows;
  }

  async markSent(id: number): Promise<void> {
    await this.pool.query('UPDATE outbox SET sent_at = now() WHERE id = $1', [id]);
  }

  async markAllSent(ids: number[]): Promise<void> {
    await this.pool.query('UPDATE outbox SET sent_at = now() WHERE id = ANY($1)', [ids]);
  }
}
