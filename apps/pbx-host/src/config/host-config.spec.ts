import { HostConfigError, isMasterKey, parseHostConfig } from './host-config';
import { randomBytes } from 'node:crypto';

const KEY = randomBytes(32).toString('base64');

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    parseHostConfig(env, '/srv/pbx');
  } catch (error) {
    if (error instanceof HostConfigError) {
      return error.problems;
    }
    throw error;
  }
  return [];
}

describe('parseHostConfig', () => {
  it('is a production host unless development is asked for, and then needs a master key', () => {
    expect(problemsOf({})).toEqual([expect.stringContaining('`openssl rand -base64 32`')]);
  });

  it('defaults to port 3000 with the data folder in the working directory', () => {
    expect(parseHostConfig({ NODE_ENV: 'development' }, '/srv/pbx')).toEqual({
      environment: 'development',
      port: 3000,
      dataDir: '/srv/pbx/.data',
      publicUrl: 'http://localhost:3000',
      sessionTtlMinutes: 720,
      metricsEnabled: true,
      serverTimingEnabled: false,
    });
  });

  it('reads every variable', () => {
    expect(
      parseHostConfig(
        {
          NODE_ENV: 'production',
          PORT: '8080',
          DATABASE_URL: 'postgres://pbx:secret@db:5432/pbx',
          DATA_DIR: '/var/lib/pbx',
          PBX_PUBLIC_URL: 'https://pbx.example.com/',
          PBX_M365_MASTER_KEY: KEY,
          PBX_ADMIN_PASSWORD: 'correct horse battery',
          PBX_SESSION_TTL_MINUTES: '60',
          METRICS_ENABLED: 'false',
          METRICS_TOKEN: 'scrape-token-0123456789',
          SERVER_TIMING_ENABLED: 'true',
          PBX_ALERTS_MAIL_TENANT: '0F6B3C52-4C2A-4F1E-9B7D-2A1C3E4F5A6B',
        },
        '/srv/pbx',
      ),
    ).toEqual({
      environment: 'production',
      port: 8080,
      databaseUrl: 'postgres://pbx:secret@db:5432/pbx',
      dataDir: '/var/lib/pbx',
      publicUrl: 'https://pbx.example.com',
      masterKey: KEY,
      adminPassword: 'correct horse battery',
      sessionTtlMinutes: 60,
      metricsEnabled: false,
      metricsToken: 'scrape-token-0123456789',
      serverTimingEnabled: true,
      alertsMailTenant: '0f6b3c52-4c2a-4f1e-9b7d-2a1c3e4f5a6b',
    });
  });

  it('derives the public URL from the port', () => {
    expect(parseHostConfig({ NODE_ENV: 'development', PORT: '4000' }).publicUrl).toBe(
      'http://localhost:4000',
    );
  });

  it('refuses to start in production without a master key', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      expect.stringContaining('PBX_M365_MASTER_KEY is required'),
    ]);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({
      NODE_ENV: 'staging',
      PORT: 'eighty',
      DATABASE_URL: 'mysql://root:hunter2@db/pbx',
      PBX_PUBLIC_URL: 'not a url',
      PBX_M365_MASTER_KEY: 'c2hvcnQ=',
      PBX_ADMIN_PASSWORD: 'short',
      PBX_SESSION_TTL_MINUTES: '0',
      METRICS_ENABLED: 'maybe',
      METRICS_TOKEN: 'short',
      PBX_ALERTS_MAIL_TENANT: 'operator',
    });
    expect(problems).toHaveLength(10);
    expect(problems.join('\n')).toMatch(/NODE_ENV.*staging/);
    expect(problems.join('\n')).toMatch(/PORT must be an integer/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL must use postgres: or postgresql:/);
    expect(problems.join('\n')).toMatch(/PBX_PUBLIC_URL is not a valid URL/);
    expect(problems.join('\n')).toMatch(/PBX_M365_MASTER_KEY must be 32 random bytes/);
    expect(problems.join('\n')).toMatch(/PBX_ADMIN_PASSWORD must be at least 12/);
    expect(problems.join('\n')).toMatch(/PBX_SESSION_TTL_MINUTES/);
    expect(problems.join('\n')).toMatch(/METRICS_ENABLED must be true or false, got "maybe"/);
    expect(problems.join('\n')).toMatch(/METRICS_TOKEN must be 16 to 512/);
    expect(problems.join('\n')).toMatch(/PBX_ALERTS_MAIL_TENANT must be the id \(a UUID\) of a PBX tenant/);
  });

  it('never echoes secrets in its errors', () => {
    const message = problemsOf({
      DATABASE_URL: 'postgres://pbx:hunter2@[bad',
      PBX_ADMIN_PASSWORD: 'hunter2',
      PBX_M365_MASTER_KEY: 'hunter2hunter2',
      METRICS_TOKEN: 'hunter2',
    }).join('\n');
    expect(message).not.toContain('hunter2');
  });

  it('reads a master key rotation: the new key with its version, and the old keys by version', () => {
    const old1 = randomBytes(32).toString('base64');
    const old2 = randomBytes(32).toString('base64');
    expect(
      parseHostConfig({
        PBX_M365_MASTER_KEY: KEY,
        PBX_M365_MASTER_KEY_VERSION: '3',
        PBX_M365_PREVIOUS_MASTER_KEYS: ` 1:${old1}, 2:${old2} `,
      }),
    ).toMatchObject({ masterKey: KEY, masterKeyVersion: 3, previousMasterKeys: { 1: old1, 2: old2 } });
    expect(parseHostConfig({ PBX_M365_MASTER_KEY: KEY })).not.toHaveProperty('masterKeyVersion');
  });

  it.each([
    [{ PBX_M365_MASTER_KEY_VERSION: 'two' }, /PBX_M365_MASTER_KEY_VERSION must be an integer between 1/],
    [{ PBX_M365_MASTER_KEY_VERSION: '0' }, /PBX_M365_MASTER_KEY_VERSION must be an integer between 1/],
    [{ PBX_M365_PREVIOUS_MASTER_KEYS: KEY }, /entry 1 is malformed: expected version:base64/],
    [{ PBX_M365_PREVIOUS_MASTER_KEYS: `2:${KEY},` }, /entry 2 is malformed/],
    [{ PBX_M365_PREVIOUS_MASTER_KEYS: `0:${KEY}` }, /entry 1 must have a version between 1 and/],
    [
      { PBX_M365_PREVIOUS_MASTER_KEYS: `1:${KEY}` },
      /entry 1 has version 1, the version of PBX_M365_MASTER_KEY/,
    ],
    [{ PBX_M365_PREVIOUS_MASTER_KEYS: '2:c2hvcnQ=' }, /entry 1 \(version 2\) must be 32 random bytes/],
    [{ PBX_M365_PREVIOUS_MASTER_KEYS: `2:${KEY},2:${KEY}` }, /entry 2 repeats version 2/],
  ])('refuses the rotation settings %j with a clear message', (env, message) => {
    const problems = problemsOf({ PBX_M365_MASTER_KEY: KEY, ...env });
    expect(problems).toEqual([expect.stringMatching(message)]);
    // The keys themselves never appear in the message.
    expect(problems.join('\n')).not.toContain(KEY);
  });

  it('refuses rotation settings without the new master key', () => {
    expect(
      problemsOf({
        NODE_ENV: 'development',
        PBX_M365_MASTER_KEY_VERSION: '2',
        PBX_M365_PREVIOUS_MASTER_KEYS: `1:${KEY}`,
      }),
    ).toEqual([expect.stringContaining('need PBX_M365_MASTER_KEY')]);
  });

  it('treats empty variables as unset', () => {
    const development = { NODE_ENV: 'development' };
    expect(
      parseHostConfig({ ...development, DATABASE_URL: '', PBX_ADMIN_PASSWORD: '', PORT: ' ' }, '/srv/pbx'),
    ).toEqual(parseHostConfig(development, '/srv/pbx'));
  });
});

describe('isMasterKey', () => {
  it('accepts exactly 32 bytes of base64', () => {
    expect(isMasterKey(KEY)).toBe(true);
    expect(isMasterKey(randomBytes(31).toString('base64'))).toBe(false);
    expect(isMasterKey(randomBytes(33).toString('base64'))).toBe(false);
    expect(isMasterKey('not base64 at all!')).toBe(false);
  });
});
