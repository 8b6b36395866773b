import { Controller, Get, Param, Query, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TenantAdminGuard } from '../access/tenant-admin.guard';
import { Microsoft365ExceptionFilter } from '../common/microsoft365-exception.filter';
import { requirePbxTenant } from '../common/pbx-tenant-scope';
import { createValidationPipe } from '../common/validation.pipe';
import { type GraphTarget } from '../graph/graph-api.service';
import { TenantSettingsService } from '../settings/tenant-settings.service';
import {
  DepartmentPickerView,
  DepartmentQueryDto,
  GroupKind,
  type GroupPickerItemView,
  GroupPickerPageView,
  PickerQueryDto,
  type UserPickerItemView,
  UserPickerPageView,
} from './directory-pickers.dto';
import { DirectoryPickersReader, type PickerSearch } from './directory-pickers.reader';
import { decodeCursor, PICKER_DEFAULT_PAGE_SIZE, type PickerKind, pickerQuery } from './picker-query';

type GraphGroup = Omit<GroupPickerItemView, 'kind' | 'groupTypes'> & { groupTypes?: string[] | null };
type GraphUser = Partial<UserPickerItemView> & { id: string };

/**
 * Pickers for the admin UI: the tenant's Microsoft 365 users, groups and departments, searched live, so that scopes
 * are chosen by name instead of pasted object ids.
 */
@ApiTags('Microsoft 365: directory pickers')
@ApiBearerAuth()
@Controller('microsoft365/tenants/:pbxTenantId/directory')
@UseGuards(TenantAdminGuard)
@UseFilters(Microsoft365ExceptionFilter)
@UsePipes(createValidationPipe())
export class DirectoryPickersController {
  constructor(
    private readonly connection: TenantSettingsService,
    private readonly reader: DirectoryPickersReader,
  ) {}

  @Get('users')
  @ApiOperation({
    summary: 'Search Microsoft 365 users by name, mail or UPN (needs User.Read.All)',
    description: 'Without `q`, every user by display name. Follow `nextCursor` for more.',
  })
  @ApiOkResponse({ type: UserPickerPageView })
  async users(
    @Param('pbxTenantId') pbxTenantId: string,
    @Query() query: PickerQueryDto,
  ): Promise<UserPickerPageView> {
    const page = await this.reader.page<GraphUser>(
      await this.target(pbxTenantId),
      'users',
      search('users', query),
    );
    return {
      ...page,
      items: page.items.map((user) => ({
        id: user.id,
        displayName: user.displayName ?? null,
        userPrincipalName: user.userPrincipalName ?? null,
        mail: user.mail ?? null,
        department: user.department ?? null,
        jobTitle: user.jobTitle ?? null,
        accountEnabled: user.accountEnabled ?? null,
      })),
    };
  }

  @Get('groups')
  @ApiOperation({
    summary: 'Search Microsoft 365 and security groups by name or mail (needs GroupMember.Read.All)',
    description: 'Without `q`, every group by display name. Follow `nextCursor` for more.',
  })
  @ApiOkResponse({ type: GroupPickerPageView })
  async groups(
    @Param('pbxTenantId') pbxTenantId: string,
    @Query() query: PickerQueryDto,
  ): Promise<GroupPickerPageView> {
    const page = await this.reader.page<GraphGroup>(
      await this.target(pbxTenantId),
      'groups',
      search('groups', query),
    );
    return { ...page, items: page.items.map(toGroupItem) };
  }

  @Get('departments')
  @ApiOperation({
    summary: 'Departments of Microsoft 365 users, starting with `q` (needs User.Read.All)',
    description:
      'Graph has no list of departments: they are collected from up to 4,995 users (5 pages of 999); ' +
      '`truncated` says when more users matched.',
  })
  @ApiOkResponse({ type: DepartmentPickerView })
  async departments(
    @Param('pbxTenantId') pbxTenantId: string,
    @Query() query: DepartmentQueryDto,
  ): Promise<DepartmentPickerView> {
    return this.reader.departments(await this.target(pbxTenantId), pickerQuery(query.q));
  }

  private async target(pbxTenantId: string): Promise<GraphTarget> {
    const settings = await this.connection.requireConfigured(
      requirePbxTenant(pbxTenantId, 'directory search'),
    );
    return { pbxTenantId, cloud: settings.cloud };
  }
}

function search(kind: PickerKind, query: PickerQueryDto): PickerSearch {
  const q = pickerQuery(query.q);
  return {
    ...(q === undefined ? {} : { q }),
    top: query.top ?? PICKER_DEFAULT_PAGE_SIZE,
    ...(query.cursor ? { cursor: decodeCursor(query.cursor, kind) } : {}),
  };
}

/** Microsoft 365 groups carry `Unified`; the others are told apart by their security and mail flags. */
function toGroupItem(group: GraphGroup): GroupPickerItemView {
  const groupTypes = group.groupTypes ?? [];
  const kind = groupTypes.includes('Unified')
    ? GroupKind.Microsoft365
    : group.securityEnabled
      ? group.mailEnabled
        ? GroupKind.MailEnabledSecurity
        : GroupKind.Security
      : GroupKind.Distribution;
  return {
    id: group.id,
    displayName: group.displayName ?? null,
    mail: group.mail ?? null,
    groupTypes,
    securityEnabled: group.securityEnabled ?? false,
    mailEnabled: group.mailEnabled ?? false,
    kind,
  };
}
