import { HttpException, Injectable, UnprocessableEntityException } from '@nestjs/common';
import { TenantsService } from '../tenants/tenants.service';
import { UsersService } from '../users/users.service';
import { type CreateVoicemailDto, type VoicemailNotifiedResponse } from './dto/voicemail.dto';
import { voicemailWav } from './voicemail-wav';
import {
  GraphMailService,
  httpStatusFor,
  Microsoft365Exception,
  voicemailNotification,
} from '@pbx/microsoft365';

/**
 * Voicemail-to-email as a PBX vendor wires it: the recording goes to the mailbox owner's email address through the
 * Microsoft 365 module (Graph `sendMail`, or an upload session for long recordings), not through SMTP.
 */
@Injectable()
export class VoicemailNotifier {
  constructor(
    private readonly users: UsersService,
    private readonly tenants: TenantsService,
    private readonly mail: GraphMailService,
  ) {}

  async notify(
    tenantId: string,
    userId: string,
    voicemail: CreateVoicemailDto,
  ): Promise<VoicemailNotifiedResponse> {
    const [user, tenant] = await Promise.all([this.users.get(tenantId, userId), this.tenants.get(tenantId)]);
    if (!user.email) {
      throw new UnprocessableEntityException({
        statusCode: 422,
        message: 'The user has no email address to send the voicemail to',
        errors: [{ field: 'userId', reasons: ['the user has no email address'] }],
      });
    }
    const recording = voicemailWav(voicemail.durationSeconds);
    const receivedAt = new Date();
    try {
      const receipt = await this.mail.send(
        tenantId,
        voicemailNotification({
          to: [{ address: user.email, name: user.displayName }],
          caller: {
            number: voicemail.callerNumber,
            ...(voicemail.callerName ? { name: voicemail.callerName } : {}),
          },
          extension: user.extension ?? '',
          receivedAt,
          durationSeconds: voicemail.durationSeconds,
          timeZone: tenant.timeZone,
          recording: {
            filename: `voicemail-${receivedAt.toISOString().slice(0, 19).replace(/:/g, '-')}.wav`,
            content: recording,
            contentType: 'audio/wav',
          },
        }),
      );
      return { to: user.email, recordingBytes: recording.length, method: receipt.method };
    } catch (error) {
      // The module's errors carry the Microsoft code and what the admin should do; pass them on as they are.
      if (error instanceof Microsoft365Exception) {
        throw new HttpException(
          {
            statusCode: httpStatusFor(error.code),
            code: error.code,
            message: error.message,
            action: error.action,
          },
          httpStatusFor(error.code),
        );
      }
      throw error;
    }
  }
}
