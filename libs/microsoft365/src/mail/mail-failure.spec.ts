import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { toMicrosoft365Exception } from '../graph/parse-microsoft-error';
import { deliveryAfter, explainMailFailure } from './mail-failure';

const graph = (status: number, code?: string) =>
  toMicrosoft365Exception({ source: 'graph', status, code, requestId: 'req-1' });
const sender = 'pbx@contoso.com';

describe('explainMailFailure', () => {
  it('names the missing Mail.Send permission and where to grant it', () => {
    const error = explainMailFailure(graph(403, 'ErrorAccessDenied'), {
      sender,
      step: 'sendMail',
      grantedRoles: ['User.Read.All'],
    });
    expect(error).toMatchObject({
      code: Microsoft365ErrorCode.PermissionMissing,
      microsoft: { status: 403, code: 'ErrorAccessDenied', requestId: 'req-1' },
      details: { sender, step: 'sendMail', delivery: 'not-sent' },
    });
    expect(error.message).toContain('Mail.Send');
    expect(error.action).toContain('Application permissions → Mail.Send');
    expect(error.action).toContain('Grant admin consent');
  });

  it('asks for Mail.ReadWrite when a draft or upload session is refused', () => {
    const error = explainMailFailure(graph(403, 'ErrorAccessDenied'), {
      sender,
      step: 'createDraft',
      grantedRoles: ['Mail.Send'],
    });
    expect(error.message).toContain('Mail.ReadWrite');
    expect(error.action).toContain('→ Mail.ReadWrite');
  });

  it('blames an application access policy when the permission is granted', () => {
    const error = explainMailFailure(graph(403, 'ErrorAccessDenied'), {
      sender,
      step: 'sendMail',
      grantedRoles: ['mail.send'],
    });
    expect(error.code).toBe(Microsoft365ErrorCode.PermissionMissing);
    expect(error.action).toContain('application access policy');
  });

  it('explains unknown and unlicensed mailboxes', () => {
    expect(explainMailFailure(graph(404, 'ErrorInvalidUser'), { sender, step: 'sendMail' })).toMatchObject({
      code: Microsoft365ErrorCode.GraphNotFound,
      message: `The sending mailbox ${sender} does not exist in the Microsoft 365 tenant`,
    });
    const unlicensed = explainMailFailure(graph(404, 'MailboxNotEnabledForRESTAPI'), {
      sender,
      step: 'createDraft',
    });
    expect(unlicensed.code).toBe(Microsoft365ErrorCode.MailboxNotEnabled);
    expect(unlicensed.action).toContain('shared mailbox');
  });

  it('maps size refusals, invalid recipients and persistent throttling', () => {
    expect(explainMailFailure(graph(413, 'RequestEntityTooLarge'), { sender, step: 'sendMail' }).code).toBe(
      Microsoft365ErrorCode.MailMessageTooLarge,
    );
    expect(
      explainMailFailure(graph(400, 'ErrorMessageSizeExceeded'), { sender, step: 'createUploadSession' })
        .code,
    ).toBe(Microsoft365ErrorCode.MailMessageTooLarge);
    expect(explainMailFailure(graph(400, 'ErrorInvalidRecipients'), { sender, step: 'send' }).code).toBe(
      Microsoft365ErrorCode.MailMessageInvalid,
    );
    const throttled = explainMailFailure(graph(429, 'ApplicationThrottled'), { sender, step: 'sendMail' });
    expect(throttled).toMatchObject({
      code: Microsoft365ErrorCode.Throttled,
      details: { delivery: 'not-sent' },
    });
  });

  it('says when the mail may have gone out, and does not claim it did otherwise', () => {
    const lost = explainMailFailure(graph(504, 'GatewayTimeout'), { sender, step: 'send' });
    expect(lost).toMatchObject({ code: Microsoft365ErrorCode.Unavailable, details: { delivery: 'unknown' } });
    expect(lost.message).toContain('may or may not have been sent');
    expect(explainMailFailure(graph(500), { sender, step: 'upload' }).details).toMatchObject({
      delivery: 'not-sent',
    });
  });

  it('passes configuration errors through and wraps anything unexpected', () => {
    const disabled = new Microsoft365Exception(Microsoft365ErrorCode.Disabled, 'off', {
      action: 'switch on',
    });
    expect(explainMailFailure(disabled, { sender, step: 'sendMail' })).toMatchObject({
      code: Microsoft365ErrorCode.Disabled,
      action: 'switch on',
    });
    expect(explainMailFailure(new TypeError('boom'), { sender, step: 'send' })).toMatchObject({
      code: Microsoft365ErrorCode.Internal,
      details: { delivery: 'unknown' },
    });
  });
});

describe('deliveryAfter', () => {
  it('only the delivering requests can leave the outcome unknown', () => {
    const transport = (networkCode: string, timedOut = false) =>
      toMicrosoft365Exception({ source: 'graph', networkCode, timedOut });
    expect(deliveryAfter(graph(503), 'sendMail')).toBe('not-sent');
    expect(deliveryAfter(graph(502), 'sendMail')).toBe('unknown');
    expect(deliveryAfter(graph(502), 'createDraft')).toBe('not-sent');
    expect(deliveryAfter(transport('ECONNREFUSED'), 'send')).toBe('not-sent');
    expect(deliveryAfter(transport('TIMEOUT', true), 'send')).toBe('unknown');
    expect(deliveryAfter(transport('ECONNRESET'), 'sendMail')).toBe('unknown');
  });
});
