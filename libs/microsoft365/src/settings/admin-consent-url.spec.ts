import { adminConsentLink } from './admin-consent-url';
import { Microsoft365Cloud } from './microsoft365-cloud';

const APP = '11111111-2222-3333-4444-555555555555';
const DIRECTORY = '66666666-7777-8888-9999-000000000000';
const CALLBACK = 'https://pbx.example.com/api/microsoft365/sso/callback';

describe('admin consent link (v2-admin-consent)', () => {
  it.each([
    [Microsoft365Cloud.Global, 'https://login.microsoftonline.com', 'https://graph.microsoft.com/.default'],
    [Microsoft365Cloud.UsGov, 'https://login.microsoftonline.us', 'https://graph.microsoft.us/.default'],
    [
      Microsoft365Cloud.UsGovDod,
      'https://login.microsoftonline.us',
      'https://dod-graph.microsoft.us/.default',
    ],
    [
      Microsoft365Cloud.China,
      'https://login.chinacloudapi.cn',
      'https://microsoftgraph.chinacloudapi.cn/.default',
    ],
  ])('uses the %s authority and its Graph /.default scope', (cloud, authority, scope) => {
    const { url, unavailableReason } = adminConsentLink({
      cloud,
      applicationId: APP,
      directoryId: DIRECTORY,
      redirectUri: CALLBACK,
    });
    expect(unavailableReason).toBeNull();
    const parsed = new URL(url ?? '');
    expect(`${parsed.origin}${parsed.pathname}`).toBe(`${authority}/${DIRECTORY}/v2.0/adminconsent`);
    expect(Object.fromEntries(parsed.searchParams)).toEqual({
      client_id: APP,
      scope,
      redirect_uri: CALLBACK,
    });
  });

  it('says what is missing instead of a link', () => {
    expect(
      adminConsentLink({
        cloud: Microsoft365Cloud.Global,
        applicationId: null,
        directoryId: null,
        redirectUri: CALLBACK,
      }),
    ).toEqual({
      url: null,
      unavailableReason: 'Enter the application (client) ID and the directory (tenant) ID first.',
    });
    expect(
      adminConsentLink({
        cloud: Microsoft365Cloud.Global,
        applicationId: APP,
        directoryId: null,
        redirectUri: CALLBACK,
      }).unavailableReason,
    ).toBe('Enter the directory (tenant) ID first.');
  });

  it('follows an authority override (gateway, emulator)', () => {
    const { url } = adminConsentLink({
      cloud: Microsoft365Cloud.Global,
      applicationId: APP,
      directoryId: DIRECTORY,
      redirectUri: CALLBACK,
      authorityBaseUrl: 'https://localhost:8443/',
    });
    expect(url).toMatch(new RegExp(`^https://localhost:8443/${DIRECTORY}/v2.0/adminconsent\\?`));
  });
});
