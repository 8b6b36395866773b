import { AsyncLocalStorage } from 'node:async_hooks';

/** What a sync run reports about its Graph traffic: requests sent, and the waits Graph imposed. */
export interface GraphMeter {
  requests: number;
  retries: number;
  throttled: number;
  waitedMs: number;
}

const storage = new AsyncLocalStorage<GraphMeter>();

export const newGraphMeter = (): GraphMeter => ({ requests: 0, retries: 0, throttled: 0, waitedMs: 0 });

/** Counts every Graph request made by `work` (and whatever it awaits) into `meter`. */
export function withGraphMeter<T>(meter: GraphMeter, work: () => Promise<T>): Promise<T> {
  return storage.run(meter, work);
}

export function meterRequest(): void {
  const meter = storage.getStore();
  if (meter) meter.requests++;
}

export function meterRetry(delayMs: number, throttled: boolean): void {
  const meter = storage.getStore();
  if (!meter) return;
  meter.retries++;
  meter.waitedMs += Math.round(delayMs);
  if (throttled) meter.throttled++;
}
