/**
 * Why a "Sign in with Microsoft" attempt was refused. The codes are shown to users on the error page and given to
 * apps as `error`, so support can tell at a glance what to fix; none of them reveals a token or a code.
 */
export enum SsoErrorCode {
  /** No PBX tenant with that id or SIP domain, or no sign-in scope given. */
  UnknownTenant = 'SSO_UNKNOWN_TENANT',
  /** Microsoft 365 or single sign-on is not configured or switched off for the tenant. */
  NotConfigured = 'SSO_NOT_CONFIGURED',
  /** The request to start a sign-in is malformed (bad client, missing PKCE challenge, ...). */
  InvalidRequest = 'SSO_INVALID_REQUEST',
  /** The app's redirect URI is not registered in the tenant's SSO settings. */
  RedirectUriNotRegistered = 'SSO_REDIRECT_URI_NOT_REGISTERED',
  /** The callback's state is missing, unknown, expired, already used, or belongs to another browser. */
  InvalidState = 'SSO_INVALID_STATE',
  /** Microsoft's ID token failed validation (signature, issuer, audience, directory, lifetime, nonce). */
  InvalidToken = 'SSO_INVALID_TOKEN',
  /** Microsoft refused to issue tokens for the code (replayed or expired code, wrong PKCE verifier, ...). */
  SignInFailed = 'SSO_SIGN_IN_FAILED',
  /** The user cancelled at Microsoft. */
  Cancelled = 'SSO_CANCELLED',
  /** Nobody consented to the app's sign-in permissions in Entra. */
  ConsentMissing = 'SSO_CONSENT_MISSING',
  /** The Microsoft account is not linked to a PBX user (not synced). */
  UserNotFound = 'SSO_USER_NOT_FOUND',
  /** The PBX user is disabled. */
  UserDisabled = 'SSO_USER_DISABLED',
  /** The tenant's sign-in rules do not let this user sign in (with this role, on this client). */
  NotAllowed = 'SSO_NOT_ALLOWED',
  /** The app's one-time code is unknown, expired, used, or its PKCE verifier does not match. */
  InvalidAppCode = 'SSO_INVALID_APP_CODE',
  /** The portal's one-time code is unknown, expired, used, or was started in another browser. */
  InvalidCode = 'SSO_INVALID_CODE',
  /** Too many sign-ins of the tenant are waiting for Microsoft's answer (a flood of login requests). */
  TooManySignIns = 'SSO_TOO_MANY_SIGN_INS',
  /** Microsoft could not be reached, or something unexpected happened on our side. */
  Unavailable = 'SSO_UNAVAILABLE',
}

const STATUS: Record<SsoErrorCode, number> = {
  [SsoErrorCode.UnknownTenant]: 404,
  [SsoErrorCode.NotConfigured]: 409,
  [SsoErrorCode.InvalidRequest]: 400,
  [SsoErrorCode.RedirectUriNotRegistered]: 400,
  [SsoErrorCode.InvalidState]: 400,
  [SsoErrorCode.InvalidToken]: 401,
  [SsoErrorCode.SignInFailed]: 401,
  [SsoErrorCode.Cancelled]: 401,
  [SsoErrorCode.ConsentMissing]: 403,
  [SsoErrorCode.UserNotFound]: 403,
  [SsoErrorCode.UserDisabled]: 403,
  [SsoErrorCode.NotAllowed]: 403,
  [SsoErrorCode.InvalidAppCode]: 400,
  [SsoErrorCode.InvalidCode]: 400,
  [SsoErrorCode.TooManySignIns]: 429,
  [SsoErrorCode.Unavailable]: 503,
};

/** What the user reads on the error page; written for end users, not admins. */
const USER_MESSAGES: Record<SsoErrorCode, string> = {
  [SsoErrorCode.UnknownTenant]: 'This PBX does not know the organisation you are signing in to.',
  [SsoErrorCode.NotConfigured]:
    'Sign in with Microsoft is not set up for your organisation. Ask your PBX administrator.',
  [SsoErrorCode.InvalidRequest]: 'The sign-in request is incomplete. Start again from the login page.',
  [SsoErrorCode.RedirectUriNotRegistered]:
    'This app is not registered for Sign in with Microsoft on this PBX. Ask your PBX administrator.',
  [SsoErrorCode.InvalidState]:
    'This sign-in has expired or was already used. Start again from the login page in the same browser.',
  [SsoErrorCode.InvalidToken]: 'Microsoft’s answer could not be verified. Start again from the login page.',
  [SsoErrorCode.SignInFailed]: 'Microsoft did not complete the sign-in. Start again from the login page.',
  [SsoErrorCode.Cancelled]: 'The sign-in was cancelled.',
  [SsoErrorCode.ConsentMissing]:
    'Your organisation has not approved this PBX for Sign in with Microsoft yet. Ask your Microsoft 365 administrator to grant consent.',
  [SsoErrorCode.UserNotFound]:
    'Your Microsoft account is not linked to a PBX user yet (it may not have been synced). Ask your PBX administrator.',
  [SsoErrorCode.UserDisabled]: 'Your PBX user is disabled. Ask your PBX administrator.',
  [SsoErrorCode.NotAllowed]:
    'Your organisation does not allow you to sign in with Microsoft here. Ask your PBX administrator.',
  [SsoErrorCode.InvalidAppCode]: 'The sign-in code is invalid or expired. Start again from the app.',
  [SsoErrorCode.InvalidCode]: 'The sign-in code is invalid or expired. Start again from the login page.',
  [SsoErrorCode.TooManySignIns]:
    'Too many sign-ins are in progress for your organisation. Try again in a minute.',
  [SsoErrorCode.Unavailable]: 'Microsoft could not be reached. Try again in a moment.',
};

export class SsoError extends Error {
  readonly status: number;

  /**
   * @param detail for the log only (never shown, never a token): which check failed.
   * @param appRedirect where an app's sign-in goes back to with the error, once the app is known to be registered.
   */
  constructor(
    readonly code: SsoErrorCode,
    readonly detail?: string,
    readonly appRedirect?: string,
  ) {
    super(USER_MESSAGES[code]);
    this.name = 'SsoError';
    this.status = STATUS[code];
  }

  withAppRedirect(appRedirect: string | undefined): SsoError {
    return appRedirect ? new SsoError(this.code, this.detail, appRedirect) : this;
  }
}

/** The SsoError for an error Entra sent to the callback instead of a code (the AADSTS number kept for support). */
export function entraCallbackError(error: string, description: string | undefined): SsoError {
  const aadsts = /AADSTS(\d+)/.exec(description ?? '')?.[1];
  const detail = `Entra answered ${error}${aadsts ? ` (AADSTS${aadsts})` : ''}`;
  if (error === 'consent_required' || aadsts === '65001' || aadsts === '65004') {
    return new SsoError(SsoErrorCode.ConsentMissing, detail);
  }
  if (error === 'access_denied') return new SsoError(SsoErrorCode.Cancelled, detail);
  if (error === 'temporarily_unavailable' || error === 'server_error') {
    return new SsoError(SsoErrorCode.Unavailable, detail);
  }
  return new SsoError(SsoErrorCode.SignInFailed, detail);
}
