import { adminConsentResult } from './admin-consent-result';

describe(adminConsentResult.name, () => {
  it.each([
    [
      { admin_consent: 'True', tenant: 'a8990e1f', scope: 'https://graph.microsoft.com/.default' },
      { granted: true },
    ],
    [
      { error: 'access_denied', error_description: 'The admin canceled the request' },
      { granted: false, error: 'access_denied' },
    ],
    [
      { error: '<script>', error_description: 'Call +1 555 0100 now' },
      { granted: false, error: 'other' },
    ],
    // A sign-in answer by GET is not a consent result: refused as before.
    [{ code: 'abc', state: 'xyz' }, null],
    [{ admin_consent: 'True', state: 'xyz' }, null],
    [{ error: 'access_denied', state: 'xyz' }, null],
    [{ admin_consent: 'False' }, null],
    [{}, null],
  ])('%j → %j', (query, expected) => {
    expect(adminConsentResult(query)).toEqual(expected);
  });
});
