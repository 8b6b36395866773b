import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Res,
  UseFilters,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { TenantAdminGuard } from '@pbx/microsoft365/access/tenant-admin.guard';
import { Microsoft365ExceptionFilter } from '@pbx/microsoft365/common/microsoft365-exception.filter';
import { createValidationPipe } from '@pbx/microsoft365/common/validation.pipe';
import { ConnectionTestReport } from '@pbx/microsoft365/connection/connection-test.dto';
import { ConnectionTestService } from '@pbx/microsoft365/connection/connection-test.service';
import { TenantCertificateService } from '@pbx/microsoft365/keys/tenant-certificate.service';
import { TenantSettingsView, UpdateTenantSettingsDto } from '@pbx/microsoft365/settings/tenant-settings.dto';
import { TenantSettingsService } from '@pbx/microsoft365/settings/tenant-settings.service';
import { type Response } from 'express';

/**
 * A tenant's Microsoft 365 connection. `:pbxTenantId` is a PBX tenant id, or `system` for the system-level
 * configuration that system administrators use for their own sign-in.
 */
@ApiTags('Microsoft 365: connection')
@ApiBearerAuth()
@Controller('microsoft365/tenants/:pbxTenantId')
@UseGuards(TenantAdminGuard)
@UseFilters(Microsoft365ExceptionFilter)
@UsePipes(createValidationPipe())
export class TenantSettingsController {
  constructor(
    private readonly settings: TenantSettingsService,
    private readonly certificates: TenantCertificateService,
    private readonly connectionTest: ConnectionTestService,
  ) {}

  @Get('settings')
  @ApiOperation({
    summary: 'Connection settings, redirect URIs to paste into Entra, certificates and warnings',
  })
  @ApiOkResponse({ type: TenantSettingsView })
  get(@Param('pbxTenantId') pbxTenantId: string): Promise<TenantSettingsView> {
    return this.settings.view(pbxTenantId);
  }

  @Patch('settings')
  @ApiOperation({
    summary:
      'Change settings; absent fields keep their value. `enabled: false` stops the integration and keeps its data',
  })
  @ApiOkResponse({ type: TenantSettingsView })
  update(
    @Param('pbxTenantId') pbxTenantId: string,
    @Body() changes: UpdateTenantSettingsDto,
  ): Promise<TenantSettingsView> {
    return this.certificates.afterChange(pbxTenantId, () => this.settings.update(pbxTenantId, changes));
  }

  @Delete('settings')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Remove the configuration and key pairs (synced users and contacts stay in the PBX)',
  })
  async remove(@Param('pbxTenantId') pbxTenantId: string): Promise<void> {
    await this.certificates.afterChange(pbxTenantId, () => this.settings.remove(pbxTenantId));
  }

  @Post('certificates')
  @ApiOperation({
    summary: 'Generate a new key pair; answers public_key.pem to upload to the Entra app',
    description:
      'The first key pair is active at once. A later one is pending: the current one keeps working until the PBX ' +
      'has obtained a token with the new one (after you uploaded it), then it switches by itself.',
  })
  @ApiProduces('application/x-pem-file')
  async generate(@Param('pbxTenantId') pbxTenantId: string, @Res() response: Response): Promise<void> {
    const pair = await this.certificates.generate(pbxTenantId);
    sendPem(response, pair.certificatePem, 201);
  }

  @Get('certificates/:status/public_key.pem')
  @ApiOperation({ summary: 'Download the active or pending certificate (public part only)' })
  @ApiProduces('application/x-pem-file')
  async download(
    @Param('pbxTenantId') pbxTenantId: string,
    @Param('status') status: string,
    @Res() response: Response,
  ): Promise<void> {
    sendPem(response, await this.certificates.certificatePem(pbxTenantId, status), 200);
  }

  @Post('connection-test')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Get a token, read the granted permissions, call Graph once, and report per feature',
  })
  @ApiOkResponse({ type: ConnectionTestReport })
  test(@Param('pbxTenantId') pbxTenantId: string): Promise<ConnectionTestReport> {
    return this.connectionTest.run(pbxTenantId);
  }
}

function sendPem(response: Response, pem: string, status: number): void {
  response
    .status(status)
    .setHeader('Content-Type', 'application/x-pem-file')
    .setHeader('Content-Disposition', 'attachment; filename="public_key.pem"')
    .send(pem);
}
