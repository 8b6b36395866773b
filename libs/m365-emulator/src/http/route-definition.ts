import type { EmulatorRequest } from './emulator-request';
import type { EmulatorResponse } from './emulator-response';

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
  /** Directory resource-unit base cost (docs/graph-notes.md §6); defaults to 1 for Graph GETs. */
  readonly resourceUnits?: number;
  /** Exempt from request throttling (used by $batch, whose items are throttled one by one). */
  readonly throttleExempt?: boolean;
  /**
   * An Outlook route (mail, contacts, calendar, mailbox settings, photos through the profile API): its injected
   * latency is spent inside MailboxAccess while the app + mailbox concurrency slot is held, as the real
   * service keeps the mailbox busy for the whole request. Set it with `asOutlookRoutes`.
   */
  readonly outlook?: boolean;
}

/** Marks a family's routes as Outlook routes (see RouteDefinition.outlook). */
export function asOutlookRoutes(routes: RouteDefinition[]): RouteDefinition[] {
  return routes.map((route) => ({ ...route, outlook: true }));
}
