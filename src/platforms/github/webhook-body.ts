// Reads a GitHub webhook body as an anonymous sender controls it: the size is checked from Content-Length before a
// byte is read, only a few unverified bodies are held at once, the HMAC is computed over the chunks as they arrive,
// a body without the signature header is never read, and a body whose signature fails is dropped.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** GitHub caps webhook payloads at 25 MB. */
export const GITHUB_MAX_PAYLOAD_BYTES = 25 * 1024 * 1024;
/** Bodies read at once before their signature is known: memory stays under this times the byte cap. */
export const DEFAULT_MAX_PENDING_BODIES = 8;

const SIGNATURE = /^sha256=[0-9a-f]{64}$/;

export type SignedBody =
  | { ok: true; body: Buffer }
  | { ok: false; status: 401 | 413 | 503; error: string; headers?: Record<string, string>; /** the sender is still sending */ unread: boolean };

/** Counts bodies being read whose signature is not yet checked. */
export class PendingBodies {
  private active = 0;
  constructor(readonly limit: number) {}

  tryAcquire(): boolean {
    if (this.active >= this.limit) return false;
    this.active += 1;
    return true;
  }

  release(): void {
    this.active = Math.max(0, this.active - 1);
  }

  get size(): number {
    return this.active;
  }
}

function matches(secret: string, digest: Buffer, signature: string): boolean {
  const expected = Buffer.from(`sha256=${digest.toString('hex')}`);
  const given = Buffer.from(signature);
  return !!secret && expected.length === given.length && timingSafeEqual(expected, given);
}

export interface SignedBodyOptions {
  secret: string;
  signature: string | undefined;
  maxBytes: number;
  pending: PendingBodies;
}

export async function readSignedBody(req: IncomingMessage, options: SignedBodyOptions): Promise<SignedBody> {
  const { secret, signature, maxBytes, pending } = options;
  if (!signature || !SIGNATURE.test(signature)) return { ok: false, status: 401, error: 'signature does not match', unread: true };
  // A body some middleware already read (Probot's own server, a test harness): verify it as it is.
  if (Buffer.isBuffer(req.rawBody)) {
    if (req.rawBody.length > maxBytes) return { ok: false, status: 413, error: 'payload too large', unread: false };
    const digest = createHmac('sha256', secret).update(req.rawBody).digest();
    return matches(secret, digest, signature) ? { ok: true, body: req.rawBody } : { ok: false, status: 401, error: 'signature does not match', unread: false };
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && !(Number(declared) <= maxBytes)) return { ok: false, status: 413, error: 'payload too large', unread: true };
  if (!pending.tryAcquire()) {
    return { ok: false, status: 503, error: 'too many webhook bodies in flight', headers: { 'retry-after': '10' }, unread: true };
  }
  try {
    const hmac = createHmac('sha256', secret);
    let chunks: Buffer[] = [];
    let size = 0;
    const overflow = await new Promise<boolean>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          // Chunked bodies have no Content-Length: stop at the cap and hold nothing.
          chunks = [];
          req.off('data', onData);
          req.pause();
          resolve(true);
          return;
        }
        hmac.update(chunk);
        chunks.push(chunk);
      };
      req.on('data', onData);
      req.once('end', () => resolve(false));
      req.once('error', reject);
      req.once('close', () => resolve(size > maxBytes));
    });
    if (overflow) return { ok: false, status: 413, error: 'payload too large', unread: true };
    if (!matches(secret, hmac.digest(), signature)) return { ok: false, status: 401, error: 'signature does not match', unread: false };
    return { ok: true, body: Buffer.concat(chunks, size) };
  } finally {
    pending.release();
  }
}
