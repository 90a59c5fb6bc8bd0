// Shared by the GitLab nock tests: what a test asserts on is the request as GitLab would read it, so multipart form
// bodies (gitbeaker sends a discussion with a position as multipart/form-data) are parsed into their fields.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../../src/core/i18n.js';

export const GITLAB_URL = 'https://gitlab.example.com';
export const API = `${GITLAB_URL}/api/v4`;
export const TOKEN = 'glpat-test-token-never-logged';

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}

/** Parses a request body the way GitLab does: JSON, multipart form fields, or raw text. */
export async function parseRequestBody(body: unknown, contentType: string | undefined): Promise<unknown> {
  if (body === undefined || body === '') return undefined;
  const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : JSON.stringify(body);
  if (contentType?.startsWith('multipart/form-data')) {
    const form = await new Response(text, { headers: { 'content-type': contentType } }).formData();
    const fields: Record<string, string> = {};
    for (const [key, value] of form.entries()) fields[key] = typeof value === 'string' ? value : `<file ${value.name}>`;
    return fields;
  }
  if (contentType?.includes('json')) return JSON.parse(text);
  return text;
}

export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'gitlab', name), 'utf8')) as Record<string, unknown>;
}

export { BASE_SHA, HEAD_SHA, SENDER_DIFF, SENDER_SOURCE } from '../../support/sender-module.js';
