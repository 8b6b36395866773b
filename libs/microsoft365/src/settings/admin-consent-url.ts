import { CLOUD_ENDPOINTS } from '../graph/microsoft365-clouds';
import { type Microsoft365Cloud } from './microsoft365-cloud';

export interface AdminConsentLink {
  url: string | null;
  /** Why there is no link yet; null when there is one. */
  unavailableReason: string | null;
}

/**
 * Microsoft's v2 admin consent URL for the tenant's app registration
 * (https://learn.microsoft.com/en-us/entra/identity-platform/v2-admin-consent, docs/graph-notes.md §3.6):
 * `{authority}/{directory}/v2.0/adminconsent?client_id=…&scope={cloud's Graph}/.default&redirect_uri=…`.
 * Application permissions can only be consented through the static `/.default` scope of the cloud's Graph
 * resource; `redirect_uri` must be one the admin registered, so it is the PBX's own sign-in callback.
 */
export function adminConsentLink(input: {
  cloud: Microsoft365Cloud;
  applicationId: string | null;
  directoryId: string | null;
  redirectUri: string;
  /** The module's `endpoints.authorityBaseUrl` (a gateway or the emulator), else the cloud's login host. */
  authorityBaseUrl?: string;
}): AdminConsentLink {
  const missing = [
    ...(input.applicationId ? [] : ['the application (client) ID']),
    ...(input.directoryId ? [] : ['the directory (tenant) ID']),
  ];
  if (missing.length > 0 || !input.applicationId || !input.directoryId) {
    return { url: null, unavailableReason: `Enter ${missing.join(' and ')} first.` };
  }
  const endpoints = CLOUD_ENDPOINTS[input.cloud];
  const authority = (input.authorityBaseUrl ?? endpoints.loginBaseUrl).replace(/\/+$/, '');
  const query = new URLSearchParams({
    client_id: input.applicationId,
    scope: endpoints.graphScope,
    redirect_uri: input.redirectUri,
  });
  return {
    url: `${authority}/${encodeURIComponent(input.directoryId)}/v2.0/adminconsent?${query.toString()}`,
    unavailableReason: null,
  };
}
