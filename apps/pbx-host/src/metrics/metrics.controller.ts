import { Controller, Get, Headers, Inject, Logger, Res, UnauthorizedException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { type Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { HOST_CONFIG, type HostConfig } from '../config/host-config';
import { PROMETHEUS_CONTENT_TYPE, scrapePrometheus } from './prometheus-metrics';

/**
 * Prometheus's scrape target, beside the API (not under /api: scrapers expect /metrics). Open like the health
 * check unless METRICS_TOKEN is set; then only `Authorization: Bearer <METRICS_TOKEN>` gets the metrics.
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  private readonly logger = new Logger(MetricsController.name);

  constructor(
    private readonly exporter: PrometheusExporter,
    @Inject(HOST_CONFIG) private readonly config: HostConfig,
  ) {}

  @Get()
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    if (
      this.config.metricsToken !== undefined &&
      !sameSecret(authorization, `Bearer ${this.config.metricsToken}`)
    ) {
      throw new UnauthorizedException('This scrape target needs Authorization: Bearer <METRICS_TOKEN>');
    }
    const { text, errors } = await scrapePrometheus(this.exporter);
    // A failing observable callback leaves its gauge out; the rest is still worth scraping.
    if (errors.length > 0) this.logger.warn(`Metrics collection reported ${errors.length} error(s)`);
    response.status(200).type(PROMETHEUS_CONTENT_TYPE).send(text);
  }
}

/** Compares digests, so the time taken says nothing about how much of the token matched. */
function sameSecret(given: string | undefined, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return given !== undefined && timingSafeEqual(digest(given), digest(expected));
}
