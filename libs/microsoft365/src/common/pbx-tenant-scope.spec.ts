import { BadRequestException } from '@nestjs/common';
import { requirePbxTenant } from './pbx-tenant-scope';

describe(requirePbxTenant.name, () => {
  it('passes a PBX tenant id through', () => {
    expect(requirePbxTenant('0d9a2c5e-2b0f-4a4e-9d0a-5b6f3f1e2a11', 'user sync')).toBe(
      '0d9a2c5e-2b0f-4a4e-9d0a-5b6f3f1e2a11',
    );
  });

  it('refuses the system scope with the field and the feature', () => {
    expect(() => requirePbxTenant('system', 'user sync')).toThrow(BadRequestException);
    try {
      requirePbxTenant('system', 'user sync');
    } catch (error) {
      expect((error as BadRequestException).getResponse()).toMatchObject({
        errors: [
          { field: 'pbxTenantId', reasons: ['user sync belongs to a PBX tenant, not to the system scope'] },
        ],
      });
    }
  });
});
