// Share links carry the snippet in the URL fragment, deflated and base64url-encoded, so the server never sees or
// stores it (browsers do not send the fragment). Uses the platform's CompressionStream, present in browsers and in
// Node 18+, so the page and the tests run the same code. Imports nothing.

export interface SharedSnippet {
  code: string;
  language?: string;
  target?: string;
}

/** A shared snippet never inflates past this: a crafted link cannot make the page allocate without bound. */
export const MAX_SHARED_CHARS = 1_000_000;

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream, limit: number): Promise<Uint8Array | null> {
  const writer = stream.writable.getWriter();
  void writer.write(bytes as Uint8Array<ArrayBuffer>).then(() => writer.close()).catch(() => undefined);
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        await reader.cancel();
        return null;
      }
      chunks.push(value);
    }
  } catch {
    return null;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** `c=<deflated code>&l=<language>&t=<target>`, without the leading `#`. */
export async function encodeShare(snippet: SharedSnippet): Promise<string> {
  const deflated = await pipe(new TextEncoder().encode(snippet.code), new CompressionStream('deflate-raw'), Number.MAX_SAFE_INTEGER);
  const params = new URLSearchParams();
  params.set('c', toBase64Url(deflated!));
  if (snippet.language) params.set('l', snippet.language);
  if (snippet.target) params.set('t', snippet.target);
  return params.toString();
}

/** The snippet of a fragment made by encodeShare; null when the fragment is not one or is damaged. */
export async function decodeShare(fragment: string): Promise<SharedSnippet | null> {
  const params = new URLSearchParams(fragment.startsWith('#') ? fragment.slice(1) : fragment);
  const packed = params.get('c');
  if (packed === null) return null;
  const bytes = fromBase64Url(packed);
  if (!bytes) return null;
  const inflated = await pipe(bytes, new DecompressionStream('deflate-raw'), MAX_SHARED_CHARS * 4);
  if (!inflated) return null;
  let code: string;
  try {
    code = new TextDecoder('utf-8', { fatal: true }).decode(inflated);
  } catch {
    return null;
  }
  const snippet: SharedSnippet = { code };
  const language = params.get('l');
  const target = params.get('t');
  if (language) snippet.language = language;
  if (target) snippet.target = target;
  return snippet;
}
