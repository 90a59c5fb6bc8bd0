// The embedded queue unless REDIS_URL asks for scale-out.
import type { JobQueue } from './queue.js';
import { createMemoryQueue } from './memory-queue.js';
import { createBullMqQueue, type BullMqSettings } from './bullmq-queue.js';
import type { QueueSettings } from './options.js';

export type CreateQueueSettings = QueueSettings & Partial<Omit<BullMqSettings, keyof QueueSettings>>;

export function createQueue(settings: CreateQueueSettings): JobQueue {
  if (settings.redisUrl) return createBullMqQueue({ ...settings, redisUrl: settings.redisUrl });
  return createMemoryQueue(settings);
}
