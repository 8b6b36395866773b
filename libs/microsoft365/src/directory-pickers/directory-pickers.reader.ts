import { Injectable, Logger } from '@nestjs/common';
import { invalidField } from '../common/invalid-input';
import { Microsoft365ErrorCode } from '../common/microsoft365-error-code';
import { Microsoft365Exception } from '../common/microsoft365.exception';
import { GraphApi, type GraphCollectionPage, type GraphTarget } from '../graph/graph-api.service';
import {
  departmentFilter,
  encodeCursor,
  type PickerCursor,
  type PickerKind,
  searchExpression,
  skipTokenOf,
} from './picker-query';

/** Pages of 999 users the department picker reads at most (ceil(N/999) requests): 4,995 users. */
export const DEPARTMENT_PAGES_MAX = 5;
const USERS_PAGE_SIZE = 999;

/** `$search`, `$count` and `ne null` are advanced directory queries (docs/graph-notes.md §3.1, §3.5). */
const EVENTUAL = { ConsistencyLevel: 'eventual' };

const SELECT: Record<PickerKind, string> = {
  users: 'id,displayName,userPrincipalName,mail,department,jobTitle,accountEnabled',
  groups: 'id,displayName,mail,groupTypes,securityEnabled,mailEnabled',
};

/** The least-privileged application permission each picker needs (connection/feature-permissions.ts). */
const PERMISSION: Record<PickerKind | 'departments', string> = {
  users: 'User.Read.All',
  groups: 'GroupMember.Read.All',
  departments: 'User.Read.All',
};

export interface PickerSearch {
  q?: string;
  top: number;
  /** Continue a search from the page a cursor names (its q and top win). */
  cursor?: PickerCursor;
}

export interface PickerPage<T> {
  items: T[];
  /** Matches in all (Graph's `@odata.count`, first page only); null on later pages. */
  total: number | null;
  nextCursor: string | null;
}

export interface DepartmentList {
  departments: string[];
  /** More users than {@link DEPARTMENT_PAGES_MAX} pages hold had a matching department: the list may be short. */
  truncated: boolean;
  usersRead: number;
}

/** Live look-ups in the tenant's directory for the admin's pickers. Nothing else in the pickers talks to Graph. */
@Injectable()
export class DirectoryPickersReader {
  private readonly logger = new Logger(DirectoryPickersReader.name);

  constructor(private readonly graph: GraphApi) {}

  async page<T>(target: GraphTarget, kind: PickerKind, search: PickerSearch): Promise<PickerPage<T>> {
    const q = search.cursor ? search.cursor.q : search.q;
    const top = search.cursor ? search.cursor.top : search.top;
    const query = [
      ...(q === undefined ? [] : [`$search=${encodeURIComponent(searchExpression(kind, q))}`]),
      `$select=${SELECT[kind]}`,
      '$orderby=displayName',
      '$count=true',
      `$top=${top}`,
      ...(search.cursor ? [`$skiptoken=${encodeURIComponent(search.cursor.skipToken)}`] : []),
    ];
    const page = await this.read<GraphCollectionPage<T> & { '@odata.count'?: number }>(
      target,
      kind,
      `/${kind}?${query.join('&')}`,
      search.cursor !== undefined,
    );
    const skipToken = this.nextSkipToken(page, kind);
    return {
      items: page.value,
      total: typeof page['@odata.count'] === 'number' ? page['@odata.count'] : null,
      nextCursor: skipToken
        ? encodeCursor({ kind, ...(q === undefined ? {} : { q }), top, skipToken })
        : null,
    };
  }

  /**
   * Distinct departments of the users whose department starts with `q` (or of everyone), sorted; Graph has no
   * list of departments. Reads at most {@link DEPARTMENT_PAGES_MAX} pages and says when it stopped early.
   */
  async departments(target: GraphTarget, q: string | undefined): Promise<DepartmentList> {
    const seen = new Map<string, string>();
    let usersRead = 0;
    let path: string | undefined =
      `/users?$select=department&$filter=${encodeURIComponent(departmentFilter(q))}` +
      `&$count=true&$top=${USERS_PAGE_SIZE}`;
    for (let pages = 0; path && pages < DEPARTMENT_PAGES_MAX; pages++) {
      const page: GraphCollectionPage<{ department?: string | null }> = await this.read(
        target,
        'departments',
        path,
        false,
      );
      usersRead += page.value.length;
      for (const { department } of page.value) {
        const name = department?.trim();
        // One entry per department whatever its casing: Graph's filters compare without case.
        if (name && !seen.has(name.toLowerCase())) seen.set(name.toLowerCase(), name);
      }
      const skipToken = this.nextSkipToken(page, 'departments');
      path = skipToken
        ? `/users?$select=department&$filter=${encodeURIComponent(departmentFilter(q))}` +
          `&$count=true&$top=${USERS_PAGE_SIZE}&$skiptoken=${encodeURIComponent(skipToken)}`
        : undefined;
    }
    return {
      departments: [...seen.values()].sort((a, b) => a.localeCompare(b)),
      truncated: path !== undefined,
      usersRead,
    };
  }

  private async read<T>(
    target: GraphTarget,
    kind: PickerKind | 'departments',
    path: string,
    fromCursor: boolean,
  ): Promise<T> {
    try {
      return await this.graph.get<T>(target, path, EVENTUAL);
    } catch (error) {
      if (!(error instanceof Microsoft365Exception)) throw error;
      const { status, code, requestId } = error.microsoft ?? {};
      this.logger.warn(
        `Directory ${kind} picker of tenant ${target.pbxTenantId} failed: ${error.code} ` +
          `(status ${status ?? '-'}, Microsoft code ${code ?? '-'}, request id ${requestId ?? '-'})`,
      );
      if (error.code === Microsoft365ErrorCode.PermissionMissing) {
        throw new Microsoft365Exception(
          Microsoft365ErrorCode.PermissionMissing,
          `Searching ${kind} needs the Microsoft Graph application permission ${PERMISSION[kind]}`,
          {
            action:
              'In the Entra admin center open App registrations → your app → API permissions, add the ' +
              `Microsoft Graph application permission ${PERMISSION[kind]}, then "Grant admin consent".`,
            microsoft: error.microsoft,
          },
        );
      }
      // Graph refuses a page token it no longer knows (or never issued) as a bad request.
      if (fromCursor && status === 400) {
        throw invalidField('cursor', 'Microsoft 365 no longer accepts this cursor; start the search again');
      }
      throw error;
    }
  }

  private nextSkipToken(
    page: { '@odata.nextLink'?: string },
    kind: PickerKind | 'departments',
  ): string | undefined {
    const next = page['@odata.nextLink'];
    const skipToken = skipTokenOf(next);
    if (next && !skipToken) {
      // Directory paging always uses $skiptoken (docs/graph-notes.md §3.1); a link without one is not followed.
      this.logger.warn(`Directory ${kind} picker: Graph answered a next page link without $skiptoken`);
    }
    return skipToken;
  }
}
