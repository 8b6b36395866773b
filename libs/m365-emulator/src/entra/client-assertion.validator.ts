import type { EmulatorClock } from '../core/emulator.clock';
import { AadstsError } from './aadsts.error';
import { decodeJwt, numberClaim, stringClaim, verifyJwtSignature } from './jwt.codec';
import type { AppRegistration } from '../state/app-registration';
import type { KeyCredential } from '../state/key-credential';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Entra tolerates 5 minutes of clock skew on nbf/exp; MSAL reuses an assertion right up to its exp (§1.3). */
const CLOCK_SKEW_SECONDS = 300;
/** The largest time a JavaScript Date holds; claims beyond it are printed as plain numbers. */
const MAX_DATE_MS = 8.64e15;

export interface AssertionContext {
  readonly app: AppRegistration;
  readonly form: URLSearchParams;
  /** Every URL the assertion `aud` may name: this tenant's token endpoint under each of its aliases. */
  readonly acceptedAudiences: readonly string[];
}

/**
 * Validates certificate client assertions the way Entra documents it (docs/graph-notes.md §1.2, §1.3, §1.6).
 * jti reuse is deliberately allowed: MSAL caches one signed assertion for its whole 10-minute life.
 */
export class ClientAssertionValidator {
  constructor(private readonly clock: EmulatorClock) {}

  validate(context: AssertionContext): KeyCredential {
    const { app, form } = context;
    const assertion = form.get('client_assertion');
    if (!assertion) {
      throw new AadstsError(
        'invalid_client',
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      );
    }
    const assertionType = form.get('client_assertion_type');
    if (!assertionType) {
      throw new AadstsError(
        'invalid_request',
        900144,
        "The request body must contain the following parameter: 'client_assertion_type'.",
      );
    }
    if (assertionType !== JWT_BEARER) {
      throw new AadstsError(
        'invalid_request',
        50027,
        `Invalid JWT token. Unsupported client_assertion_type '${assertionType}'.`,
      );
    }
    const jwt = decodeJwt(assertion);
    if (!jwt) throw new AadstsError('invalid_client', 50027, 'JWT token is invalid or malformed.');

    const algorithm = stringClaim(jwt.header, 'alg');
    if (algorithm !== 'RS256' && algorithm !== 'PS256') {
      throw new AadstsError(
        'invalid_client',
        5002738,
        `Invalid JWT token. '${algorithm ?? 'none'}' is not a supported signature algorithm. Supported signing algorithms are: 'RS256,RS384,RS512,PS256,PS384,PS512'`,
      );
    }
    const key = this.findKey(app, jwt.header);

    const issuer = stringClaim(jwt.payload, 'iss');
    const subject = stringClaim(jwt.payload, 'sub');
    if (issuer?.toLowerCase() !== app.clientId || subject?.toLowerCase() !== app.clientId) {
      throw new AadstsError(
        'invalid_client',
        700021,
        "Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://docs.microsoft.com/en-us/azure/active-directory/develop/active-directory-certificate-credentials .",
      );
    }
    const audience = this.audienceOf(jwt.payload);
    const accepted = context.acceptedAudiences.map((url) => url.toLowerCase());
    if (!audience.some((aud) => accepted.includes(aud.toLowerCase()))) {
      // Entra's code and wording for an assertion addressed to another token endpoint (MSAL.NET issue #2746;
      // older answers carried the same text under 50012). 700212 is the federated-credential audience error.
      throw new AadstsError(
        'invalid_client',
        700023,
        'Client assertion audience claim does not match Realm issuer. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .',
      );
    }

    const nowMs = this.clock.now();
    if (key.endDateTime.getTime() < nowMs) {
      throw this.signatureError(
        app,
        key.thumbprintSha1Hex,
        `The key used is expired., Found key 'Start=${this.formatKeyDate(key.startDateTime)}, End=${this.formatKeyDate(key.endDateTime)}'`,
      );
    }
    if (key.startDateTime.getTime() > nowMs) {
      throw this.signatureError(
        app,
        key.thumbprintSha1Hex,
        `The key used is not yet valid., Found key 'Start=${this.formatKeyDate(key.startDateTime)}, End=${this.formatKeyDate(key.endDateTime)}'`,
      );
    }
    if (!verifyJwtSignature(algorithm, jwt, key.publicKey)) {
      throw this.signatureError(
        app,
        key.thumbprintSha1Hex,
        'Key was found, but use of the key to verify the signature failed.',
      );
    }
    this.checkLifetime(jwt.payload);
    return key;
  }

  private findKey(app: AppRegistration, header: Record<string, unknown>): KeyCredential {
    const sha256 = stringClaim(header, 'x5t#S256');
    const sha1 = stringClaim(header, 'x5t');
    if (!sha256 && !sha1) {
      throw new AadstsError(
        'invalid_client',
        50027,
        'Invalid JWT token. No certificate thumbprint specified in token header.',
      );
    }
    const sha256Hex = sha256 ? Buffer.from(sha256, 'base64url').toString('hex').toUpperCase() : undefined;
    const sha1Hex = sha1 ? Buffer.from(sha1, 'base64url').toString('hex').toUpperCase() : undefined;
    const key = sha256Hex ? app.findKeyBySha256(sha256Hex) : sha1Hex ? app.findKeyBySha1(sha1Hex) : undefined;
    if (!key) throw this.signatureError(app, sha1Hex ?? sha256Hex ?? '', 'The key was not found.');
    return key;
  }

  /**
   * exp is required; nbf (or iat when nbf is absent) must not lie in the future. Both get Entra's 5 minutes of
   * clock skew: an assertion 4 minutes past its exp still works, 6 minutes past it does not.
   */
  private checkLifetime(payload: Record<string, unknown>): void {
    const nowMs = this.clock.now();
    const now = nowMs / 1000;
    const exp = numberClaim(payload, 'exp');
    const nbf = numberClaim(payload, 'nbf') ?? numberClaim(payload, 'iat');
    const invalid =
      exp === undefined ||
      exp + CLOCK_SKEW_SECONDS < now ||
      (nbf !== undefined && nbf - CLOCK_SKEW_SECONDS > now);
    if (!invalid) return;
    // Entra prints these as .NET round-trip times, and a missing bound as the epoch, e.g. "assertion valid
    // from 1970-01-01T00:00:00.0000000Z" (MSAL.NET issue #4951, MSAL Java issue #984).
    const format = (ms: number): string =>
      Math.abs(ms) <= MAX_DATE_MS
        ? new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z')
        : String(ms / 1000);
    throw new AadstsError(
      'invalid_client',
      700024,
      `Client assertion is not within its valid time range. Current time: ${format(nowMs)}, assertion valid from ${format((nbf ?? 0) * 1000)}, expiry time of assertion ${format((exp ?? 0) * 1000)}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`,
    );
  }

  private audienceOf(payload: Record<string, unknown>): string[] {
    const aud = payload['aud'];
    if (typeof aud === 'string') return [aud];
    if (Array.isArray(aud)) return aud.filter((item): item is string => typeof item === 'string');
    return [];
  }

  private signatureError(app: AppRegistration, thumbprintHex: string, reason: string): AadstsError {
    return new AadstsError(
      'invalid_client',
      700027,
      `Client assertion failed signature validation. [Reason - ${reason}, Thumbprint of key used by client: '${thumbprintHex}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.clientId}'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/${app.clientId}']`,
    );
  }

  private formatKeyDate(date: Date): string {
    return date
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d{3}Z$/, 'Z');
  }
}
