import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  UseFilters,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TenantAdminGuard } from '../access/tenant-admin.guard';
import { Microsoft365ExceptionFilter } from '../common/microsoft365-exception.filter';
import { createValidationPipe } from '../common/validation.pipe';
import { GraphMailService } from './graph-mail.service';
import {
  MailSettingsView,
  SendTestMailDto,
  TestMailReceiptView,
  UpdateMailSettingsDto,
} from './mail-settings.dto';
import { MailSettingsService } from './mail-settings.service';
import { testMailMessage } from './test-mail';

/** Mail through Microsoft Graph for a PBX tenant: the sending mailbox, on/off, Sent Items, and a test message. */
@ApiTags('Microsoft 365: mail')
@ApiBearerAuth()
@Controller('microsoft365/tenants/:pbxTenantId/mail')
@UseGuards(TenantAdminGuard)
@UseFilters(Microsoft365ExceptionFilter)
@UsePipes(createValidationPipe())
export class MailSettingsController {
  constructor(
    private readonly settings: MailSettingsService,
    private readonly mail: GraphMailService,
  ) {}

  @Get('settings')
  @ApiOperation({ summary: 'Mail settings and the application permissions mail needs' })
  @ApiOkResponse({ type: MailSettingsView })
  get(@Param('pbxTenantId') pbxTenantId: string): Promise<MailSettingsView> {
    return this.settings.view(pbxTenantId);
  }

  @Patch('settings')
  @ApiOperation({ summary: 'Change mail settings; absent fields keep their value' })
  @ApiOkResponse({ type: MailSettingsView })
  update(
    @Param('pbxTenantId') pbxTenantId: string,
    @Body() changes: UpdateMailSettingsDto,
  ): Promise<MailSettingsView> {
    return this.settings.update(pbxTenantId, changes);
  }

  @Post('test-mail')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send a test message from the configured mailbox (also before mail is switched on)',
    description:
      '`attachment: "large"` sends a 3.5 MB file through a draft and an upload session, which also checks ' +
      'Mail.ReadWrite. Errors name the missing permission or the mailbox problem and what to do.',
  })
  @ApiOkResponse({ type: TestMailReceiptView })
  async test(
    @Param('pbxTenantId') pbxTenantId: string,
    @Body() input: SendTestMailDto,
  ): Promise<TestMailReceiptView> {
    const receipt = await this.mail.sendTest(pbxTenantId, testMailMessage(input));
    return {
      sender: receipt.sender,
      method: receipt.method,
      recipients: receipt.recipients,
      attachments: receipt.attachments,
      attachmentBytes: receipt.attachmentBytes,
      uploadSessions: receipt.uploadSessions,
      savedToSentItems: receipt.savedToSentItems,
      acceptedAt: receipt.acceptedAt.toISOString(),
    };
  }
}
