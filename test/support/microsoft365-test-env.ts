import { type Clock, type Microsoft365ModuleOptions } from '@pbx/microsoft365';
import { M365Emulator, type SeedOptions, type SeedResult } from '@pbx/m365-emulator';

/** The module's clock in tests: real time plus an offset the test moves. */
export class TestClock implements Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advanceDays(days: number): void {
    this.offsetMs += days * 24 * 3600 * 1000;
  }

  reset(): void {
    this.offsetMs = 0;
  }
}

export interface EmulatedMicrosoft365 {
  emulator: M365Emulator;
  seeded: SeedResult & { clientId: string };
  clock: TestClock;
  /** Module options that point the module at the emulator, as a corporate gateway would be configured. */
  moduleOptions: Partial<Microsoft365ModuleOptions>;
  close(): Promise<void>;
}

/** Starts the emulator with a seeded tenant and an app registration, ready for a PBX tenant to connect to. */
export async function startEmulatedMicrosoft365(
  seed: Partial<SeedOptions> = {},
): Promise<EmulatedMicrosoft365> {
  const emulator = await M365Emulator.start({ port: 0, seed: 7 });
  const seeded = await emulator.control.seed({
    users: 25,
    departments: 3,
    groupDepth: 1,
    seed: 7,
    app: { permissions: [] },
    ...seed,
  });
  if (!seeded.clientId) throw new Error('the seed registered no app');
  const clock = new TestClock();
  return {
    emulator,
    seeded: { ...seeded, clientId: seeded.clientId },
    clock,
    moduleOptions: {
      endpoints: { authorityBaseUrl: emulator.baseUrl, graphBaseUrl: emulator.baseUrl },
      trustedCaPem: [emulator.caPem],
      clock,
    },
    close: () => emulator.close(),
  };
}
