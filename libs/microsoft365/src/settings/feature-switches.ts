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
  groupSync: false,
};
