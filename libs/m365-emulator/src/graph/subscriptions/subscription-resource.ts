import type { ResourceChange, ResourceChangeType } from '../../state/resource-change.bus';
import type { TenantState } from '../../state/tenant.state';

export type SubscriptionResourceKind = 'users' | 'groups' | 'contacts' | 'events' | 'presences';

/** A parsed subscription resource with the rules docs/graph-notes.md §9 gives for it. */
export interface SubscriptionTarget {
  readonly kind: SubscriptionResourceKind;
  /** A single user or group (users/{id}, groups/{id}). */
  readonly objectId?: string;
  /** The mailbox owner (contacts, events). */
  readonly userId?: string;
  readonly folderId?: string;
  /** The users whose presence a presence subscription watches (object ids, as the resource names them). */
  readonly presenceUserIds?: readonly string[];
}

/**
 * "A maximum of 650 users can be subscribed in a single subscription"
 * (https://learn.microsoft.com/en-us/graph/changenotifications-for-presence).
 */
export const MAX_PRESENCE_SUBSCRIPTION_IDS = 650;

const MINUTES = 60_000;

/**
 * Maximum subscription lifetimes: directory 41,760 min, Outlook 4,230 min, presence 60 min ("Subscriptions have a
 * maximum expiration time of an hour") (docs/graph-notes.md §9, §14).
 */
export function maxLifetimeMinutes(kind: SubscriptionResourceKind): number {
  if (kind === 'presences') return 60;
  return kind === 'users' || kind === 'groups' ? 41_760 : 4_230;
}

export function maxLifetimeMs(kind: SubscriptionResourceKind): number {
  return maxLifetimeMinutes(kind) * MINUTES;
}

/** "Strictly use the permissions documented": read permissions only (subscription-post-subscriptions). */
export function subscriptionPermission(kind: SubscriptionResourceKind): string {
  switch (kind) {
    case 'users':
      return 'User.Read.All';
    case 'groups':
      return 'Group.Read.All';
    case 'contacts':
      return 'Contacts.Read';
    case 'events':
      return 'Calendars.Read';
    case 'presences':
      // Delegated only; the table lists nothing for application permissions (subscription-post-subscriptions).
      return 'Presence.Read.All';
  }
}

/** Presence subscriptions take delegated tokens only ("Application: Not supported", docs/graph-notes.md §14). */
export function delegatedOnly(kind: SubscriptionResourceKind): boolean {
  return kind === 'presences';
}

/** Users and groups support only updated and deleted (docs/graph-notes.md §9). */
export function supportedChangeTypes(kind: SubscriptionResourceKind): readonly ResourceChangeType[] {
  if (kind === 'presences') return ['updated'];
  return kind === 'users' || kind === 'groups' ? ['updated', 'deleted'] : ['created', 'updated', 'deleted'];
}

export function isOutlookResource(kind: SubscriptionResourceKind): boolean {
  return kind === 'contacts' || kind === 'events';
}

/**
 * users, users/{id}, groups, groups/{id}, users/{id}/contacts, users/{id}/contactFolders/{id}/contacts,
 * users/{id}/events, users/{id}/calendar/events (leading slash optional; {id} may be a UPN). undefined when
 * the resource is not supported or the user/group is unknown.
 */
export function parseSubscriptionResource(
  resource: string,
  tenant: TenantState,
): SubscriptionTarget | undefined {
  const presence = parsePresenceResource(resource);
  if (presence !== 'not-presence') {
    if (presence === undefined) return undefined;
    if (presence.some((id) => !tenant.users.find(id))) return undefined;
    return { kind: 'presences', presenceUserIds: presence.map((id) => tenant.users.find(id)?.id ?? id) };
  }
  const parts = (resource.split('?')[0] ?? '').split('/').filter((part) => part !== '');
  const segment = (index: number): string => (parts[index] ?? '').toLowerCase();
  if (segment(0) === 'groups' && parts.length <= 2) {
    const group = parts[1] === undefined ? undefined : tenant.groups.find(parts[1]);
    if (parts[1] !== undefined && !group) return undefined;
    return { kind: 'groups', objectId: group?.id };
  }
  if (segment(0) !== 'users') return undefined;
  if (parts.length === 1) return { kind: 'users' };
  const user = tenant.users.find(parts[1] ?? '');
  if (!user) return undefined;
  const shape = parts
    .slice(2)
    .map((_, index) => (index === 1 && segment(2) === 'contactfolders' ? '{id}' : segment(index + 2)));
  switch (shape.join('/')) {
    case '':
      return { kind: 'users', objectId: user.id };
    case 'contacts':
      return { kind: 'contacts', userId: user.id };
    case 'contactfolders/{id}/contacts':
      return { kind: 'contacts', userId: user.id, folderId: parts[3] };
    case 'events':
    case 'calendar/events':
      return { kind: 'events', userId: user.id };
    default:
      return undefined;
  }
}

/**
 * `communications/presences/{id}` or `communications/presences?$filter=id in ('{id}','{id}',...)` (the docs write
 * the ids quoted and unquoted; the leading slash is optional): the ids, undefined for a malformed presence
 * resource, `not-presence` for any other resource.
 */
export function parsePresenceResource(resource: string): string[] | undefined | 'not-presence' {
  const trimmed = resource.replace(/^\/+/, '');
  const [path = '', query] = trimmed.split('?', 2);
  const parts = path.split('/').filter((part) => part !== '');
  if ((parts[0] ?? '').toLowerCase() !== 'communications' || (parts[1] ?? '').toLowerCase() !== 'presences')
    return 'not-presence';
  if (parts.length === 3 && query === undefined) return [parts[2] ?? ''];
  if (parts.length !== 2 || query === undefined) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(query.replace(/\+/g, ' '));
  } catch {
    return undefined; // a malformed percent-encoding: not a resource Graph could parse either
  }
  const match = /^\$filter=id\s+in\s+\((.*)\)$/i.exec(decoded.trim());
  if (!match) return undefined;
  const ids = (match[1] ?? '').split(',').map((id) => id.trim().replace(/^'(.*)'$/, '$1'));
  return ids.length > 0 && ids.every((id) => id !== '') ? ids : undefined;
}

export function targetMatches(target: SubscriptionTarget, change: ResourceChange): boolean {
  switch (target.kind) {
    case 'users':
      return change.kind === 'user' && (target.objectId === undefined || target.objectId === change.id);
    case 'groups':
      return change.kind === 'group' && (target.objectId === undefined || target.objectId === change.id);
    case 'contacts':
      return (
        change.kind === 'contact' &&
        change.userId === target.userId &&
        (target.folderId === undefined || target.folderId === change.folderId)
      );
    case 'events':
      return change.kind === 'event' && change.userId === target.userId;
    case 'presences':
      return change.kind === 'presence' && (target.presenceUserIds ?? []).includes(change.id);
  }
}
