/**
 * What Entra's admin consent endpoint reports when it sends the admin back to the redirect URI by GET
 * (https://learn.microsoft.com/en-us/entra/identity-platform/v2-admin-consent#successful-response):
 * `admin_consent=True&tenant=...&scope=...` when granted, `error=...&error_description=...` when not.
 */
export type AdminConsentResult = { granted: true } | { granted: false; error: string };

/** Error codes Entra documents for a refused consent; anything else is shown as "other", never echoed. */
const KNOWN_ERRORS = new Set(['access_denied', 'consent_required', 'invalid_request', 'permission_denied']);

/**
 * The consent outcome of a GET to the callback, or null when it is not one (a sign-in never comes back by GET). Nothing from the query is trusted beyond the
 * outcome: the tenant Microsoft names is not used, and no free text is echoed into the page.
 */
export function adminConsentResult(query: Record<string, unknown>): AdminConsentResult | null {
  // The consent link carries no state; a sign-in answer (code, token or our state) by GET stays refused.
  if (['code', 'id_token', 'state'].some((name) => query[name] !== undefined)) return null;
  const error = query['error'];
  if (typeof error === 'string') return { granted: false, error: KNOWN_ERRORS.has(error) ? error : 'other' };
  return query['admin_consent'] === 'True' ? { granted: true } : null;
}
