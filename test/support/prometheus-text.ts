/** One sample line: its series name, its labels and its value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A metric family as its `# HELP` and `# TYPE` lines declare it, with its samples. */
export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Sample[];
}

const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})?\\s+(\\S+)(?:\\s+-?\\d+)?$`);
const LABEL = new RegExp(`\\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\\]|\\\\.)*)"\\s*(,|$)`, 'y');

/**
 * Parses Prometheus' text exposition format (0.0.4) strictly, as a scraper would: every line a comment,
 * a `# HELP`, a `# TYPE` or a sample; every sample of a declared family (a histogram's `_bucket`,
 * `_sum` and `_count` of its own); label values unescaped. Throws naming the first line it cannot read.
 */
export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const familyOf = (name: string): Family => {
    let family = families.get(name);
    if (!family) {
      family = { name, type: 'untyped', help: '', samples: [] };
      families.set(name, family);
    }
    return family;
  };
  text.split('\n').forEach((line, index) => {
    const fail = (why: string) => new Error(`Line ${index + 1} of the metrics ${why}: ${line}`);
    if (line.trim() === '') return;
    const help = new RegExp(`^# HELP (${NAME}) (.*)$`).exec(line);
    if (help) {
      familyOf(help[1]).help = help[2];
      return;
    }
    const type = new RegExp(`^# TYPE (${NAME}) (\\S+)$`).exec(line);
    if (type) {
      if (!TYPES.has(type[2])) throw fail('has an unknown type');
      familyOf(type[1]).type = type[2];
      return;
    }
    if (line.startsWith('#')) return;
    const sample = SAMPLE.exec(line);
    if (!sample) throw fail('is no sample');
    const [, name, labelText, valueText] = sample;
    const value = numberOf(valueText);
    if (value === null) throw fail('has a value that is no number');
    const family = [name, name.replace(/_(bucket|sum|count)$/, '')].map((candidate) => families.get(candidate)).find(Boolean);
    if (!family) throw fail('has a sample of no declared family');
    family.samples.push({ name, labels: parseLabels(labelText ?? '', fail), value });
  });
  return families;
}

/** A value as Prometheus reads it (Go's ParseFloat): a decimal, or NaN and Inf in any case; null otherwise. */
function numberOf(text: string): number | null {
  if (/^nan$/i.test(text)) return NaN;
  const infinite = /^([+-]?)inf(inity)?$/i.exec(text);
  if (infinite) return infinite[1] === '-' ? -Infinity : Infinity;
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : null;
}

function parseLabels(text: string, fail: (why: string) => Error): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (!match) throw fail('has labels that cannot be read');
    labels[match[1]] = match[2].replace(/\\(.)/g, (_, escaped: string) => (escaped === 'n' ? '\n' : escaped));
    if (match[3] === '') break;
  }
  return labels;
}

/** The sum of the samples named `name` whose labels include `labels` (0 when there is none). */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const family of families.values()) {
    for (const sample of family.samples) {
      if (sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) total += sample.value;
    }
  }
  return total;
}
