import { invalidField } from '../common/invalid-input';
import { type FeatureSwitches } from '../settings/feature-switches';
import { Microsoft365Cloud } from '../settings/microsoft365-cloud';

export const NOT_IN_CHINA =
  'Microsoft does not offer Teams presence in the China cloud operated by 21Vianet ' +
  '(https://learn.microsoft.com/en-us/graph/api/presence-setpresence)';
export const NO_CALL_STATES = 'This PBX does not report call states (it provides no PBX_CALL_STATES port)';

export interface TeamsPresenceAvailability {
  /** Why PBX → Teams cannot be used here, or null when it can. */
  toTeams: string | null;
  /** Why Teams → PBX cannot be used here, or null when it can. */
  fromTeams: string | null;
}

/** Presence APIs exist in Global, US Government L4 and L5, not in 21Vianet (docs/graph-notes.md §2, §13). */
export function teamsPresenceAvailability(
  cloud: Microsoft365Cloud,
  hasCallStates: boolean,
): TeamsPresenceAvailability {
  const china = cloud === Microsoft365Cloud.China ? NOT_IN_CHINA : null;
  return { toTeams: china ?? (hasCallStates ? null : NO_CALL_STATES), fromTeams: china };
}

/**
 * Refuses a configuration that switches on a direction that cannot work here: enabling it in 21Vianet (or moving a
 * tenant that uses it to 21Vianet), or PBX → Teams on a PBX without call states. `cloudChanged` names the field.
 */
export function refuseUnavailableTeamsPresence(
  features: Pick<FeatureSwitches, 'pbxToTeamsPresence' | 'teamsToPbxPresence'>,
  cloud: Microsoft365Cloud,
  hasCallStates: boolean,
  cloudChanged: boolean,
): void {
  const why = teamsPresenceAvailability(cloud, hasCallStates);
  for (const [switchName, reason] of [
    ['pbxToTeamsPresence', why.toTeams],
    ['teamsToPbxPresence', why.fromTeams],
  ] as const) {
    if (features[switchName] === true && reason !== null) {
      throw invalidField(
        cloudChanged && reason === NOT_IN_CHINA ? 'cloud' : `features.${switchName}`,
        reason,
      );
    }
  }
}
