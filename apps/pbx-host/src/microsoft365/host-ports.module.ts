import { Module } from '@nestjs/common';
import { SessionsModule } from '../auth/sessions.module';
import { PbxAdminAccessAdapter } from './pbx-admin-access.adapter';
import { PbxCallStatesAdapter } from './pbx-call-states.adapter';
import { PbxContactsAdapter } from './pbx-contacts.adapter';
import { CallsModule } from '../calls/calls.module';
import { PbxDirectoryAdapter } from './pbx-directory.adapter';
import { PbxGroupsAdapter } from './pbx-groups.adapter';
import { PbxPresenceAdapter } from './pbx-presence.adapter';
import { PbxSessionsAdapter } from './pbx-sessions.adapter';
import { PbxTenantsAdapter } from './pbx-tenants.adapter';
import { PresenceModule } from '../presence/presence.module';
import { RingGroupsModule } from '../ring-groups/ring-groups.module';
import { TenantsModule } from '../tenants/tenants.module';
import {
  PBX_ADMIN_ACCESS,
  PBX_CALL_STATES,
  PBX_CONTACTS,
  PBX_DIRECTORY,
  PBX_GROUPS,
  PBX_PRESENCE,
  PBX_SESSIONS,
  PBX_TENANTS,
} from '@pbx/microsoft365';

/**
 * The host's implementation of every port of the Microsoft 365 module, exported under the module's tokens. The
 * module sees only these interfaces, never the host's tables.
 */
@Module({
  imports: [SessionsModule, TenantsModule, PresenceModule, CallsModule, RingGroupsModule],
  providers: [
    PbxDirectoryAdapter,
    PbxContactsAdapter,
    PbxPresenceAdapter,
    PbxSessionsAdapter,
    PbxAdminAccessAdapter,
    PbxTenantsAdapter,
    PbxCallStatesAdapter,
    PbxGroupsAdapter,
    { provide: PBX_DIRECTORY, useExisting: PbxDirectoryAdapter },
    { provide: PBX_CONTACTS, useExisting: PbxContactsAdapter },
    { provide: PBX_PRESENCE, useExisting: PbxPresenceAdapter },
    { provide: PBX_SESSIONS, useExisting: PbxSessionsAdapter },
    { provide: PBX_ADMIN_ACCESS, useExisting: PbxAdminAccessAdapter },
    { provide: PBX_TENANTS, useExisting: PbxTenantsAdapter },
    // Optional port: a PBX without calls leaves it out, and Teams presence PBX → Teams reports itself unavailable.
    { provide: PBX_CALL_STATES, useExisting: PbxCallStatesAdapter },
    { provide: PBX_GROUPS, useExisting: PbxGroupsAdapter },
  ],
  exports: [
    PbxDirectoryAdapter,
    PbxContactsAdapter,
    PbxPresenceAdapter,
    PbxSessionsAdapter,
    PbxAdminAccessAdapter,
    PbxTenantsAdapter,
    PBX_DIRECTORY,
    PBX_CONTACTS,
    PBX_PRESENCE,
    PBX_SESSIONS,
    PBX_ADMIN_ACCESS,
    PBX_TENANTS,
    PBX_CALL_STATES,
    PBX_GROUPS,
  ],
})
export class HostPortsModule {}
