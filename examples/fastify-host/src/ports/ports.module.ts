import { Module } from '@nestjs/common';
import {
  PBX_ADMIN_ACCESS,
  PBX_CONTACTS,
  PBX_DIRECTORY,
  PBX_PRESENCE,
  PBX_SESSIONS,
  PBX_TENANTS,
} from '@pbx/microsoft365';
import { HostDatabase } from '../database/host-database';
import { AdminAccessAdapter } from './admin-access.adapter';
import { ContactsAdapter } from './contacts.adapter';
import { DirectoryAdapter } from './directory.adapter';
import { PresenceAdapter } from './presence.adapter';
import { SessionsAdapter } from './sessions.adapter';
import { TenantsAdapter } from './tenants.adapter';

/** What this PBX gives the Microsoft 365 module: one adapter per port, over its own tables. */
@Module({
  providers: [
    HostDatabase,
    SessionsAdapter,
    { provide: PBX_TENANTS, useClass: TenantsAdapter },
    DirectoryAdapter,
    { provide: PBX_DIRECTORY, useExisting: DirectoryAdapter },
    { provide: PBX_CONTACTS, useClass: ContactsAdapter },
    { provide: PBX_PRESENCE, useClass: PresenceAdapter },
    { provide: PBX_SESSIONS, useExisting: SessionsAdapter },
    { provide: PBX_ADMIN_ACCESS, useClass: AdminAccessAdapter },
  ],
  exports: [
    HostDatabase,
    DirectoryAdapter,
    SessionsAdapter,
    PBX_TENANTS,
    PBX_DIRECTORY,
    PBX_CONTACTS,
    PBX_PRESENCE,
    PBX_SESSIONS,
    PBX_ADMIN_ACCESS,
  ],
})
export class PortsModule {}
