/** How long notifications for one tenant are gathered into one run unless `notifications.debounceMs` says otherwise. */
export const DEFAULT_DEBOUNCE_MS = 5_000;
/** How soon a notified run looks again when another run holds the tenant's lock. */
export const BUSY_RETRY_MS = 2_000;
