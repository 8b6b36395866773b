import { type StatusMapping } from './calendar-presence.machine';

/**
 * Without a mapping of its own, a tenant gets these: a meeting shows the PBX's busy status, out of office shows
 * away. The module does not know the host's status names, so it looks for the usual ones among those the PBX
 * offers (first match wins); a state none of them fits stays unmapped.
 */
const USUAL_NAMES: Partial<Record<keyof StatusMapping, readonly string[]>> = {
  busy: ['busy', 'inameeting', 'meeting', 'inacall', 'onthephone'],
  oof: ['away', 'outofoffice', 'berightback'],
};

const normalise = (name: string) => name.toLowerCase().replace(/[^a-z]/g, '');

export function defaultStatusMapping(offered: readonly string[]): StatusMapping {
  const byName = new Map(offered.map((status) => [normalise(status), status]));
  const mapping: StatusMapping = {};
  for (const [state, names] of Object.entries(USUAL_NAMES) as [keyof StatusMapping, readonly string[]][]) {
    const status = names.map((name) => byName.get(name)).find((found) => found !== undefined);
    if (status) mapping[state] = status;
  }
  return mapping;
}

/** The mapping in effect: the admin's when they saved one, else the default for the statuses the PBX offers. */
export function effectiveStatusMapping(saved: StatusMapping, offered: readonly string[]): StatusMapping {
  return Object.keys(saved).length > 0 ? saved : defaultStatusMapping(offered);
}
