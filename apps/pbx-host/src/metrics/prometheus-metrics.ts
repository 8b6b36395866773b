import { metrics } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

/** What Prometheus scrapes: the text exposition format, version 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

let installed: PrometheusExporter | undefined;

/**
 * Registers the process's OpenTelemetry meter provider, read by a Prometheus exporter that starts no server of
 * its own (`GET /metrics` of the host answers instead). The Microsoft 365 module records through the global API and
 * installs nothing itself. Idempotent: every app of the process (tests boot several) shares the one provider.
 */
export function installPrometheusMetrics(): PrometheusExporter {
  if (installed) return installed;
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  if (!metrics.setGlobalMeterProvider(provider)) {
    throw new Error('Another OpenTelemetry meter provider is registered already: set METRICS_ENABLED=false');
  }
  installed = exporter;
  return exporter;
}

/** The metrics collected now, in Prometheus's text format. */
export async function scrapePrometheus(
  exporter: PrometheusExporter,
): Promise<{ text: string; errors: unknown[] }> {
  const { resourceMetrics, errors } = await exporter.collect();
  return { text: new PrometheusSerializer().serialize(resourceMetrics), errors };
}
