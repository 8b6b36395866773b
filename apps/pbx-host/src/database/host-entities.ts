import { SessionEntity } from '@pbx/host/auth/session.entity';
import { ContactEntity } from '@pbx/host/contacts/contact.entity';
import { PresenceEntity } from '@pbx/host/presence/presence.entity';
import { TenantEntity } from '@pbx/host/tenants/tenant.entity';
import { UserEntity } from '@pbx/host/users/user.entity';

/** The host PBX's own entities (the Microsoft 365 module brings its own, with their own migrations). */
export const hostEntities = [TenantEntity, UserEntity, ContactEntity, PresenceEntity, SessionEntity];
