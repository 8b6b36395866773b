import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  StreamableFile,
  UseFilters,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { TenantAdminGuard } from '../access/tenant-admin.guard';
import { Microsoft365ExceptionFilter } from '../common/microsoft365-exception.filter';
import { createValidationPipe } from '../common/validation.pipe';
import { ConnectionTestReport } from '../connection/connection-test.dto';
import { ConnectionTestService } from '../connection/connection-test.service';
import { TenantCertificateService } from '../keys/tenant-certificate.service';
import { TenantSettingsView, UpdateTenantSettingsDto } from './tenant-settings.dto';
import { TenantSettingsService } from './tenant-settings.service';

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
  @HttpCode(201)
  @ApiOperation({
    summary: 'Generate a new key pair; answers public_key.pem to upload to the Entra app',
    description:
      'The first key pair is active at once. A later one is pending: the current one keeps working until the PBX ' +
      'has obtained a token with the new one (after you uploaded it), then it switches by itself.',
  })
  @ApiProduces('application/x-pem-file')
  async generate(@Param('pbxTenantId') pbxTenantId: string): Promise<StreamableFile> {
    const pair = await this.certificates.generate(pbxTenantId);
    return pemFile(pair.certificatePem);
  }

  @Get('certificates/:status/public_key.pem')
  @ApiOperation({ summary: 'Download the active or pending certificate (public part only)' })
  @ApiProduces('application/x-pem-file')
  async download(
    @Param('pbxTenantId') pbxTenantId: string,
    @Param('status') status: string,
  ): Promise<StreamableFile> {
    return pemFile(await this.certificates.certificatePem(pbxTenantId, status));
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

/** A certificate as a download; StreamableFile lets Nest write it on Express and Fastify alike. */
function pemFile(pem: string): StreamableFile {
  return new StreamableFile(Buffer.from(pem, 'utf8'), {
    type: 'application/x-pem-file',
    disposition: 'attachment; filename="public_key.pem"',
  });
}
