import { type HttpTransport } from './http-transport.provider';
import { CLOUD_ENDPOINTS } from './microsoft365-clouds';
import { MsalClientProvider } from './msal-client.provider';
import { Microsoft365Cloud } from '../settings/microsoft365-cloud';

/**
 * The e2e tests point every cloud at the emulator, so only this table decides where a real tenant's tokens and
 * Graph calls go. Expected values from Microsoft Learn, "Microsoft Graph national cloud deployments"
 * (learn.microsoft.com/graph/deployments): the token service root per cloud, the Graph service root per cloud,
 * and "any permission scope value (including .default) that contains the Microsoft Graph domain must use the
 * domain of the Microsoft Graph service root endpoint for the national cloud deployment".
 */
describe('CLOUD_ENDPOINTS', () => {
  it.each([
    [Microsoft365Cloud.Global, 'login.microsoftonline.com', 'graph.microsoft.com'],
    [Microsoft365Cloud.UsGov, 'login.microsoftonline.us', 'graph.microsoft.us'],
    [Microsoft365Cloud.UsGovDod, 'login.microsoftonline.us', 'dod-graph.microsoft.us'],
    [Microsoft365Cloud.China, 'login.chinacloudapi.cn', 'microsoftgraph.chinacloudapi.cn'],
  ])('%s: tokens from %s, Graph at %s', (cloud, loginHost, graphHost) => {
    const endpoints = CLOUD_ENDPOINTS[cloud];
    expect(endpoints.loginBaseUrl).toBe(`https://${loginHost}`);
    expect(endpoints.graphBaseUrl).toBe(`https://${graphHost}`);
    expect(endpoints.graphScope).toBe(`https://${graphHost}/.default`);
  });

  it('covers every cloud a tenant can choose, each with its own Graph resource', () => {
    expect(Object.keys(CLOUD_ENDPOINTS).sort()).toEqual(Object.values(Microsoft365Cloud).sort());
    const scopes = Object.values(CLOUD_ENDPOINTS).map((endpoints) => endpoints.graphScope);
    expect(new Set(scopes).size).toBe(scopes.length);
  });

  it("builds a tenant's authority on its cloud's login host unless an endpoint override is set", () => {
    const transport = { fetch: () => Promise.reject(new Error('no network in unit tests')) };
    const provider = (endpoints?: { authorityBaseUrl: string }) =>
      new MsalClientProvider(
        { environment: 'test', publicUrl: 'https://pbx.test', ...(endpoints ? { endpoints } : {}) },
        transport as unknown as HttpTransport,
      );
    const directoryId = '11111111-2222-3333-4444-555555555555';
    expect(provider().authorityFor({ cloud: Microsoft365Cloud.UsGovDod, directoryId })).toBe(
      `https://login.microsoftonline.us/${directoryId}`,
    );
    expect(provider().authorityFor({ cloud: Microsoft365Cloud.China, directoryId })).toBe(
      `https://login.chinacloudapi.cn/${directoryId}`,
    );
    expect(
      provider({ authorityBaseUrl: 'https://gateway.corp/' }).authorityFor({
        cloud: Microsoft365Cloud.China,
        directoryId,
      }),
    ).toBe(`https://gateway.corp/${directoryId}`);
  });
});
