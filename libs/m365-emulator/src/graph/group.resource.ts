import type { FilterCapabilities } from './odata/filter-capabilities';
import type { DirectoryGroup } from '../state/directory-group';

export const GROUP_TYPE_NAME = 'microsoft.graph.group';

const READERS: Readonly<Record<string, (group: DirectoryGroup) => unknown>> = {
  id: (group) => group.id,
  displayName: (group) => group.fields.displayName,
  description: (group) => group.fields.description,
  mail: (group) => group.fields.mail,
  mailEnabled: (group) => group.fields.mailEnabled,
  mailNickname: (group) => group.fields.mailNickname,
  securityEnabled: (group) => group.fields.securityEnabled,
  groupTypes: (group) => group.fields.groupTypes,
  visibility: (group) => group.fields.visibility,
  createdDateTime: (group) => group.fields.createdDateTime,
  classification: () => null,
  deletedDateTime: () => null,
  expirationDateTime: () => null,
  isAssignableToRole: () => null,
  membershipRule: () => null,
  membershipRuleProcessingState: () => null,
  onPremisesSyncEnabled: () => null,
  proxyAddresses: (group) => (group.fields.mail ? [`SMTP:${group.fields.mail}`] : []),
  renewedDateTime: (group) => group.fields.createdDateTime,
  securityIdentifier: () => null,
};

export const DEFAULT_GROUP_PROPERTIES: readonly string[] = Object.keys(READERS);

/** `members` is selectable on groups/delta only, where it turns into members@delta (§3.3). */
export const GROUP_PROPERTIES: readonly string[] = [...DEFAULT_GROUP_PROPERTIES, 'members'];

export function readGroupProperty(group: DirectoryGroup, property: string): unknown {
  const reader =
    READERS[property] ??
    Object.entries(READERS).find(([name]) => name.toLowerCase() === property.toLowerCase())?.[1];
  return reader ? reader(group) : undefined;
}

export function projectGroup(
  group: DirectoryGroup,
  select: readonly string[] | undefined,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const property of select ?? DEFAULT_GROUP_PROPERTIES) {
    if (property !== 'members') result[property] = READERS[property]?.(group) ?? null;
  }
  return result;
}

export const GROUP_FILTER_CAPABILITIES: FilterCapabilities = {
  id: { eq: 'default', in: 'default', ne: 'advanced' },
  displayName: { eq: 'default', in: 'default', startsWith: 'default', ne: 'advanced', nullCheck: 'advanced' },
  description: { eq: 'advanced', startsWith: 'default', ne: 'advanced', nullCheck: 'advanced' },
  mail: {
    eq: 'default',
    in: 'default',
    startsWith: 'default',
    endsWith: 'advanced',
    ne: 'advanced',
    nullCheck: 'advanced',
  },
  mailEnabled: { eq: 'default', in: 'default', ne: 'advanced' },
  mailNickname: { eq: 'default', in: 'default', startsWith: 'default', ne: 'advanced' },
  securityEnabled: { eq: 'default', in: 'default', ne: 'advanced' },
  groupTypes: { any: 'default' },
  proxyAddresses: { any: 'default' },
  createdDateTime: { range: 'advanced', eq: 'advanced', ne: 'advanced' },
};
