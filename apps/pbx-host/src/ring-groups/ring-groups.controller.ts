import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/authenticated.decorator';
import { ApiInputAndLookup } from '../common/api-responses.decorator';
import { TenantIdParams } from '../tenants/dto/tenant-id.params';
import { RingGroupResponse } from './dto/ring-group.response';
import { RingGroupsService } from './ring-groups.service';

/** The tenant's ring groups, read-only here: the Microsoft 365 group sync maintains those it made. */
@ApiTags('ring groups')
@Controller('api/tenants/:tenantId/ring-groups')
@ApiParam({ name: 'tenantId', format: 'uuid' })
@Authenticated()
export class RingGroupsController {
  constructor(private readonly groups: RingGroupsService) {}

  @Get()
  @ApiOperation({ summary: "The tenant's ring groups with their members, by name" })
  @ApiOkResponse({ type: [RingGroupResponse] })
  @ApiInputAndLookup('tenant')
  list(@Param() { tenantId }: TenantIdParams): Promise<RingGroupResponse[]> {
    return this.groups.list(tenantId);
  }
}
