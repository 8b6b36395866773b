import {
  type Attributes,
  type Counter,
  type Histogram,
  type MeterProvider,
  metrics,
} from '@opentelemetry/api';

/**
 * The module's metrics, through the OpenTelemetry API only: they cost nothing until the host registers a meter
 * provider (an SDK), and the module never registers one itself. Attributes stay low in cardinality: features,
 * outcomes and status codes, never a tenant, user or mailbox id. README "Metrics and health" lists them.
 */
export const MICROSOFT365_METER = '@pbx/microsoft365';

/** What a Graph request or a run was for, as the `feature` attribute says it. */
export type MetricFeature =
  | 'user-sync'
  | 'contact-sync'
  | 'calendar-presence'
  | 'teams-presence'
  | 'group-sync'
  | 'mail'
  | 'notifications'
  | 'connection-test'
  | 'other';

/** How a run ended: the run history's status, lower-cased. */
export type RunOutcome = 'succeeded' | 'completed_with_errors' | 'failed';

export interface RunEnd {
  feature: MetricFeature;
  outcome: RunOutcome;
  /** Calendar presence: `partial` when the pass read only some calendars (a notification, an event boundary). */
  mode: 'full' | 'incremental' | 'partial';
  seconds: number;
  /** Items by what happened to them (created, updated, failed, ...): code-defined keys, never ids. */
  items?: Record<string, number>;
}

/** Runs last from a second (an idle delta round) to an hour (a first pass over a large directory). */
const RUN_SECONDS_BUCKETS = [0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
/** A lone notification runs at once; one in a burst waits for the window's end (5 s), more while a run holds the lock. */
const LAG_SECONDS_BUCKETS = [0.5, 1, 2.5, 5, 7.5, 10, 15, 30, 60, 120, 300];

interface Instruments {
  provider: MeterProvider;
  graphRequests: Counter;
  graphRetries: Counter;
  runDuration: Histogram;
  runItems: Counter;
  notificationLag: Histogram;
  tokenAcquisitions: Counter;
}

let current: Instruments | undefined;

/** Per feature, the last health state recorded for each PBX tenant; the gauge reports tenants per state. */
const featureHealth = new Map<MetricFeature, Map<string, string>>();

/**
 * The instruments on the meter provider registered now. The API hands out no proxy for meters (a meter taken
 * before the host registers its provider stays a no-op), so they are taken again whenever the provider changed.
 */
function instruments(): Instruments {
  const provider = metrics.getMeterProvider();
  if (current?.provider === provider) return current;
  const meter = provider.getMeter(MICROSOFT365_METER);
  const gauge = meter.createObservableGauge('microsoft365.feature.health', {
    description: 'PBX tenants per feature and health state (as last recorded by this instance)',
    unit: '{tenant}',
  });
  gauge.addCallback((result) => {
    for (const [feature, states] of featureHealth) {
      const tenants = new Map<string, number>();
      for (const state of states.values()) tenants.set(state, (tenants.get(state) ?? 0) + 1);
      for (const [state, count] of tenants) result.observe(count, { feature, state });
    }
  });
  current = {
    provider,
    graphRequests: meter.createCounter('microsoft365.graph.requests', {
      description: 'Requests sent to Microsoft Graph, each attempt of a retried one counted',
      unit: '{request}',
    }),
    graphRetries: meter.createCounter('microsoft365.graph.retries', {
      description: 'Waits before sending a Graph or Entra request again (throttling, 5xx, lost connections)',
      unit: '{retry}',
    }),
    runDuration: meter.createHistogram('microsoft365.run.duration', {
      description: 'How long sync runs and calendar presence passes took, by how they ended',
      unit: 's',
      advice: { explicitBucketBoundaries: RUN_SECONDS_BUCKETS },
    }),
    runItems: meter.createCounter('microsoft365.run.items', {
      description: 'Items that finished runs handled, by what happened to them',
      unit: '{item}',
    }),
    notificationLag: meter.createHistogram('microsoft365.notification.lag', {
      description: 'From the first change notification of a burst to the start of the run that reads it',
      unit: 's',
      advice: { explicitBucketBoundaries: LAG_SECONDS_BUCKETS },
    }),
    tokenAcquisitions: meter.createCounter('microsoft365.token.acquisitions', {
      description: 'App-only tokens asked of MSAL: served from its cache, or from Entra',
      unit: '{token}',
    }),
  };
  return current;
}

/** One Graph answer (`status` its HTTP status), or none when the connection failed or timed out. */
export function recordGraphRequest(feature: MetricFeature, status: number | null): void {
  instruments().graphRequests.add(1, {
    feature,
    status: status === null ? 'network-error' : String(status),
    throttled: status === 429,
  });
}

export function recordGraphRetry(feature: MetricFeature, throttled: boolean): void {
  instruments().graphRetries.add(1, { feature, throttled });
}

export function recordRunEnd(run: RunEnd): void {
  const { runDuration, runItems } = instruments();
  const attributes: Attributes = { feature: run.feature, outcome: run.outcome, mode: run.mode };
  runDuration.record(Math.max(0, run.seconds), attributes);
  for (const [outcome, count] of Object.entries(run.items ?? {})) {
    if (count > 0) runItems.add(count, { feature: run.feature, outcome });
  }
}

export function recordNotificationLag(feature: MetricFeature, seconds: number): void {
  instruments().notificationLag.record(Math.max(0, seconds), { feature });
}

export function recordTokenAcquisition(result: 'success' | 'failure', cached: boolean): void {
  instruments().tokenAcquisitions.add(1, { result, cached });
}

/**
 * The health state of a feature for one PBX tenant (`null` forgets the tenant, e.g. when it is disconnected).
 * The gauge `microsoft365.feature.health` reports how many tenants are in each state, never which ones.
 */
export function recordFeatureHealth(pbxTenantId: string, feature: MetricFeature, state: string | null): void {
  instruments();
  let states = featureHealth.get(feature);
  if (state === null) {
    states?.delete(pbxTenantId);
    return;
  }
  if (!states) {
    states = new Map();
    featureHealth.set(feature, states);
  }
  states.set(pbxTenantId, state);
}
