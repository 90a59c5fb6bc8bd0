// A strict reader of the Prometheus text exposition format (version 0.0.4), enough to prove /metrics is valid:
// every sample belongs to a declared family, names and labels are well formed, values are numbers.
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created'];

export function parsePrometheusText(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) !== '') throw new Error('exposition must end with a newline');
  lines.forEach((line, index) => {
    const where = `line ${index + 1}: ${line}`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const [, keyword, name, ...rest] = line.split(' ');
      if (keyword === 'TYPE') {
        if (!name || !NAME.test(name) || !TYPES.has(rest[0] ?? '')) throw new Error(`bad TYPE ${where}`);
        if (types.has(name)) throw new Error(`duplicate TYPE ${where}`);
        types.set(name, rest[0]!);
      } else if (keyword === 'HELP' && (!name || !NAME.test(name))) throw new Error(`bad HELP ${where}`);
      return;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`bad sample ${where}`);
    const [, name, , labelText, valueText] = match;
    const labels: Record<string, string> = {};
    if (labelText) {
      LABEL.lastIndex = 0;
      while (LABEL.lastIndex < labelText.length) {
        const label = LABEL.exec(labelText);
        if (!label) throw new Error(`bad labels ${where}`);
        labels[label[1]!] = label[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      }
    }
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    if (Number.isNaN(value) && valueText !== 'NaN') throw new Error(`bad value ${where}`);
    const family = types.has(name!) ? name! : SUFFIXES.map((suffix) => (name!.endsWith(suffix) ? name!.slice(0, -suffix.length) : '')).find((base) => base && types.has(base));
    if (!family) throw new Error(`sample without a TYPE ${where}`);
    samples.push({ name: name!, labels, value });
  });
  return { types, samples };
}

export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))?.value;
}
