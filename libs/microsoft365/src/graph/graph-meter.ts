import { AsyncLocalStorage } from 'node:async_hooks';
import { type MetricFeature, recordGraphRequest, recordGraphRetry } from '../metrics/microsoft365.metrics';

/** What a sync run reports about its Graph traffic: requests sent, and the waits Graph imposed. */
export interface GraphMeter {
  requests: number;
  retries: number;
  throttled: number;
  waitedMs: number;
}

/** Which sync run the Graph traffic belongs to, for the log line when its retry budget is spent. */
export interface GraphRunContext {
  runId: string;
  pbxTenantId: string;
  /** What the run does, e.g. "User sync". */
  what: string;
}

/** Shared by reference by every scope inside the run, so that "once per run" holds across nested scopes. */
interface RunScope {
  meter: GraphMeter;
  context: GraphRunContext;
  budgetExhaustionReported: boolean;
}

/** The run (when inside one) and the feature the requests are for (the metrics' `feature`). */
interface GraphScope {
  run?: RunScope;
  feature?: MetricFeature;
}

const storage = new AsyncLocalStorage<GraphScope>();

export const newGraphMeter = (): GraphMeter => ({ requests: 0, retries: 0, throttled: 0, waitedMs: 0 });

/**
 * Counts every Graph request made by `work` (and whatever it awaits) into `meter`, the traffic of the sync run
 * `context`; its retries draw from the run's retry budget (RetryPolicy).
 */
export function withGraphMeter<T>(
  meter: GraphMeter,
  context: GraphRunContext,
  work: () => Promise<T>,
): Promise<T> {
  return storage.run(
    { ...storage.getStore(), run: { meter, context, budgetExhaustionReported: false } },
    work,
  );
}

/** Attributes every Graph request made by `work` (and whatever it awaits) to `feature` in the metrics. */
export function withGraphFeature<T>(feature: MetricFeature, work: () => Promise<T>): Promise<T> {
  return storage.run({ ...storage.getStore(), feature }, work);
}

export function meterRequest(): void {
  const meter = storage.getStore()?.run?.meter;
  if (meter) meter.requests++;
}

/** Graph's answer to a request (`null`: none, the connection failed or timed out). */
export function meterResponse(status: number | null): void {
  recordGraphRequest(storage.getStore()?.feature ?? 'other', status);
}

export function meterRetry(delayMs: number, throttled: boolean): void {
  const scope = storage.getStore();
  recordGraphRetry(scope?.feature ?? 'other', throttled);
  const meter = scope?.run?.meter;
  if (!meter) return;
  meter.retries++;
  meter.waitedMs += Math.round(delayMs);
  if (throttled) meter.throttled++;
}

/** Retries made so far by the current sync run; undefined outside a run, where no retry budget applies. */
export function retriesThisRun(): number | undefined {
  return storage.getStore()?.run?.meter.retries;
}

/** The current run the first time this is called in it (its budget just ran out); undefined afterwards. */
export function firstRetryBudgetExhaustion(): GraphRunContext | undefined {
  const run = storage.getStore()?.run;
  if (!run || run.budgetExhaustionReported) return undefined;
  run.budgetExhaustionReported = true;
  return run.context;
}
