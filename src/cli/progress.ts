// A one-line progress counter on stderr, only when stderr is a terminal: logs and CI output stay clean.
import { t } from '../core/i18n.js';
import type { Locale } from '../core/types.js';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface Progress {
  update(done: number, total: number): void;
  finish(): void;
}

const SILENT: Progress = { update() {}, finish() {} };

export function createProgress(stream: ProgressStream, enabled: boolean, locale: Locale, now: () => number = Date.now): Progress {
  if (!enabled || !stream.isTTY) return SILENT;
  let last = 0;
  let shown = false;
  return {
    update(done, total) {
      const time = now();
      // Redrawing more often than ~12 times a second only costs time on large trees.
      if (done < total && time - last < 80) return;
      last = time;
      const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
      stream.write(`\r\u001b[2K${t(locale, 'cli.progress', { done, total, percent })}`);
      shown = true;
    },
    finish() {
      if (shown) stream.write('\r\u001b[2K');
      shown = false;
    },
  };
}
