// Test doubles for the service side: a queue that records what the handler enqueued, and a silent logger.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EnqueueOutcome, JobData, JobProcessor, JobQueue, JobType } from '../../../src/jobs/queue.js';
import type { Logger } from '../../../src/core/observability.js';

export class RecordingQueue implements JobQueue {
  readonly kind = 'memory' as const;
  readonly jobs: JobData[] = [];
  private readonly seen = new Set<string>();
  nextOutcome?: EnqueueOutcome;

  async enqueue(job: JobData): Promise<EnqueueOutcome> {
    if (this.nextOutcome) {
      const outcome = this.nextOutcome;
      this.nextOutcome = undefined;
      return outcome;
    }
    if (this.seen.has(job.id)) return 'duplicate';
    this.seen.add(job.id);
    this.jobs.push(job);
    return 'enqueued';
  }
  async start(_processors: Partial<Record<JobType, JobProcessor>>): Promise<void> {}
  async depth(): Promise<number> {
    return this.jobs.length;
  }
  async ready(): Promise<boolean> {
    return true;
  }
  async close(): Promise<{ abandoned: number }> {
    return { abandoned: 0 };
  }
}

export interface LogLine {
  level: string;
  obj: unknown;
  msg?: string;
}

export function recordingLogger(lines: LogLine[] = []): Logger & { lines: LogLine[] } {
  const make = (): Logger & { lines: LogLine[] } => ({
    lines,
    info: (obj, msg) => void lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => void lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => void lines.push({ level: 'error', obj, msg }),
    debug: (obj, msg) => void lines.push({ level: 'debug', obj, msg }),
    child: () => make(),
  });
  return make();
}

/** Serves one request handler on 127.0.0.1; anything it does not take gets a 404. */
export async function serve(handle: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => Promise<boolean>): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    handle(req, res)
      .then((taken) => {
        if (!taken) {
          res.writeHead(404);
          res.end();
        }
      })
      .catch(() => {
        res.writeHead(500);
        res.end();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
