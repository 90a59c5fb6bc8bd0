// Outbox relay: reads unsent rows and publishes them to Kafka.
import type { Pool } from 'pg';
import type { Producer } from 'kafkajs';
import { delay } from './delay.js';
import { OutboxRepo, type OutboxRow } from './repo.js';

const POLL_MS = 2_000;

export class OutboxRelay {
  private running = true;
  private readonly repo: OutboxRepo;

  constructor(
    private readonly pool: Pool,
    private readonly producer: Producer,
  ) {
    this.repo = new OutboxRepo(pool);
  }

  stop(): void {
    this.running = false;
  }

  private async fetchBatch(): Promise<OutboxRow[]> {
    const { rows } = await this.pool.query<OutboxRow>(
      'SELECT id, topic, payload FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT 100',
    );
    return rows;
  }

  async start(): Promise<void> {
    while (this.running) { // expect: polling-fixed-interval
      try {
        const batch = await this.fetchBatch();
        for (const row of batch) { // expect: serial-blocking-io
          await this.producer.send({ topic: row.topic, messages: [{ value: row.payload }] });
          await this.repo.markSent(row.id);
        }
      } catch (err) {
        console.error('relay pass failed', err);
      }
      await delay(POLL_MS);
    }
  }

  async startThroughRepo(): Promise<void> {
    while (this.running) { // expect: polling-fixed-interval
      try {
        const batch = await this.repo.pending(100);
        await this.producer.send({
          topic: 'events',
          messages: batch.map((row) => ({ value: row.payload })),
        });
        await this.repo.markAllSent(batch.map((row) => row.id));
      } catch (err) {
        console.error('relay pass failed', err);
      }
      await delay(POLL_MS);
    }
  }

  async markEach(ids: number[]): Promise<void> {
    for (const id of ids) { // expect: write-per-row
      await this.repo.markSent(id);
    }
  }
}
