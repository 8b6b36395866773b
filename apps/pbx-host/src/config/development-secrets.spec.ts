import { ensureDevelopmentSecrets } from './development-secrets';
import { type HostConfig, isMasterKey } from './host-config';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('ensureDevelopmentSecrets', () => {
  let dataDir: string;
  let base: HostConfig;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pbx-secrets-'));
    base = {
      environment: 'development',
      port: 3000,
      dataDir,
      publicUrl: 'http://localhost:3000',
      sessionTtlMinutes: 60,
      metricsEnabled: false,
      serverTimingEnabled: false,
    };
  });

  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('generates a master key and an admin password once, then reuses them', async () => {
    const first = await ensureDevelopmentSecrets(base);
    expect(isMasterKey(first.config.masterKey ?? '')).toBe(true);
    expect(first.generatedMasterKeyFile).toBe(join(dataDir, 'master.key'));
    expect(first.generatedAdminPassword).toBe(first.config.adminPassword);
    expect((await stat(join(dataDir, 'admin-password'))).mode & 0o777).toBe(0o600);

    const second = await ensureDevelopmentSecrets(base);
    expect(second.config.masterKey).toBe(first.config.masterKey);
    expect(second.config.adminPassword).toBe(first.config.adminPassword);
    expect(second.generatedAdminPassword).toBeUndefined();
    expect(second.generatedMasterKeyFile).toBeUndefined();
  });

  it('keeps configured secrets and writes nothing for them', async () => {
    const result = await ensureDevelopmentSecrets({ ...base, adminPassword: 'configured-password' });
    expect(result.config.adminPassword).toBe('configured-password');
    await expect(readFile(join(dataDir, 'admin-password'))).rejects.toThrow('ENOENT');
  });

  it('never generates secrets in production', async () => {
    const config: HostConfig = { ...base, environment: 'production' };
    expect(await ensureDevelopmentSecrets(config)).toEqual({ config });
    await expect(readFile(join(dataDir, 'master.key'))).rejects.toThrow('ENOENT');
  });
});
