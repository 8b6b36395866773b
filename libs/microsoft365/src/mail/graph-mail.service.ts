import { Inject, Injectable, Logger } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { GraphApi, type GraphTarget } from '../graph/graph-api.service';
import { GRAPH_RESILIENCE_SETTINGS } from '../graph/graph-client.provider';
import { withGraphFeature } from '../graph/graph-meter';
import { type ResilienceSettings } from '../graph/resilience.middleware';
import { TenantTokenService } from '../graph/tenant-token.service';
import { AttachmentUploadClient } from './attachment-upload.client';
import { GraphMailTransport } from './graph-mail.transport';
import { type GraphMailMessage, type GraphMailReceipt } from './graph-mail-message';
import {
  attachmentItemJson,
  fileAttachmentJson,
  graphMessageJson,
  prepareMail,
  type PreparedMail,
} from './graph-message-payload';
import { type DeliveryPlan, planDelivery } from './mail-delivery-plan';
import { explainMailFailure, type MailStep } from './mail-failure';
import { MAIL_LIMITS } from './mail-limits';
import { type MailSender, MailSettingsService } from './mail-settings.service';
import { MailboxSendLimiter } from './mailbox-send-limiter';

/**
 * Sends a PBX tenant's mail (voicemail, missed calls, system notices) through Microsoft Graph from the tenant's
 * configured mailbox, without SMTP.
 *
 * Small messages are one `sendMail`; larger ones a draft with attachments added one by one or uploaded in
 * chunks, then `send`. A message is never sent twice: only the last request delivers, and it is repeated only
 * after 429 or 503, which Graph answers before doing anything. Any other failure there is reported with
 * `details.delivery: 'unknown'`; failures earlier leave at most an unsent draft (`delivery: 'not-sent'`) and the
 * whole message may be sent again.
 */
@Injectable()
export class GraphMailService {
  private readonly logger = new Logger(GraphMailService.name);
  private readonly limiter: MailboxSendLimiter;

  constructor(
    private readonly graph: GraphApi,
    private readonly uploads: AttachmentUploadClient,
    private readonly settings: MailSettingsService,
    private readonly tokens: TenantTokenService,
    @Inject(GRAPH_RESILIENCE_SETTINGS) resilience: ResilienceSettings,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.limiter = new MailboxSendLimiter(
      {
        concurrent: MAIL_LIMITS.concurrentSendsPerMailbox,
        perMinute: MAIL_LIMITS.messagesPerMinutePerMailbox,
      },
      clock,
      (ms) => resilience.sleep(ms),
    );
  }

  /**
   * Sends `message` from the tenant's mailbox. Throws Microsoft365Exception: `MAIL_MESSAGE_INVALID` /
   * `MAIL_MESSAGE_TOO_LARGE` before anything is sent, `DISABLED` / `NOT_CONFIGURED` when mail is not set up,
   * and Microsoft's refusals with an `action` for the admin and `details.delivery`.
   */
  async send(pbxTenantId: string, message: GraphMailMessage): Promise<GraphMailReceipt> {
    const sender = await this.settings.requireSender(pbxTenantId);
    return withGraphFeature('mail', () => this.sendAs(sender, message));
  }

  /** A nodemailer transport sending as this tenant: `nodemailer.createTransport(graphMail.nodemailerTransport(id))`. */
  nodemailerTransport(pbxTenantId: string): GraphMailTransport {
    return new GraphMailTransport(this, pbxTenantId);
  }

  /** What the admin's "send test mail" uses: works before mail is switched on. */
  async sendTest(pbxTenantId: string, message: GraphMailMessage): Promise<GraphMailReceipt> {
    const sender = await this.settings.requireSender(pbxTenantId, { allowSwitchedOff: true });
    return withGraphFeature('mail', () => this.sendAs(sender, message));
  }

  private async sendAs(sender: MailSender, message: GraphMailMessage): Promise<GraphMailReceipt> {
    const mail = prepareMail(message);
    const saveToSentItems = message.saveToSentItems ?? sender.saveToSentItems;
    const plan = planDelivery(mail, { deleteAfterSubmit: !saveToSentItems });
    const target: GraphTarget = { pbxTenantId: sender.pbxTenantId, cloud: sender.cloud };
    // Token problems (certificate, consent) surface here, before any request that could deliver.
    const roles = (await this.tokens.getToken(sender.pbxTenantId)).roles;
    const release = await this.limiter.acquire(`${sender.directoryId}|${sender.sender}`);
    const progress: { step: MailStep } = { step: plan.method === 'sendMail' ? 'sendMail' : 'createDraft' };
    try {
      if (plan.method === 'sendMail') {
        await this.graph.post(target, `/users/${encodeURIComponent(sender.sender)}/sendMail`, {
          message: {
            ...graphMessageJson(mail),
            attachments: mail.attachments.map((file) => fileAttachmentJson(file)),
          },
          // Graph: "Specify it only if the parameter is false".
          ...(saveToSentItems ? {} : { saveToSentItems: false }),
        });
      } else {
        await this.sendThroughDraft(target, sender.sender, mail, plan, saveToSentItems, progress);
      }
    } catch (error) {
      const exception = explainMailFailure(error, {
        sender: sender.sender,
        step: progress.step,
        grantedRoles: roles,
      });
      this.logger.warn(
        `Mail for PBX tenant ${sender.pbxTenantId} failed at ${progress.step}: ${exception.code} ` +
          `(status=${exception.microsoft?.status ?? '-'}, microsoftCode=${exception.microsoft?.code ?? '-'}, ` +
          `requestId=${exception.microsoft?.requestId ?? '-'}, delivery=${String(exception.details?.['delivery'])})`,
      );
      throw exception;
    } finally {
      release();
    }
    const receipt: GraphMailReceipt = {
      pbxTenantId: sender.pbxTenantId,
      sender: sender.sender,
      method: plan.method,
      recipients: mail.to.length + mail.cc.length + mail.bcc.length,
      attachments: mail.attachments.length,
      attachmentBytes: mail.attachments.reduce((sum, file) => sum + file.bytes.length, 0),
      uploadSessions: plan.routes.filter((route) => route === 'uploadSession').length,
      savedToSentItems: saveToSentItems,
      acceptedAt: this.clock.now(),
    };
    this.logger.log(
      `Mail for PBX tenant ${sender.pbxTenantId} accepted via ${receipt.method} ` +
        `(${receipt.recipients} recipients, ${receipt.attachments} attachments, ${receipt.attachmentBytes} bytes)`,
    );
    return receipt;
  }

  private async sendThroughDraft(
    target: GraphTarget,
    sender: string,
    mail: PreparedMail,
    plan: DeliveryPlan,
    saveToSentItems: boolean,
    progress: { step: MailStep },
  ): Promise<void> {
    const user = `/users/${encodeURIComponent(sender)}`;
    const inline = mail.attachments.filter((_file, index) => plan.routes[index] === 'inline');
    progress.step = 'createDraft';
    const draft = await this.graph.post<{ id: string }>(target, `${user}/messages`, {
      ...graphMessageJson(mail, { deleteAfterSubmit: !saveToSentItems }),
      ...(inline.length ? { attachments: inline.map((file) => fileAttachmentJson(file)) } : {}),
    });
    const messagePath = `${user}/messages/${encodeURIComponent(draft.id)}`;
    // One at a time: Outlook allows 4 concurrent requests per mailbox, and the upload limit is per mailbox too.
    for (const [index, file] of mail.attachments.entries()) {
      const route = plan.routes[index];
      if (route === 'post') {
        progress.step = 'addAttachment';
        await this.graph.post(target, `${messagePath}/attachments`, fileAttachmentJson(file));
      } else if (route === 'uploadSession') {
        progress.step = 'createUploadSession';
        const session = await this.graph.post<{ uploadUrl: string }>(
          target,
          `${messagePath}/attachments/createUploadSession`,
          attachmentItemJson(file),
        );
        progress.step = 'upload';
        await this.uploads.upload(session.uploadUrl, file.bytes);
      }
    }
    progress.step = 'send';
    await this.graph.post(target, `${messagePath}/send`, {});
  }
}
