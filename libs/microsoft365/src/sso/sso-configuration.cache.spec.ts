import { inspect } from 'node:util';
import { type KeyManagementService } from '../keys/key-management.service';
import { ConfigurationChanges } from '../settings/configuration-changes.service';
import { type TenantSettingsEntity } from '../settings/tenant-settings.entity';
import { type TenantSettingsService } from '../settings/tenant-settings.service';
import { SsoConfigurationCache } from './sso-configuration.cache';
import { type SsoSettingsEntity } from './sso-settings.entity';
import { type SsoSettingsService } from './sso-settings.service';

const A = '00000000-0000-0000-0000-00000000000a';
const B = '00000000-0000-0000-0000-00000000000b';
const PRIVATE_KEY = '-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----';

describe('SsoConfigurationCache', () => {
  let changes: ConfigurationChanges;
  let reads: string[];
  let decrypted: string[];
  let version: number;
  let cache: SsoConfigurationCache;

  beforeEach(() => {
    jest.useFakeTimers();
    changes = new ConfigurationChanges();
    changes.setListening(true);
    reads = [];
    decrypted = [];
    version = 1;
    const tenantSettings = {
      find: (scope: string) => {
        reads.push(scope);
        return Promise.resolve({ pbxTenantId: scope, applicationId: `app-${scope}-v${version}` });
      },
    } as unknown as TenantSettingsService;
    const ssoSettings = {
      rules: (scope: string) => Promise.resolve({ pbxTenantId: scope }),
    } as unknown as SsoSettingsService;
    const keys = {
      current: (scope: string) =>
        Promise.resolve({
          active: { id: `key-${scope}`, thumbprintSha256: 'AB', certificatePem: 'CERT' },
          pending: null,
        }),
      privateKeyPem: ({ id }: { id: string }) => {
        decrypted.push(id);
        return Promise.resolve(PRIVATE_KEY);
      },
    } as unknown as KeyManagementService;
    cache = new SsoConfigurationCache(tenantSettings, ssoSettings, keys, changes);
  });

  afterEach(() => jest.useRealTimers());

  const applicationId = async (scope: string) =>
    ((await cache.get(scope)).settings as TenantSettingsEntity).applicationId;

  it('reads a scope once, and answers each scope with its own configuration', async () => {
    expect(await applicationId(A)).toBe(`app-${A}-v1`);
    expect(await applicationId(B)).toBe(`app-${B}-v1`);
    expect(await applicationId(A)).toBe(`app-${A}-v1`);
    expect((await cache.get(B)).rules).toEqual({ pbxTenantId: B } as SsoSettingsEntity);
    expect(reads).toEqual([A, B]);
  });

  it('forgets only the scope that changed, or every scope when told so', async () => {
    await cache.get(A);
    await cache.get(B);
    version = 2;
    changes.changed(A);
    expect(await applicationId(A)).toBe(`app-${A}-v2`);
    expect(await applicationId(B)).toBe(`app-${B}-v1`);
    changes.changedAll();
    expect(await applicationId(B)).toBe(`app-${B}-v2`);
    expect(reads).toEqual([A, B, A, B]);
  });

  it('does not keep a read that a change overtook', async () => {
    const reading = cache.get(A);
    changes.changed(A);
    await reading;
    await cache.get(A);
    expect(reads).toEqual([A, A]);
  });

  it('keeps nothing while changes of other instances cannot be heard, and forgets all when hearing again', async () => {
    await cache.get(A);
    changes.setListening(false);
    await cache.get(A);
    await cache.get(A);
    changes.setListening(true);
    await cache.get(A);
    await cache.get(A);
    expect(reads).toEqual([A, A, A, A]);
  });

  it('reads again after a minute, however quiet the notifications', async () => {
    await cache.get(A);
    jest.advanceTimersByTime(59_000);
    await cache.get(A);
    jest.advanceTimersByTime(2_000);
    await cache.get(A);
    expect(reads).toEqual([A, A]);
  });

  it('decrypts the private key on first use only, and never prints or serializes it', async () => {
    const configuration = await cache.get(A);
    expect(decrypted).toEqual([]);
    expect(await configuration.privateKeyPem()).toBe(PRIVATE_KEY);
    expect(await (await cache.get(A)).privateKeyPem()).toBe(PRIVATE_KEY);
    expect(decrypted).toEqual([`key-${A}`]);
    expect(JSON.stringify(configuration)).not.toContain('secret');
    expect(inspect(configuration, { depth: 10, showHidden: true })).not.toContain('secret');
    const fields = Object.values(configuration).map((value) => JSON.stringify(value) ?? typeof value);
    expect(fields.join(' ')).not.toContain('secret');
  });
});
