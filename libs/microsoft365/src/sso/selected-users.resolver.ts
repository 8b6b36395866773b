import { BadRequestException, Injectable } from '@nestjs/common';
import { GraphApi } from '../graph/graph-api.service';
import { TenantSettingsService } from '../settings/tenant-settings.service';
import { type SelectedUser } from './sign-in-rules';

/**
 * Turns the names an admin types into a sign-in rule (UPNs or object ids) into the accounts' immutable object ids,
 * once, when the rule is saved: sign-in then matches the ID token's `oid`, which a rename in Entra cannot change.
 * Looked up in Graph with `$batch` (GET /users/{id | userPrincipalName}); a name Graph does not know is refused.
 */
@Injectable()
export class SelectedUsersResolver {
  constructor(
    private readonly graph: GraphApi,
    private readonly tenantSettings: TenantSettingsService,
  ) {}

  async resolve(scope: string, field: string, names: readonly string[]): Promise<SelectedUser[]> {
    const wanted = [...new Set(names.map((name) => name.trim().toLowerCase()))];
    if (wanted.length === 0) return [];
    const connection = await this.tenantSettings.requireConfigured(scope);
    const results = await this.graph.batchGet(
      { pbxTenantId: scope, cloud: connection.cloud },
      wanted.map((name, index) => ({
        id: String(index),
        url: `/users/${encodeURIComponent(name)}?$select=id,userPrincipalName`,
      })),
    );
    const unknown: string[] = [];
    const resolved = new Map<string, SelectedUser>();
    wanted.forEach((name, index) => {
      const result = results.get(String(index));
      if (result?.ok) {
        const body = result.body as { id?: unknown; userPrincipalName?: unknown };
        const objectId = String(body.id).toLowerCase();
        resolved.set(objectId, {
          objectId,
          userPrincipalName: typeof body.userPrincipalName === 'string' ? body.userPrincipalName : null,
        });
      } else if (result && result.status !== 404) {
        throw result.error;
      } else {
        unknown.push(name);
      }
    });
    if (unknown.length > 0) {
      throw new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: 'Validation failed',
        errors: [
          {
            field,
            reasons: unknown.slice(0, 20).map((name) => `${name} is not a user of the tenant's directory`),
          },
        ],
      });
    }
    return [...resolved.values()];
  }
}
