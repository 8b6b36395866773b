export * from './ports';
export { type Clock, systemClock } from './common/clock';
export { Microsoft365ErrorCode } from './common/microsoft365-error-code';
export { type ErrorAnswer, MICROSOFT365_REQUEST_BODY_LIMIT } from './common/http-error-answer';
export { httpStatusFor } from './common/microsoft365-exception.filter';
export { Microsoft365RequestErrorFilter } from './common/microsoft365-request-error.filter';
export { Microsoft365Exception, type MicrosoftErrorDetails } from './common/microsoft365.exception';
export { IsOmittable } from './common/is-omittable.decorator';
export { createValidationPipe, type FieldError } from './common/validation.pipe';
export { type Microsoft365Event } from './events/microsoft365-event';
export { Microsoft365Events } from './events/microsoft365-events.service';
export { HealthFeature, HealthState } from './health/feature-health';
export { type HealthFailure } from './health/feature-health.entity';
export { ExpiryWarningLevel } from './keys/key-pair-status';
export {
  type MasterKeyRewrapReport,
  MasterKeyRotationService,
  type MasterKeySecretKind,
  type MasterKeyUnreadableReason,
  type MasterKeyUnreadableSecret,
} from './keys/master-key-rotation.service';
export { GraphMailService } from './mail/graph-mail.service';
export {
  type GraphMailMessage,
  type GraphMailReceipt,
  type MailAttachmentInput,
  type MailRecipientInput,
} from './mail/graph-mail-message';
export { GraphMailTransport, type GraphMailSentInfo } from './mail/graph-mail.transport';
export {
  type CallParty,
  type MissedCallNotification,
  type VoicemailNotification,
  missedCallNotification,
  voicemailNotification,
} from './mail/mail-notifications';
export { microsoft365Entities } from './microsoft365.entities';
export {
  type Microsoft365EndpointOverrides,
  type Microsoft365ModuleOptions,
  type Microsoft365NotificationOptions,
  type Microsoft365SsoOptions,
} from './microsoft365-module-options';
export { Microsoft365Module } from './microsoft365.module';
export { MICROSOFT365_MIGRATIONS_TABLE, microsoft365Migrations } from './migrations';
export { runMicrosoft365Migrations } from './migrations/run-microsoft365-migrations';
export { Microsoft365Cloud } from './settings/microsoft365-cloud';
export { SYSTEM_SCOPE } from './settings/tenant-settings.entity';
export { MICROSOFT365_ACCOUNT_LINKS, type Microsoft365AccountLinks } from './sso/microsoft-account.resolver';
export { MICROSOFT365_STRATEGY } from './sso/microsoft365-strategy.name';
export { SsoError, SsoErrorCode } from './sso/sso-error';
export { type Microsoft365SignIn } from './sso/sso-flow.service';
export { SignInScope } from './sso/sign-in-rules';
export { TeamsPresenceService, type TeamsPresenceOutcome } from './teams-presence/teams-presence.service';
