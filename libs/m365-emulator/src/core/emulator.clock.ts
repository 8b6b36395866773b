export interface EmulatorClockOptions {
  /** Start time of the emulated clock; defaults to the real time. */
  startAt?: Date | number;
  /** A frozen clock only moves through advance()/set(); handy for exact expiry tests. */
  frozen?: boolean;
}

/**
 * The emulator's notion of "now", used for token lifetimes, certificate validity, delta-token expiry and
 * throttling buckets. It follows real time by default, shifted by whatever tests advance it by.
 */
export class EmulatorClock {
  private offsetMs: number;
  private frozenAtMs: number | undefined;

  constructor(options: EmulatorClockOptions = {}) {
    const realNow = Date.now();
    const start = options.startAt === undefined ? realNow : new Date(options.startAt).getTime();
    this.offsetMs = start - realNow;
    this.frozenAtMs = options.frozen ? realNow : undefined;
  }

  now(): number {
    return (this.frozenAtMs ?? Date.now()) + this.offsetMs;
  }

  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  date(): Date {
    return new Date(this.now());
  }

  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('The emulator clock only moves forward');
    this.offsetMs += ms;
    return this.now();
  }

  set(time: Date | number): number {
    this.offsetMs = new Date(time).getTime() - (this.frozenAtMs ?? Date.now());
    return this.now();
  }
}
