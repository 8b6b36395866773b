import { Microsoft365Cloud } from '../settings/microsoft365-cloud';

export interface CloudEndpoints {
  /** Entra login host; the authority is `${loginBaseUrl}/${directoryId}`. */
  loginBaseUrl: string;
  /** Host that appears in ID token issuers (differs from the login host only in China). */
  issuerBaseUrl: string;
  graphBaseUrl: string;
  /** App-only tokens ask for `{resource}/.default`; the resource is the cloud's own Graph host. */
  graphScope: string;
  /** Where the admin registers the app. */
  portalUrl: string;
}

/**
 * Source: Microsoft Graph national cloud deployments (docs/graph-notes.md §2). GCC (moderate) uses the global
 * cloud.
 */
export const CLOUD_ENDPOINTS: Record<Microsoft365Cloud, CloudEndpoints> = {
  [Microsoft365Cloud.Global]: {
    loginBaseUrl: 'https://login.microsoftonline.com',
    issuerBaseUrl: 'https://login.microsoftonline.com',
    graphBaseUrl: 'https://graph.microsoft.com',
    graphScope: 'https://graph.microsoft.com/.default',
    portalUrl: 'https://entra.microsoft.com',
  },
  [Microsoft365Cloud.UsGov]: {
    loginBaseUrl: 'https://login.microsoftonline.us',
    issuerBaseUrl: 'https://login.microsoftonline.us',
    graphBaseUrl: 'https://graph.microsoft.us',
    graphScope: 'https://graph.microsoft.us/.default',
    portalUrl: 'https://portal.azure.us',
  },
  [Microsoft365Cloud.UsGovDod]: {
    loginBaseUrl: 'https://login.microsoftonline.us',
    issuerBaseUrl: 'https://login.microsoftonline.us',
    graphBaseUrl: 'https://dod-graph.microsoft.us',
    graphScope: 'https://dod-graph.microsoft.us/.default',
    portalUrl: 'https://portal.azure.us',
  },
  [Microsoft365Cloud.China]: {
    loginBaseUrl: 'https://login.chinacloudapi.cn',
    issuerBaseUrl: 'https://login.partner.microsoftonline.cn',
    graphBaseUrl: 'https://microsoftgraph.chinacloudapi.cn',
    graphScope: 'https://microsoftgraph.chinacloudapi.cn/.default',
    portalUrl: 'https://portal.azure.cn',
  },
};
