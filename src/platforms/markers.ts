// The hidden fingerprint marker at the end of every finding comment, which lets a later run recognise its own
// comments (unchanged: leave it; gone from the code: mark it fixed). Comments quote code from the pull request, so
// the marker is only believed when the comment is the bot's own (the platforms check the author), when it is the
// LAST thing in the body (quoted code always comes before it), and, with a key, when it carries an HMAC of the
// repository and fingerprint. The key comes from a secret the service already has (COZE_LOOP_MARKER_SECRET, else
// the webhook secret); see docs/security.md.
import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = '<!-- coze-loop:fp:';
const SUFFIX = ' -->';
const FINGERPRINT = /^[a-z0-9]{1,64}$/;
const MAC = /^[0-9a-f]{32}$/;

export class FingerprintMarkers {
  private readonly key?: Buffer;

  /** Without a secret, markers are unsigned and trusted only for their position and author. */
  constructor(secret?: string) {
    if (secret) this.key = createHmac('sha256', secret).update('coze-loop fingerprint marker v1').digest();
  }

  get signed(): boolean {
    return this.key !== undefined;
  }

  private mac(repo: string, fingerprint: string): string {
    return createHmac('sha256', this.key!).update(`${repo}\n${fingerprint}`).digest('hex').slice(0, 32);
  }

  /** The marker to end a comment with. */
  write(repo: string, fingerprint: string): string {
    return this.key ? `${PREFIX}${fingerprint}:${this.mac(repo, fingerprint)}${SUFFIX}` : `${PREFIX}${fingerprint}${SUFFIX}`;
  }

  /** The fingerprint of a comment body that ends with a valid marker, else undefined. */
  read(repo: string, body: string): string | undefined {
    const text = body.trimEnd();
    if (!text.endsWith(SUFFIX)) return undefined;
    const start = text.lastIndexOf(PREFIX);
    if (start === -1) return undefined;
    const inner = text.slice(start + PREFIX.length, text.length - SUFFIX.length);
    const [fingerprint = '', mac, ...rest] = inner.split(':');
    if (rest.length > 0 || !FINGERPRINT.test(fingerprint)) return undefined;
    if (!this.key) return mac === undefined ? fingerprint : undefined;
    if (mac === undefined || !MAC.test(mac)) return undefined;
    const expected = Buffer.from(this.mac(repo, fingerprint));
    return timingSafeEqual(expected, Buffer.from(mac)) ? fingerprint : undefined;
  }
}

export const UNSIGNED_MARKERS = new FingerprintMarkers();
