export * from '@pbx/microsoft365/ports';
export { type Clock, systemClock } from '@pbx/microsoft365/common/clock';
export { Microsoft365ErrorCode } from '@pbx/microsoft365/common/microsoft365-error-code';
export { httpStatusFor } from '@pbx/microsoft365/common/microsoft365-exception.filter';
export {
  Microsoft365Exception,
  type MicrosoftErrorDetails,
} from '@pbx/microsoft365/common/microsoft365.exception';
export { IsOmittable } from '@pbx/microsoft365/common/is-omittable.decorator';
export { createValidationPipe, type FieldError } from '@pbx/microsoft365/common/validation.pipe';
export { type Microsoft365Event } from '@pbx/microsoft365/events/microsoft365-event';
export { Microsoft365Events } from '@pbx/microsoft365/events/microsoft365-events.service';
export { ExpiryWarningLevel } from '@pbx/microsoft365/keys/key-pair-status';
export {
  type MasterKeyRewrapReport,
  MasterKeyRotationService,
} from '@pbx/microsoft365/keys/master-key-rotation.service';
export { GraphMailService } from '@pbx/microsoft365/mail/graph-mail.service';
export {
  type GraphMailMessage,
  type GraphMailReceipt,
  type MailAttachmentInput,
  type MailRecipientInput,
} from '@pbx/microsoft365/mail/graph-mail-message';
export { GraphMailTransport, type GraphMailSentInfo } from '@pbx/microsoft365/mail/graph-mail.transport';
export {
  type CallParty,
  type MissedCallNotification,
  type VoicemailNotification,
  missedCallNotification,
  voicemailNotification,
} from '@pbx/microsoft365/mail/mail-notifications';
export { microsoft365Entities } from '@pbx/microsoft365/microsoft365.entities';
export {
  type Microsoft365EndpointOverrides,
  type Microsoft365ModuleOptions,
  type Microsoft365NotificationOptions,
  type Microsoft365SsoOptions,
} from '@pbx/microsoft365/microsoft365-module-options';
export { Microsoft365Module } from '@pbx/microsoft365/microsoft365.module';
export { MICROSOFT365_MIGRATIONS_TABLE, microsoft365Migrations } from '@pbx/microsoft365/migrations';
export { Microsoft365Cloud } from '@pbx/microsoft365/settings/microsoft365-cloud';
export { SYSTEM_SCOPE } from '@pbx/microsoft365/settings/tenant-settings.entity';
export {
  MICROSOFT365_ACCOUNT_LINKS,
  type Microsoft365AccountLinks,
} from '@pbx/microsoft365/sso/microsoft-account.resolver';
export { MICROSOFT365_STRATEGY } from '@pbx/microsoft365/sso/microsoft365.strategy';
export { SsoError, SsoErrorCode } from '@pbx/microsoft365/sso/sso-error';
export { type Microsoft365SignIn } from '@pbx/microsoft365/sso/sso-flow.service';
export { SignInScope } from '@pbx/microsoft365/sso/sign-in-rules';
