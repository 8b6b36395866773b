import type { EmulatorRequest } from '@pbx/m365-emulator/http/emulator-request';
import type { EmulatorResponse } from '@pbx/m365-emulator/http/emulator-response';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** graph = Microsoft Graph, login = Entra ID endpoints, control = the emulator's own API (never faulted). */
export type RouteKind = 'graph' | 'login' | 'control';

export type RouteHandler = (request: EmulatorRequest) => EmulatorResponse | Promise<EmulatorResponse>;

export interface RouteDefinition {
  readonly method: HttpMethod;
  /** Path template with {param} segments; also the key used by the request counters. */
  readonly path: string;
  readonly kind: RouteKind;
  readonly handler: RouteHandler;
  /** Directory resource-unit base cost (graph-facts §6); defaults to 1 for Graph GETs. */
  readonly resourceUnits?: number;
  /** Exempt from request throttling (used by $batch, whose items are throttled one by one). */
  readonly throttleExempt?: boolean;
}
