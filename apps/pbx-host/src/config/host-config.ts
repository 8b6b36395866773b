import { isAbsolute, resolve } from 'node:path';

export type HostEnvironment = 'production' | 'development' | 'test';

/** The host PBX's configuration, read once from the environment at boot. */
export interface HostConfig {
  environment: HostEnvironment;
  port: number;
  /** An external PostgreSQL server; when absent the host starts an embedded one under `dataDir/postgres`. */
  databaseUrl?: string;
  /** Absolute path of the folder for the embedded cluster and the development secrets. */
  dataDir: string;
  /** Base URL under which users and Microsoft reach this PBX (redirect URIs are built from it). */
  publicUrl: string;
  /**
   * Master key of the Microsoft 365 module (32 bytes, base64). Required unless NODE_ENV is development or test
   * (production is the default); there it may be absent and is then generated into `dataDir` by
   * `ensureDevelopmentSecrets`.
   */
  masterKey?: string;
  /** Version of `masterKey` (PBX_M365_MASTER_KEY_VERSION, default 1); raise it with every new master key. */
  masterKeyVersion?: number;
  /**
   * Older master keys by version (PBX_M365_PREVIOUS_MASTER_KEYS), kept while the stored secrets are re-wrapped
   * under the current one at start-up.
   */
  previousMasterKeys?: Record<number, string>;
  /** Password of the bootstrap system admin `admin`, used only when no system admin exists yet. */
  adminPassword?: string;
  /** Lifetime of the host's session tokens. */
  sessionTtlMinutes: number;
  /** Serve `GET /metrics` (METRICS_ENABLED, default true); off, no meter provider is installed at all. */
  metricsEnabled: boolean;
  /** When set (METRICS_TOKEN), `/metrics` wants it as a bearer token; otherwise it is left to the network. */
  metricsToken?: string;
  /**
   * Every answer carries `Server-Timing: app;dur=<ms>` (SERVER_TIMING_ENABLED, default false): the time from the
   * request's arrival to its response headers, for a benchmark or a browser's developer tools. Off by default: a
   * client has no use for the PBX's timings, and an attacker could time the PBX's checks with them.
   */
  serverTimingEnabled: boolean;
  /**
   * The PBX tenant (PBX_ALERTS_MAIL_TENANT, its id) whose Microsoft 365 mail carries the admin alerts a tenant's own
   * mail cannot: mail not set up there, or the very connection the alert is about is broken (a certificate removed
   * from the app, consent revoked). Usually the operator's own tenant.
   */
  alertsMailTenant?: string;
}

export const HOST_CONFIG = Symbol('HOST_CONFIG');

/** All problems found in the environment at once, so an operator fixes them in one go. */
export class HostConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'HostConfigError';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ENVIRONMENTS: readonly HostEnvironment[] = ['production', 'development', 'test'];
const MIN_ADMIN_PASSWORD_LENGTH = 12;

/** True when `value` is base64 for exactly 32 bytes (an AES-256 key). */
export function isMasterKey(value: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
    return false;
  }
  return Buffer.from(value, 'base64').length === 32;
}

function integer(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
) {
  if (raw === undefined || raw.trim() === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
    return fallback;
  }
  return value;
}

function url(name: string, raw: string, protocols: string[], problems: string[]): string {
  try {
    const parsed = new URL(raw);
    if (!protocols.includes(parsed.protocol)) {
      problems.push(`${name} must use ${protocols.join(' or ')}, got "${parsed.protocol}"`);
    }
  } catch {
    // Never echo a database URL: it usually carries a password.
    problems.push(`${name} is not a valid URL`);
  }
  return raw;
}

const MAX_MASTER_KEY_VERSION = 1_000_000;
const PREVIOUS_MASTER_KEYS_FORMAT = 'version:base64 pairs separated by commas, e.g. `1:<old key>`';

/**
 * PBX_M365_PREVIOUS_MASTER_KEYS: `version:base64,version:base64`. Base64 has neither `:` nor `,`, so the format
 * needs no quoting. Problems name the entry by position and version only, never by its key.
 */
function parsePreviousMasterKeys(
  raw: string | undefined,
  currentVersion: number,
  problems: string[],
): Record<number, string> | undefined {
  if (raw === undefined) {
    return undefined;
  }
  const keys: Record<number, string> = {};
  raw.split(',').forEach((entry, index) => {
    const what = `PBX_M365_PREVIOUS_MASTER_KEYS entry ${index + 1}`;
    const match = /^\s*(\d+)\s*:\s*(\S+)\s*$/.exec(entry);
    if (!match?.[1] || !match[2]) {
      problems.push(`${what} is malformed: expected ${PREVIOUS_MASTER_KEYS_FORMAT}`);
      return;
    }
    const version = Number(match[1]);
    if (!Number.isSafeInteger(version) || version < 1 || version > MAX_MASTER_KEY_VERSION) {
      problems.push(`${what} must have a version between 1 and ${MAX_MASTER_KEY_VERSION}`);
    } else if (version === currentVersion) {
      problems.push(
        `${what} has version ${version}, the version of PBX_M365_MASTER_KEY: each master key needs its own version`,
      );
    } else if (keys[version] !== undefined) {
      problems.push(`${what} repeats version ${version}`);
    } else if (!isMasterKey(match[2])) {
      problems.push(`${what} (version ${version}) must be 32 random bytes, base64 encoded`);
    } else {
      keys[version] = match[2];
    }
  });
  return keys;
}

const FLAGS: Record<string, boolean> = {
  true: true,
  '1': true,
  yes: true,
  false: false,
  '0': false,
  no: false,
};

function flag(name: string, raw: string | undefined, fallback: boolean, problems: string[]): boolean {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = FLAGS[raw.trim().toLowerCase()];
  if (value === undefined) problems.push(`${name} must be true or false, got "${raw}"`);
  return value ?? fallback;
}

function nonEmpty(raw: string | undefined): string | undefined {
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

/**
 * Parses and validates the host's environment. Pure: it reads nothing but `env` and `cwd`, so it is unit-tested
 * directly; generating development secrets is a separate step (`ensureDevelopmentSecrets`).
 */
export function parseHostConfig(env: NodeJS.ProcessEnv, cwd: string = process.cwd()): HostConfig {
  const problems: string[] = [];

  // Production unless development is asked for (`npm run start:dev` and the demo set NODE_ENV=development): a
  // host started bare must not write a generated master key beside the database, where every backup holds both.
  const rawEnvironment = nonEmpty(env.NODE_ENV) ?? 'production';
  const environment = ENVIRONMENTS.find((candidate) => candidate === rawEnvironment);
  if (!environment) {
    problems.push(`NODE_ENV must be one of ${ENVIRONMENTS.join(', ')}, got "${rawEnvironment}"`);
  }

  const port = integer('PORT', env.PORT, 3000, 0, 65535, problems);
  const sessionTtlMinutes = integer(
    'PBX_SESSION_TTL_MINUTES',
    env.PBX_SESSION_TTL_MINUTES,
    12 * 60,
    1,
    525600,
    problems,
  );

  const rawDatabaseUrl = nonEmpty(env.DATABASE_URL);
  const databaseUrl =
    rawDatabaseUrl && url('DATABASE_URL', rawDatabaseUrl, ['postgres:', 'postgresql:'], problems);

  const rawDataDir = nonEmpty(env.DATA_DIR) ?? '.data';
  const dataDir = isAbsolute(rawDataDir) ? rawDataDir : resolve(cwd, rawDataDir);

  const publicUrl = url(
    'PBX_PUBLIC_URL',
    (nonEmpty(env.PBX_PUBLIC_URL) ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    ['http:', 'https:'],
    problems,
  );

  const masterKey = nonEmpty(env.PBX_M365_MASTER_KEY);
  if (masterKey !== undefined && !isMasterKey(masterKey)) {
    problems.push(
      'PBX_M365_MASTER_KEY must be 32 random bytes, base64 encoded (e.g. `openssl rand -base64 32`)',
    );
  }
  if (masterKey === undefined && environment === 'production') {
    problems.push(
      'PBX_M365_MASTER_KEY is required (NODE_ENV is production unless set to development): it encrypts the ' +
        'Microsoft 365 secrets at rest. Generate one with `openssl rand -base64 32`, keep it in a secret store ' +
        'apart from the database and its backups, and pass it in PBX_M365_MASTER_KEY',
    );
  }

  const masterKeyVersion = integer(
    'PBX_M365_MASTER_KEY_VERSION',
    env.PBX_M365_MASTER_KEY_VERSION,
    1,
    1,
    MAX_MASTER_KEY_VERSION,
    problems,
  );
  const previousMasterKeys = parsePreviousMasterKeys(
    nonEmpty(env.PBX_M365_PREVIOUS_MASTER_KEYS),
    masterKeyVersion,
    problems,
  );
  const rotating =
    nonEmpty(env.PBX_M365_MASTER_KEY_VERSION) !== undefined || previousMasterKeys !== undefined;
  if (rotating && masterKey === undefined) {
    problems.push(
      'PBX_M365_MASTER_KEY_VERSION and PBX_M365_PREVIOUS_MASTER_KEYS need PBX_M365_MASTER_KEY: set the new master ' +
        'key there, and the old one in PBX_M365_PREVIOUS_MASTER_KEYS',
    );
  }

  const adminPassword = env.PBX_ADMIN_PASSWORD === '' ? undefined : env.PBX_ADMIN_PASSWORD;
  if (adminPassword !== undefined && adminPassword.length < MIN_ADMIN_PASSWORD_LENGTH) {
    problems.push(`PBX_ADMIN_PASSWORD must be at least ${MIN_ADMIN_PASSWORD_LENGTH} characters long`);
  }

  const metricsEnabled = flag('METRICS_ENABLED', env.METRICS_ENABLED, true, problems);
  const metricsToken = nonEmpty(env.METRICS_TOKEN);
  const serverTimingEnabled = flag('SERVER_TIMING_ENABLED', env.SERVER_TIMING_ENABLED, false, problems);
  if (metricsToken !== undefined && !/^[A-Za-z0-9_-]{16,512}$/.test(metricsToken)) {
    // What a bearer token may carry here (as the session tokens); never echoed.
    problems.push(
      'METRICS_TOKEN must be 16 to 512 letters, digits, "-" or "_" (e.g. `openssl rand -hex 32`)',
    );
  }

  const alertsMailTenant = nonEmpty(env.PBX_ALERTS_MAIL_TENANT);
  if (alertsMailTenant !== undefined && !UUID.test(alertsMailTenant)) {
    problems.push(
      `PBX_ALERTS_MAIL_TENANT must be the id (a UUID) of a PBX tenant, got "${alertsMailTenant}"`,
    );
  }

  if (problems.length > 0 || !environment) {
    throw new HostConfigError(problems);
  }
  return {
    environment,
    port,
    ...(databaseUrl ? { databaseUrl } : {}),
    dataDir,
    publicUrl,
    ...(masterKey ? { masterKey } : {}),
    ...(nonEmpty(env.PBX_M365_MASTER_KEY_VERSION) !== undefined ? { masterKeyVersion } : {}),
    ...(previousMasterKeys ? { previousMasterKeys } : {}),
    ...(adminPassword ? { adminPassword } : {}),
    sessionTtlMinutes,
    metricsEnabled,
    ...(metricsToken ? { metricsToken } : {}),
    serverTimingEnabled,
    ...(alertsMailTenant ? { alertsMailTenant: alertsMailTenant.toLowerCase() } : {}),
  };
}
