import type { EmulatorRequest } from './emulator-request';
import type { EmulatorResponse } from './emulator-response';

/** Errors that know how the service they imitate (Entra, Graph, control API) renders them. */
export abstract class EmulatorHttpError extends Error {
  abstract toResponse(request: EmulatorRequest | undefined, nowMs: number): EmulatorResponse;
}
