import type { RouteDefinition } from './route-definition';

/** A fully buffered request as route handlers see it (also synthesised for $batch items). */
export interface EmulatorRequest {
  readonly method: string;
  readonly url: URL;
  readonly path: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly params: Readonly<Record<string, string>>;
  readonly route: RouteDefinition;
  readonly requestId: string;
  readonly clientRequestId: string | undefined;
  /** True for requests dispatched from inside a JSON $batch. */
  readonly viaBatch: boolean;
  /**
   * Injected latency an Outlook route spends while it holds its mailbox slot (MailboxAccess); 0 for other
   * routes, whose latency the pipeline applies before the handler.
   */
  readonly mailboxWorkMs: number;
  /** Headers that guards add (e.g. x-ms-resource-unit); merged into whatever the handler returns. */
  readonly responseHeaders: Record<string, string>;
}

export function requireParam(request: EmulatorRequest, name: string): string {
  const value = request.params[name];
  if (value === undefined) throw new Error(`Route ${request.route.path} has no parameter ${name}`);
  return value;
}

/** OData system query options are accepted with or without the "$" prefix, case-insensitively. */
export function queryOption(request: EmulatorRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of request.url.searchParams) {
    const normalised = key.toLowerCase();
    if (normalised === `$${wanted}` || normalised === wanted) return value;
  }
  return undefined;
}

export function readForm(request: EmulatorRequest): URLSearchParams {
  return new URLSearchParams(request.body.toString('utf8'));
}

export function readJson(request: EmulatorRequest): unknown {
  const text = request.body.toString('utf8');
  if (text.trim() === '') return undefined;
  return JSON.parse(text) as unknown;
}
