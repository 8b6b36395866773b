/** Master switches of the features; each feature keeps its detailed settings elsewhere. */
export interface FeatureSwitches {
  userSync: boolean;
  groupFilter: boolean;
  photos: boolean;
  personalContacts: boolean;
  sharedMailboxes: boolean;
  calendarPresence: boolean;
  mail: boolean;
  singleSignOn: boolean;
  /** Teams presence, PBX → Teams: a call on the PBX shows the user busy in Teams (needs the PBX's call states). */
  pbxToTeamsPresence: boolean;
  /** Teams presence, Teams → PBX: a Teams presence the user sets shows as their PBX status. */
  teamsToPbxPresence: boolean;
  /** Entra groups become PBX ring groups (needs the host's PBX_GROUPS port). */
  groupSync: boolean;
}

export const DEFAULT_FEATURE_SWITCHES: FeatureSwitches = {
  userSync: true,
  groupFilter: false,
  photos: false,
  personalContacts: false,
  sharedMailboxes: false,
  calendarPresence: false,
  mail: false,
  singleSignOn: false,
  pbxToTeamsPresence: false,
  teamsToPbxPresence: false,
  groupSync: false,
};
