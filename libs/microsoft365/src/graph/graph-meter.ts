import { AsyncLocalStorage } from 'node:async_hooks';
import { type MetricFeature, recordGraphRequest, recordGraphRetry } from '../metrics/microsoft365.metrics';

/** What a sync run reports about its Graph traffic: requests sent, and the waits Graph imposed. */
export interface GraphMeter {
  requests: number;
  retries: number;
  throttled: number;
  waitedMs: number;
}

/** The run's meter (when inside a run) and the feature the requests are for (the metrics' `feature`). */
interface GraphScope {
  meter?: GraphMeter;
  feature?: MetricFeature;
}

const storage = new AsyncLocalStorage<GraphScope>();

export const newGraphMeter = (): GraphMeter => ({ requests: 0, retries: 0, throttled: 0, waitedMs: 0 });

/** Counts every Graph request made by `work` (and whatever it awaits) into `meter`. */
export function withGraphMeter<T>(meter: GraphMeter, work: () => Promise<T>): Promise<T> {
  return storage.run({ ...storage.getStore(), meter }, work);
}

/** Attributes every Graph request made by `work` (and whatever it awaits) to `feature` in the metrics. */
export function withGraphFeature<T>(feature: MetricFeature, work: () => Promise<T>): Promise<T> {
  return storage.run({ ...storage.getStore(), feature }, work);
}

export function meterRequest(): void {
  const meter = storage.getStore()?.meter;
  if (meter) meter.requests++;
}

/** Graph's answer to a request (`null`: none, the connection failed or timed out). */
export function meterResponse(status: number | null): void {
  recordGraphRequest(storage.getStore()?.feature ?? 'other', status);
}

export function meterRetry(delayMs: number, throttled: boolean): void {
  const scope = storage.getStore();
  recordGraphRetry(scope?.feature ?? 'other', throttled);
  const meter = scope?.meter;
  if (!meter) return;
  meter.retries++;
  meter.waitedMs += Math.round(delayMs);
  if (throttled) meter.throttled++;
}
