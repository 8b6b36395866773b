import type { HttpMethod, RouteDefinition } from './route-definition';

export interface RouteMatch {
  readonly route: RouteDefinition;
  readonly params: Record<string, string>;
}

export type RouteLookup =
  | { readonly kind: 'matched'; readonly match: RouteMatch }
  | { readonly kind: 'method-not-allowed'; readonly allowed: HttpMethod[]; readonly sample: RouteDefinition }
  | { readonly kind: 'not-found' };

interface CompiledRoute {
  readonly route: RouteDefinition;
  readonly segments: readonly string[];
  readonly literalCount: number;
}

/**
 * Segment-based router. Literal segments match case-insensitively (Graph paths are case-insensitive) and win
 * over {params}, so /users/delta beats /users/{id} regardless of registration order.
 */
export class HttpRouter {
  private readonly routes: CompiledRoute[] = [];

  register(...routes: RouteDefinition[]): void {
    for (const route of routes) {
      const segments = HttpRouter.split(route.path);
      const literalCount = segments.filter((segment) => !HttpRouter.isParam(segment)).length;
      this.routes.push({ route, segments, literalCount });
    }
  }

  lookup(method: string, path: string): RouteLookup {
    const segments = HttpRouter.split(path).map((segment) => HttpRouter.decode(segment));
    let best: { compiled: CompiledRoute; params: Record<string, string> } | undefined;
    const allowed = new Set<HttpMethod>();
    let sample: RouteDefinition | undefined;
    for (const compiled of this.routes) {
      const params = HttpRouter.matchSegments(compiled.segments, segments);
      if (!params) continue;
      if (compiled.route.method !== method.toUpperCase()) {
        allowed.add(compiled.route.method);
        sample ??= compiled.route;
        continue;
      }
      if (!best || compiled.literalCount > best.compiled.literalCount) best = { compiled, params };
    }
    if (best) return { kind: 'matched', match: { route: best.compiled.route, params: best.params } };
    if (sample) return { kind: 'method-not-allowed', allowed: [...allowed], sample };
    return { kind: 'not-found' };
  }

  private static matchSegments(
    pattern: readonly string[],
    actual: readonly string[],
  ): Record<string, string> | undefined {
    if (pattern.length !== actual.length) return undefined;
    const params: Record<string, string> = {};
    for (let i = 0; i < pattern.length; i++) {
      const expected = pattern[i] ?? '';
      const value = actual[i] ?? '';
      if (HttpRouter.isParam(expected)) {
        if (value === '') return undefined;
        params[expected.slice(1, -1)] = value;
      } else if (expected.toLowerCase() !== value.toLowerCase()) {
        return undefined;
      }
    }
    return params;
  }

  private static split(path: string): string[] {
    return path.split('/').filter((segment) => segment !== '');
  }

  private static isParam(segment: string): boolean {
    return segment.startsWith('{') && segment.endsWith('}');
  }

  private static decode(segment: string): string {
    try {
      return decodeURIComponent(segment);
    } catch {
      return segment;
    }
  }
}
