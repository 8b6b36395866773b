import { Module } from '@nestjs/common';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MetricsController } from './metrics.controller';
import { installPrometheusMetrics } from './prometheus-metrics';

/** `GET /metrics`; imported only when METRICS_ENABLED is not false. */
@Module({
  providers: [{ provide: PrometheusExporter, useFactory: installPrometheusMetrics }],
  controllers: [MetricsController],
})
export class MetricsModule {}
