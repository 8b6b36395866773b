import { fieldErrorForConstraint } from './unique-violation.filter';

describe('fieldErrorForConstraint', () => {
  it('names the field each unique constraint guards', () => {
    expect(fieldErrorForConstraint('users_tenant_extension_unique')?.field).toBe('extension');
    expect(fieldErrorForConstraint('users_tenant_username_unique')?.field).toBe('username');
    expect(fieldErrorForConstraint('users_system_username_unique')?.field).toBe('username');
    expect(fieldErrorForConstraint('tenants_sip_domain_unique')?.field).toBe('sipDomain');
  });

  it('knows nothing of other constraints', () => {
    expect(fieldErrorForConstraint('something_else')).toBeUndefined();
    expect(fieldErrorForConstraint(undefined)).toBeUndefined();
  });
});
