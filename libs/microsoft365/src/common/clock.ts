export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('MICROSOFT365_CLOCK');

export const systemClock: Clock = { now: () => new Date() };
