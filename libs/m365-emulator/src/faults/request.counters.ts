export interface CountersSnapshot {
  total: number;
  throttled: number;
  dropped: number;
  injectedErrors: number;
  /** "METHOD /path/{template}" -> status -> count. */
  byRoute: Record<string, Record<string, number>>;
  /**
   * "METHOD /path/{template}" -> the most requests of that route in progress at once (external requests only,
   * not $batch items): how much concurrency a client really used.
   */
  peakInFlight: Record<string, number>;
}

export class RequestCounters {
  private total = 0;
  private throttled = 0;
  private dropped = 0;
  private injectedErrors = 0;
  private readonly byRoute = new Map<string, Map<string, number>>();
  private readonly inFlight = new Map<string, number>();
  private readonly peaks = new Map<string, number>();

  record(routeKey: string, status: number | 'dropped'): void {
    this.total += 1;
    if (status === 429) this.throttled += 1;
    if (status === 'dropped') this.dropped += 1;
    let statuses = this.byRoute.get(routeKey);
    if (!statuses) {
      statuses = new Map();
      this.byRoute.set(routeKey, statuses);
    }
    const key = String(status);
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
  }

  /** A request of the route starts; `ended` when it is answered or dropped. */
  started(routeKey: string): void {
    const now = (this.inFlight.get(routeKey) ?? 0) + 1;
    this.inFlight.set(routeKey, now);
    if (now > (this.peaks.get(routeKey) ?? 0)) this.peaks.set(routeKey, now);
  }

  ended(routeKey: string): void {
    this.inFlight.set(routeKey, Math.max(0, (this.inFlight.get(routeKey) ?? 0) - 1));
  }

  recordInjectedError(): void {
    this.injectedErrors += 1;
  }

  snapshot(): CountersSnapshot {
    const byRoute: Record<string, Record<string, number>> = {};
    for (const [route, statuses] of this.byRoute) byRoute[route] = Object.fromEntries(statuses);
    return {
      total: this.total,
      throttled: this.throttled,
      dropped: this.dropped,
      injectedErrors: this.injectedErrors,
      byRoute,
      peakInFlight: Object.fromEntries(this.peaks),
    };
  }

  reset(): void {
    this.total = 0;
    this.throttled = 0;
    this.dropped = 0;
    this.injectedErrors = 0;
    this.byRoute.clear();
    // Requests in progress stay counted; the peak starts again from them.
    this.peaks.clear();
    for (const [route, count] of this.inFlight) if (count > 0) this.peaks.set(route, count);
  }
}
