/** The statuses this PBX offers; the Microsoft 365 module maps calendar states onto them. */
export enum PresenceStatus {
  Available = 'AVAILABLE',
  Away = 'AWAY',
  DoNotDisturb = 'DND',
  InAMeeting = 'IN_A_MEETING',
  OutOfOffice = 'OUT_OF_OFFICE',
  BusinessTrip = 'BUSINESS_TRIP',
  Lunch = 'LUNCH',
  Offline = 'OFFLINE',
}

export const PRESENCE_STATUSES: readonly PresenceStatus[] = Object.values(PresenceStatus);

/** Status of a user who never set one. */
export const DEFAULT_PRESENCE_STATUS = PresenceStatus.Available;

export function isPresenceStatus(value: string): value is PresenceStatus {
  return (PRESENCE_STATUSES as readonly string[]).includes(value);
}
