export * from './pbx-admin-access.port';
export * from './pbx-call-states.port';
export * from './pbx-contacts.port';
export * from './pbx-directory.port';
export * from './pbx-groups.port';
export * from './pbx-presence.port';
export * from './pbx-sessions.port';
export * from './pbx-tenants.port';
