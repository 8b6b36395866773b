import { type ModuleMetadata } from '@nestjs/common';
import { type ThrottlerStorage } from '@nestjs/throttler';
import { type Clock } from './common/clock';

export interface Microsoft365EndpointOverrides {
  /** Replaces the cloud's login host, e.g. `https://localhost:8443` for the emulator or a corporate gateway. */
  authorityBaseUrl?: string;
  /** Replaces the cloud's Graph host, e.g. `https://localhost:8443`. */
  graphBaseUrl?: string;
}

export interface Microsoft365ModuleOptions {
  /**
   * Master key for secrets at rest (AES-256-GCM): 32 bytes, base64 encoded. The module refuses to start without
   * one unless `environment` is `test` (whose fixed fallback key is public).
   */
  masterKey?: string;
  /**
   * Version of `masterKey` (a positive integer, default 1), stored beside every ciphertext so the key can be
   * rotated: give the new key a higher version and the old one in `previousMasterKeys`.
   */
  masterKeyVersion?: number;
  /**
   * Older master keys by version, still accepted for decryption until `MasterKeyRotationService.rewrapSecrets()`
   * (which the host calls at start-up, after the migrations) has moved every secret to `masterKey`.
   */
  previousMasterKeys?: Record<number, string>;
  /**
   * Send each tenant's certificate in the `x5c` header of the client assertion (MSAL `clientCertificate.x5c`), as
   * Subject Name + Issuer authentication requires. Off by default: the uploaded-certificate flow needs only the
   * thumbprint.
   */
  sendCertificateChain?: boolean;
  environment: 'production' | 'development' | 'test';
  /** The PBX's public base URL; the redirect URIs admins paste into Entra are built from it. */
  publicUrl: string;
  /**
   * The path under which the host mounts this module's controllers (e.g. `/api` with `RouterModule`);
   * part of the redirect URIs, which must match what Entra has character for character.
   */
  routePrefix?: string;
  /** Where SSO callbacks arrive when an SBC fronts the PBX. */
  sbcPublicUrl?: string;
  endpoints?: Microsoft365EndpointOverrides;
  /** Extra certificate authorities (PEM) to trust: the emulator's, or a TLS-inspecting corporate proxy's. */
  trustedCaPem?: string[];
  /** An HTTP(S) proxy for all Microsoft traffic, e.g. `http://proxy.corp:3128`. */
  httpProxy?: string;
  /** Time source; tests pass a controllable clock. */
  clock?: Clock;
  /** "Sign in with Microsoft". */
  sso?: Microsoft365SsoOptions;
  /** Change notifications (webhooks), the polling fallback and calendar presence polling. */
  notifications?: Microsoft365NotificationOptions;
  /** Rate limits of the module's anonymous routes (sign-in, token exchange, change notifications). */
  rateLimits?: Microsoft365RateLimitOptions;
  /**
   * Failure escalation of background features (healthy → degraded → quarantined): consecutive failures that
   * quarantine a feature (default 3) and the waits between attempts while quarantined (default 10 min, 1 h, 6 h,
   * then daily).
   */
  escalation?: { quarantineAfter?: number; retryDelaysMs?: number[] };
  /**
   * The one retry policy's limits (docs/graph-notes.md, README "Running unattended"): attempts of one request
   * (default 6) and retries one sync run may make in all (default 500), so a Graph that keeps failing ends a run
   * with Microsoft's code instead of being waited out request by request.
   */
  retries?: { maxAttempts?: number; retryBudgetPerRun?: number };
  /**
   * Graph requests in flight per PBX tenant for reads that fan out over mailboxes (`$batch` reads such as photos,
   * contacts, calendars), found adaptively between `floor` and `ceiling` from `start` (defaults 4, 8, 64; README
   * "Options"); never more than 4 at once per mailbox, Outlook's limit.
   */
  graphConcurrency?: { floor?: number; start?: number; ceiling?: number };
  /**
   * Background work on the job engine (pg-boss, in the host's PostgreSQL; README "Many PBX instances"): every
   * scheduled, notified, retried or admin-started sync run is a job that exactly one instance runs.
   */
  jobs?: Microsoft365JobOptions;
}

export interface Microsoft365JobOptions {
  /** Sync runs one instance executes at once, all kinds and tenants together (default 2, for 2 cores). */
  concurrency?: number;
  /** PostgreSQL schema of pg-boss's tables (default `microsoft365_jobs`). */
  schema?: string;
  /**
   * Scheduled runs of one slot (say 00:00) start within this many seconds after it, each tenant at its own fixed
   * offset shown as its next run (default 300; 0 starts every tenant on the minute).
   */
  spreadSeconds?: number;
  /** A run whose instance stopped is retried by another instance after this long (default 900). */
  expireSeconds?: number;
  /** How often an idle instance asks for work (default 2; at least 0.5). */
  pollingIntervalSeconds?: number;
  /** How often expired jobs are found and finished jobs archived (default 60). */
  maintenanceIntervalSeconds?: number;
  /** On shutdown, how long running jobs may take to finish before they are handed back (default 30). */
  drainTimeoutSeconds?: number;
}

/** Requests per client address and window; a client over the limit gets 429 with `Retry-After`. */
export interface Microsoft365RateLimit {
  limit: number;
  windowSeconds: number;
}

export interface Microsoft365RateLimitOptions {
  /** `GET .../sso/login`; default 30 per minute. */
  signIn?: Microsoft365RateLimit;
  /**
   * Sign-in callbacks that fail (unknown, used or foreign state, a code Entra refuses, a refused account); default 10
   * per minute. A callback that signs someone in is not counted: each needs a state from a login, which `signIn`
   * limits, and a state works once.
   */
  signInFailures?: Microsoft365RateLimit;
  /** The code exchanges `POST .../sso/token` and `.../sso/app/token`; default 10 per minute. */
  codeExchange?: Microsoft365RateLimit;
  /** Graph's change notification posts, per source address; default 600 per minute. */
  notifications?: Microsoft365RateLimit;
  /**
   * Where hits are counted; default: a table in the module's PostgreSQL database, so that the limits hold across
   * all instances of the PBX. A host with Redis or its own store passes a `ThrottlerStorage` of `@nestjs/throttler`.
   */
  storage?: ThrottlerStorage;
}

export interface Microsoft365NotificationOptions {
  /**
   * Where Microsoft posts change notifications, when it differs from `publicUrl` (e.g. a webhook relay); `routePrefix`
   * and `/microsoft365/notifications` are appended. Must be https, except on loopback outside production.
   */
  publicUrl?: string;
  /**
   * A notification after a quiet window starts its run at once; those arriving within this window of the last one
   * (or while its run goes) fold into one run at the end of the window. Default 5 s.
   */
  debounceMs?: number;
  /**
   * How often subscriptions are renewed, fallback runs started and calendars polled (each on its own due time,
   * measured with the module's clock); default 30 s (0 in the `test` environment), 0 = never: tests call `tick()`.
   */
  tickSeconds?: number;
  /** Requests subscriptions shorter than Graph's maximum lifetimes (minutes); for tests and for cautious hosts. */
  maxSubscriptionLifetimeMinutes?: number;
  /**
   * Minutes without any change notification (for users and groups) after which the tenant also polls at its fallback
   * interval, although its subscriptions look healthy: Graph may stop delivering without an error. Default 10.
   */
  quietPeriodMinutes?: number;
}

export interface Microsoft365SsoOptions {
  /**
   * The web portal, where a successful sign-in lands with a one-time code in the URL fragment (`#sso_code=...`),
   * which the portal exchanges for the session with `POST .../microsoft365/sso/token` from the same browser;
   * default: the origin of `publicUrl`.
   */
  portalUrl?: string;
  /** Sign-ins of one tenant that may wait for Microsoft's answer at the same time; default 1000. */
  maxPendingSignIns?: number;
}

export interface Microsoft365ModuleExtras {
  /** A module that exports the providers for the port tokens (PBX_DIRECTORY, PBX_CONTACTS, ...). */
  portsModule?: NonNullable<ModuleMetadata['imports']>[number];
}
