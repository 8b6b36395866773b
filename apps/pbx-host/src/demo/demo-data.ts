import { RequestContext } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';
import { type INestApplication } from '@nestjs/common';
import { companyOwner, userOwner } from '../contacts/contact-owner';
import { ContactsService } from '../contacts/contacts.service';
import { PresenceStatus } from '../presence/presence-status';
import { PresenceService } from '../presence/presence.service';
import { TenantEntity } from '../tenants/tenant.entity';
import { TenantsService } from '../tenants/tenants.service';
import { UserRole } from '../users/user-role';
import { UsersService } from '../users/users.service';

export const DEMO_SIP_DOMAIN = 'contoso.pbx.example';
export const DEMO_PASSWORD = 'demo-password';

export interface DemoData {
  created: boolean;
  tenantId: string;
  sipDomain: string;
  logins: { username: string; password: string; role: UserRole }[];
}

/**
 * A small PBX to look at: tenant Contoso with an admin, three users, contacts and presence. Created through the
 * host's own services on the first demo start only (a PBX with any tenant is left alone).
 */
export async function seedDemoData(app: INestApplication): Promise<DemoData> {
  const em = app.get(EntityManager);
  const logins = [
    { username: 'tenant-admin', password: DEMO_PASSWORD, role: UserRole.TenantAdmin },
    { username: 'alice', password: DEMO_PASSWORD, role: UserRole.User },
  ];
  return RequestContext.create(em, async () => {
    const existing = await em.findOne(TenantEntity, { sipDomain: DEMO_SIP_DOMAIN });
    if (existing || (await em.count(TenantEntity, {})) > 0) {
      if (!existing) throw new Error(`This PBX has tenants but not the demo tenant ${DEMO_SIP_DOMAIN}`);
      return { created: false, tenantId: existing.id, sipDomain: DEMO_SIP_DOMAIN, logins };
    }
    const tenants = app.get(TenantsService);
    const users = app.get(UsersService);
    const contacts = app.get(ContactsService);
    const presence = app.get(PresenceService);

    const tenant = await tenants.create({
      name: 'Contoso',
      sipDomain: DEMO_SIP_DOMAIN,
      timeZone: 'Europe/Berlin',
    });
    await users.create(tenant.id, {
      username: 'tenant-admin',
      extension: '200',
      role: UserRole.TenantAdmin,
      displayName: 'Contoso Admin',
      password: DEMO_PASSWORD,
    });
    const alice = await users.create(tenant.id, {
      username: 'alice',
      extension: '201',
      displayName: 'Alice Smith',
      firstName: 'Alice',
      lastName: 'Smith',
      email: 'alice@contoso.example',
      department: 'Sales',
      jobTitle: 'Account manager',
      businessPhones: ['+49 30 1234 201'],
      password: DEMO_PASSWORD,
      voicemailPin: '2010',
    });
    const bob = await users.create(tenant.id, {
      username: 'bob',
      extension: '202',
      displayName: 'Bob Jones',
      email: 'bob@contoso.example',
      department: 'Support',
    });
    await users.create(tenant.id, { username: 'carol', extension: '203', displayName: 'Carol White' });
    await contacts.create(tenant.id, companyOwner, {
      displayName: 'Fabrikam Reception',
      company: 'Fabrikam',
      businessPhones: ['+49 30 5555 0'],
    });
    await contacts.create(tenant.id, userOwner(alice.id), {
      displayName: 'Dana Lee',
      company: 'Fabrikam',
      mobilePhone: '+49 171 5555 123',
      emailAddresses: ['dana@fabrikam.example'],
    });
    await presence.set(tenant.id, bob.id, PresenceStatus.InAMeeting);
    return { created: true, tenantId: tenant.id, sipDomain: DEMO_SIP_DOMAIN, logins };
  });
}
