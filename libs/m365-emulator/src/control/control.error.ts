import type { EmulatorRequest } from '../http/emulator-request';
import { jsonResponse, type EmulatorResponse } from '../http/emulator-response';
import { EmulatorHttpError } from '../http/emulator-http.error';

/** Control-API errors: plain JSON, clearly not Microsoft's format. */
export class ControlError extends EmulatorHttpError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }

  static notFound(what: string): ControlError {
    return new ControlError(404, `${what} not found`);
  }

  static invalid(message: string): ControlError {
    return new ControlError(400, message);
  }

  toResponse(_request: EmulatorRequest | undefined, _nowMs: number): EmulatorResponse {
    return jsonResponse(this.status, { error: this.message });
  }
}
