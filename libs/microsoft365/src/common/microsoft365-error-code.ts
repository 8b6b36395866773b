/** Every failure the module reports carries one of these codes; the exception filter maps each to an HTTP status. */
export enum Microsoft365ErrorCode {
  /** The request itself is malformed: a field (named in `errors`), a path parameter, or a body that is not JSON. */
  InvalidInput = 'INVALID_INPUT',
  /** The request body is larger than the PBX accepts (see `MICROSOFT365_REQUEST_BODY_LIMIT`). */
  RequestTooLarge = 'REQUEST_TOO_LARGE',
  /** The request body is not of a media type (or charset) the route reads. */
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  /** The caller has no valid PBX session. */
  Unauthenticated = 'UNAUTHENTICATED',
  /** The caller may not administer this PBX tenant. */
  Forbidden = 'FORBIDDEN',
  NotFound = 'NOT_FOUND',
  /** The PBX offers no such feature: the host did not provide the port it needs (e.g. `PBX_GROUPS`). */
  FeatureUnavailable = 'FEATURE_UNAVAILABLE',
  /** The request conflicts with the current state (e.g. a sync is already running). */
  Conflict = 'CONFLICT',
  /** The tenant has no Microsoft 365 configuration yet, or it is incomplete. */
  NotConfigured = 'NOT_CONFIGURED',
  /** The integration is switched off for this tenant. */
  Disabled = 'DISABLED',
  /** Entra does not know the directory (tenant) id (AADSTS90002). */
  DirectoryNotFound = 'DIRECTORY_NOT_FOUND',
  /** Entra does not know the application (client) id in that directory (AADSTS700016). */
  ApplicationNotFound = 'APPLICATION_NOT_FOUND',
  /** The app registration has no certificate matching our key (AADSTS700027, key not found). */
  CertificateNotRegistered = 'CERTIFICATE_NOT_REGISTERED',
  /** The certificate registered in Entra has expired (AADSTS700027, key expired). */
  CertificateExpired = 'CERTIFICATE_EXPIRED',
  /** Any other refusal of the token endpoint. */
  AuthenticationFailed = 'AUTHENTICATION_FAILED',
  /** The app lacks an application permission (Graph 403). */
  PermissionMissing = 'PERMISSION_MISSING',
  /** The mailbox has no Exchange Online licence, or is on-premises (MailboxNotEnabledForRESTAPI). */
  MailboxNotEnabled = 'MAILBOX_NOT_ENABLED',
  /** Graph kept answering 429 after every retry. */
  Throttled = 'THROTTLED',
  /** Graph or Entra answered 5xx, or the network failed, after every retry. */
  Unavailable = 'UNAVAILABLE',
  /** A delta link is no longer valid (410); the caller starts a full pass. */
  DeltaExpired = 'DELTA_EXPIRED',
  /** Graph does not know the requested object. */
  GraphNotFound = 'GRAPH_NOT_FOUND',
  /** Graph refused the request as malformed, or answered something we do not understand. */
  GraphRequestFailed = 'GRAPH_REQUEST_FAILED',
  /** A mail the host asked to send is malformed (no recipient, bad address, too many recipients, bad header). */
  MailMessageInvalid = 'MAIL_MESSAGE_INVALID',
  /** A mail or attachment is over Graph's limit (150 MB) or the mailbox's maximum message size. */
  MailMessageTooLarge = 'MAIL_MESSAGE_TOO_LARGE',
  /** Too many requests from one client address to an anonymous route (sign-in, code exchange, notifications). */
  RateLimited = 'RATE_LIMITED',
  /**
   * A background feature failed too often and waits for its next attempt (failure escalation); scheduled and
   * notification-driven runs are not started until then.
   */
  Quarantined = 'QUARANTINED',
  /** A bug or an unexpected state on our side. */
  Internal = 'INTERNAL',
}
