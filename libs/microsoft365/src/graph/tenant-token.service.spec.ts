import { type AppTokenProvider } from './app-token.provider';
import { type MsalClientProvider } from './msal-client.provider';
import { ConfigurationChanges } from '../settings/configuration-changes.service';
import { TenantTokenService } from './tenant-token.service';
import { systemClock } from '../common/clock';
import { type KeyManagementService } from '../keys/key-management.service';
import { type TenantSettingsService } from '../settings/tenant-settings.service';

function service() {
  let issued = 0;
  const acquire = jest.fn(async (_credentials: unknown, _options: unknown) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    issued++;
    return { accessToken: `token-${issued}`, expiresOn: new Date(Date.now() + 3_600_000), roles: [] };
  });
  const settings = {
    requireConfigured: jest.fn().mockResolvedValue({
      enabled: true,
      cloud: 'global',
      applicationId: 'app',
      directoryId: 'dir',
    }),
  } as unknown as TenantSettingsService;
  const keys = {
    current: jest
      .fn()
      .mockResolvedValue({ active: { id: 'pair-1', thumbprintSha256: 'ab', certificatePem: '' } }),
    privateKeyPem: jest.fn().mockResolvedValue('pem'),
  } as unknown as KeyManagementService;
  const msal = { onEvict: jest.fn() } as unknown as MsalClientProvider;
  const evictMsal = jest.fn();
  const changes = new ConfigurationChanges();
  const tokens = new TenantTokenService(
    settings,
    keys,
    { acquire, evict: evictMsal } as unknown as AppTokenProvider,
    msal,
    changes,
    systemClock,
  );
  return { tokens, acquire, evictMsal, changes };
}

describe(TenantTokenService.name, () => {
  it('serves the cached token until Graph refuses it, then renews past MSAL’s cache with the claims', async () => {
    const { tokens, acquire, evictMsal } = service();
    expect((await tokens.getToken('t')).accessToken).toBe('token-1');
    expect((await tokens.getToken('t')).accessToken).toBe('token-1');
    expect(evictMsal).not.toHaveBeenCalled();
    expect((await tokens.renew('t', 'token-1', '{"claims":1}')).accessToken).toBe('token-2');
    expect(acquire).toHaveBeenLastCalledWith(expect.anything(), { skipCache: true, claims: '{"claims":1}' });
    // The refused token leaves MSAL's cache too, so a failed renewal is not followed by the same refused token.
    expect(evictMsal).toHaveBeenCalledWith('t');
    expect((await tokens.getToken('t')).accessToken).toBe('token-2');
  });

  it("forgets one tenant's resolved token, or every tenant's, on a configuration change heard from any instance", async () => {
    const { tokens, acquire, changes } = service();
    await tokens.getToken('t');
    await tokens.getToken('u');
    expect(acquire).toHaveBeenCalledTimes(2);
    // What ConfigurationNotificationsListener calls when another instance's write is notified.
    changes.changed('t');
    await tokens.getToken('t');
    await tokens.getToken('u');
    expect(acquire).toHaveBeenCalledTimes(3);
    // The notification connection dropped or came back: anything may have changed unheard.
    changes.setListening(false);
    await tokens.getToken('t');
    await tokens.getToken('u');
    expect(acquire).toHaveBeenCalledTimes(5);
  });

  it('does not keep a token resolved while a change was heard: it may come from the old settings', async () => {
    const { tokens, acquire, changes } = service();
    let answer: () => void = () => undefined;
    acquire.mockImplementationOnce(
      () =>
        new Promise((resolve) => {
          answer = () =>
            resolve({ accessToken: 'old', expiresOn: new Date(Date.now() + 3_600_000), roles: [] });
        }),
    );
    const resolving = tokens.getToken('t');
    while (acquire.mock.calls.length === 0) await new Promise((resolve) => setImmediate(resolve));
    changes.changed('t');
    answer();
    expect((await resolving).accessToken).toBe('old');
    expect((await tokens.getToken('t')).accessToken).not.toBe('old');
  });

  it('shares one renewal among requests refused together, and hands a late one the replacement', async () => {
    const { tokens, acquire } = service();
    await tokens.getToken('t');
    const renewed = await Promise.all([1, 2, 3, 4].map(() => tokens.renew('t', 'token-1')));
    expect(renewed.map((token) => token.accessToken)).toEqual(['token-2', 'token-2', 'token-2', 'token-2']);
    expect((await tokens.renew('t', 'token-1')).accessToken).toBe('token-2');
    expect(acquire).toHaveBeenCalledTimes(2);
  });

  it('asks Entra for a fresh token when told to (the connection test)', async () => {
    const { tokens, acquire } = service();
    await tokens.getToken('t');
    expect((await tokens.getToken('t', { fresh: true })).accessToken).toBe('token-2');
    expect(acquire).toHaveBeenLastCalledWith(expect.anything(), { skipCache: true });
  });
});
