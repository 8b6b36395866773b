import { metrics } from '@opentelemetry/api';
import { type DataPoint, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  recordFeatureHealth,
  recordGraphRequest,
  recordRunEnd,
  recordTokenAcquisition,
} from './microsoft365.metrics';

class TestReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }

  /** The data points of `name`, as attributes and value. */
  async points(name: string): Promise<{ attributes: Record<string, unknown>; value: unknown }[]> {
    const { resourceMetrics } = await this.collect();
    const metric = resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .find((candidate) => candidate.descriptor.name === name);
    return ((metric?.dataPoints ?? []) as DataPoint<unknown>[]).map((point) => ({
      attributes: point.attributes,
      value: point.value,
    }));
  }
}

describe('Microsoft 365 metrics', () => {
  let reader: TestReader;

  function registerProvider(): void {
    reader = new TestReader();
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  }

  afterEach(() => metrics.disable());

  it('records nothing without a provider, and on the provider a host registers later', async () => {
    recordTokenAcquisition('success', true);
    registerProvider();
    expect(await reader.points('microsoft365.token.acquisitions')).toEqual([]);
    recordTokenAcquisition('success', true);
    recordTokenAcquisition('failure', false);
    expect(await reader.points('microsoft365.token.acquisitions')).toEqual([
      { attributes: { result: 'success', cached: true }, value: 1 },
      { attributes: { result: 'failure', cached: false }, value: 1 },
    ]);
  });

  it('labels Graph requests by status, throttling, and a failed connection', async () => {
    registerProvider();
    recordGraphRequest('mail', 429);
    recordGraphRequest('mail', null);
    expect(await reader.points('microsoft365.graph.requests')).toEqual([
      { attributes: { feature: 'mail', status: '429', throttled: true }, value: 1 },
      { attributes: { feature: 'mail', status: 'network-error', throttled: false }, value: 1 },
    ]);
  });

  it('counts the items a run handled, leaving out zeros', async () => {
    registerProvider();
    recordRunEnd({
      feature: 'calendar-presence',
      outcome: 'completed_with_errors',
      mode: 'partial',
      seconds: 2,
      items: { read: 3, changed: 0, failed: 1 },
    });
    expect(await reader.points('microsoft365.run.items')).toEqual([
      { attributes: { feature: 'calendar-presence', outcome: 'read' }, value: 3 },
      { attributes: { feature: 'calendar-presence', outcome: 'failed' }, value: 1 },
    ]);
    expect(await reader.points('microsoft365.run.duration')).toEqual([
      {
        attributes: { feature: 'calendar-presence', outcome: 'completed_with_errors', mode: 'partial' },
        value: expect.objectContaining({ count: 1, sum: 2 }),
      },
    ]);
  });

  it('reports tenants per feature health state, never which tenants', async () => {
    registerProvider();
    recordFeatureHealth('tenant-a', 'user-sync', 'healthy');
    recordFeatureHealth('tenant-b', 'user-sync', 'healthy');
    recordFeatureHealth('tenant-c', 'user-sync', 'quarantined');
    recordFeatureHealth('tenant-c', 'mail', 'healthy');
    recordFeatureHealth('tenant-b', 'user-sync', 'quarantined');
    recordFeatureHealth('tenant-a', 'user-sync', null);
    expect(await reader.points('microsoft365.feature.health')).toEqual([
      { attributes: { feature: 'user-sync', state: 'quarantined' }, value: 2 },
      { attributes: { feature: 'mail', state: 'healthy' }, value: 1 },
    ]);
  });
});
