import { type Actor, canActForUser, canAdministerTenant, canReachTenant } from './actor';
import { UserRole } from '../users/user-role';

const A = 'a0000000-0000-4000-8000-000000000000';
const B = 'b0000000-0000-4000-8000-000000000000';

function actor(role: UserRole, tenantId: string | null, userId = 'me'): Actor {
  return { sessionId: 's', userId, username: 'u', displayName: 'U', role, tenantId };
}

describe('tenant scoping', () => {
  it.each([
    ['system admin', actor(UserRole.SystemAdmin, null), [true, true], [true, true], [true, true]],
    ['tenant admin of A', actor(UserRole.TenantAdmin, A), [true, false], [true, false], [true, false]],
    ['user of A', actor(UserRole.User, A), [true, false], [false, false], [false, false]],
  ])('%s', (_name, who, reach, administer, actForOthers) => {
    expect([canReachTenant(who, A), canReachTenant(who, B)]).toEqual(reach);
    expect([canAdministerTenant(who, A), canAdministerTenant(who, B)]).toEqual(administer);
    expect([canActForUser(who, A, 'other'), canActForUser(who, B, 'other')]).toEqual(actForOthers);
  });

  it('lets users act for themselves in their own tenant only', () => {
    expect(canActForUser(actor(UserRole.User, A, 'me'), A, 'me')).toBe(true);
    expect(canActForUser(actor(UserRole.User, A, 'me'), B, 'me')).toBe(false);
  });
});
