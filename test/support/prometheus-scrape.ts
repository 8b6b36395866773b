import { type TestApp } from './create-test-app';

/** One line of Prometheus's text format: `name{label="value",...} value`. */
export interface PrometheusSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A scrape of the host's `/metrics`, read by metric name and labels. */
export interface MetricsScrape {
  samples: PrometheusSample[];
  /** The sum of the samples of `name` whose labels include `labels` (0 when there is none). */
  value(name: string, labels?: Record<string, string>): number;
  /** How much `value(name, labels)` grew since the `earlier` scrape. */
  since(earlier: MetricsScrape, name: string, labels?: Record<string, string>): number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheus(text: string): MetricsScrape {
  const samples: PrometheusSample[] = [];
  for (const line of text.split('\n')) {
    const match = SAMPLE.exec(line);
    if (!match?.[1] || line.startsWith('#')) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) if (key) labels[key] = value ?? '';
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  const value = (name: string, wanted: Record<string, string> = {}) =>
    samples
      .filter((s) => s.name === name && Object.entries(wanted).every(([k, v]) => s.labels[k] === v))
      .reduce((sum, s) => sum + s.value, 0);
  return {
    samples,
    value,
    since: (earlier, name, labels) => value(name, labels) - earlier.value(name, labels),
  };
}

/** GET /metrics (200 expected), parsed. */
export async function scrapeMetrics(t: TestApp, token?: string): Promise<MetricsScrape> {
  const request = t.http().get('/metrics');
  const response = await (token ? request.set('Authorization', `Bearer ${token}`) : request).expect(200);
  return parsePrometheus(response.text);
}
