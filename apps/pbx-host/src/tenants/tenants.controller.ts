import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated } from '../auth/authenticated.decorator';
import { ApiConflict, ApiInputAndLookup, ApiValidationResponse } from '../common/api-responses.decorator';
import { PageQueryDto } from '../common/page-query.dto';
import { CreateTenantDto } from './dto/create-tenant.dto';
import { TenantIdParams } from './dto/tenant-id.params';
import { TenantPageResponse, TenantResponse } from './dto/tenant.response';
import { UpdateTenantDto } from './dto/update-tenant.dto';
import { TenantsService } from './tenants.service';
import { UserRole } from '../users/user-role';

@ApiTags('tenants')
@Controller('api/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @Authenticated(UserRole.SystemAdmin)
  @ApiOperation({ summary: 'Create a tenant (system admins)' })
  @ApiCreatedResponse({ type: TenantResponse })
  @ApiValidationResponse()
  @ApiConflict('The SIP domain is used by another tenant')
  async create(@Body() body: CreateTenantDto): Promise<TenantResponse> {
    return TenantResponse.from(await this.tenants.create(body));
  }

  @Get()
  @Authenticated(UserRole.SystemAdmin)
  @ApiOperation({ summary: 'List tenants by name (system admins)' })
  @ApiOkResponse({ type: TenantPageResponse })
  @ApiValidationResponse()
  async list(@Query() query: PageQueryDto): Promise<TenantPageResponse> {
    const page = await this.tenants.list(query);
    return { ...page, items: page.items.map((tenant) => TenantResponse.from(tenant)) };
  }

  @Get(':tenantId')
  @Authenticated()
  @ApiOperation({ summary: 'Get a tenant (its own members, and system admins)' })
  @ApiOkResponse({ type: TenantResponse })
  @ApiInputAndLookup('tenant')
  async get(@Param() { tenantId }: TenantIdParams): Promise<TenantResponse> {
    return TenantResponse.from(await this.tenants.get(tenantId));
  }

  @Patch(':tenantId')
  @Authenticated(UserRole.SystemAdmin)
  @ApiOperation({ summary: 'Change a tenant (system admins)' })
  @ApiOkResponse({ type: TenantResponse })
  @ApiInputAndLookup('tenant')
  @ApiConflict('The SIP domain is used by another tenant')
  async update(
    @Param() { tenantId }: TenantIdParams,
    @Body() body: UpdateTenantDto,
  ): Promise<TenantResponse> {
    return TenantResponse.from(await this.tenants.update(tenantId, body));
  }

  @Delete(':tenantId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Authenticated(UserRole.SystemAdmin)
  @ApiOperation({ summary: 'Delete a tenant with all its users and contacts (system admins)' })
  @ApiNoContentResponse()
  @ApiInputAndLookup('tenant')
  async delete(@Param() { tenantId }: TenantIdParams): Promise<void> {
    await this.tenants.delete(tenantId);
  }
}
