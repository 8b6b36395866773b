import { EmulatorFixture } from './emulator.fixture';
import { signInOnEmulator } from './sign-in.driver';

const REDIRECT_URI = 'https://pbx.example/api/microsoft365/sso/callback';

describe('signInOnEmulator', () => {
  let fixture: EmulatorFixture;

  beforeAll(async () => {
    fixture = await EmulatorFixture.start({
      seed: { users: 5, app: { permissions: [], redirectUris: [REDIRECT_URI] } },
    });
  });

  afterAll(() => fixture.close());

  const authorizeUrl = (state: string) =>
    `${fixture.emulator.baseUrl}/${fixture.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({
      client_id: fixture.clientId,
      response_type: 'code',
      response_mode: 'form_post',
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile',
      state,
      nonce: 'n-1',
    }).toString()}`;

  it('returns the form_post the page would send: code and state, to the redirect URI', async () => {
    const post = await signInOnEmulator(
      authorizeUrl('s&t"ate'),
      { username: fixture.seeded.sampleUserPrincipalNames[0] ?? '', password: fixture.seeded.password },
      fixture.agent,
    );
    expect(post.action).toBe(REDIRECT_URI);
    expect(post.fields['state']).toBe('s&t"ate');
    expect(post.fields['code']).toMatch(/\S{20,}/);
  });

  it('fails with the page error code for a wrong password', async () => {
    await expect(
      signInOnEmulator(
        authorizeUrl('s'),
        { username: fixture.seeded.sampleUserPrincipalNames[0] ?? '', password: 'wrong' },
        fixture.agent,
      ),
    ).rejects.toThrow(/50126/);
  });
});
