import { LoginFailureEntity } from '../auth/login-failure.entity';
import { SessionEntity } from '../auth/session.entity';
import { ContactEntity } from '../contacts/contact.entity';
import { PresenceEntity } from '../presence/presence.entity';
import { RingGroupEntity } from '../ring-groups/ring-group.entity';
import { TenantEntity } from '../tenants/tenant.entity';
import { UserEntity } from '../users/user.entity';

/** The host PBX's own entities (the Microsoft 365 module brings its own, with their own migrations). */
export const hostEntities = [
  TenantEntity,
  UserEntity,
  ContactEntity,
  PresenceEntity,
  SessionEntity,
  LoginFailureEntity,
  RingGroupEntity,
];
