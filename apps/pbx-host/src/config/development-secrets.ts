import { type HostConfig } from './host-config';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface DevelopmentSecrets {
  config: HostConfig;
  /** Set only on the run that generated the admin password, so that it is shown exactly once. */
  generatedAdminPassword?: string;
  /** Path of a master key generated on this run (never the key itself). */
  generatedMasterKeyFile?: string;
}

async function readSecret(path: string): Promise<string | undefined> {
  try {
    const value = (await readFile(path, 'utf8')).trim();
    return value === '' ? undefined : value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
}

async function writeSecret(path: string, value: string): Promise<void> {
  // `wx`: never overwrite a secret another process wrote meanwhile; owner-only permissions.
  await writeFile(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
}

/**
 * Outside production, fills in a missing master key and bootstrap admin password from files in the data folder,
 * generating them on first start. A developer gets a working PBX without configuring anything, and the secrets
 * survive restarts (losing the master key would make the stored Microsoft 365 secrets unreadable).
 */
export async function ensureDevelopmentSecrets(config: HostConfig): Promise<DevelopmentSecrets> {
  if (config.environment === 'production') {
    return { config };
  }
  await mkdir(config.dataDir, { recursive: true });
  const result: DevelopmentSecrets = { config: { ...config } };

  if (!config.masterKey) {
    const file = join(config.dataDir, 'master.key');
    let masterKey = await readSecret(file);
    if (!masterKey) {
      masterKey = randomBytes(32).toString('base64');
      await writeSecret(file, masterKey);
      result.generatedMasterKeyFile = file;
    }
    result.config.masterKey = masterKey;
  }

  if (!config.adminPassword) {
    const file = join(config.dataDir, 'admin-password');
    let adminPassword = await readSecret(file);
    if (!adminPassword) {
      adminPassword = randomBytes(18).toString('base64url');
      await writeSecret(file, adminPassword);
      result.generatedAdminPassword = adminPassword;
    }
    result.config.adminPassword = adminPassword;
  }
  return result;
}
