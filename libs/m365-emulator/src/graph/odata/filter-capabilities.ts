import { GraphError } from '../graph.error';
import type { FilterLiteral, FilterNode } from './odata-filter.ast';

/** default = works as a plain query; advanced = needs ConsistencyLevel: eventual + $count=true (§3.1). */
export type FilterSupport = 'default' | 'advanced';

export interface PropertyFilterSupport {
  readonly eq?: FilterSupport;
  readonly ne?: FilterSupport;
  readonly in?: FilterSupport;
  readonly startsWith?: FilterSupport;
  readonly endsWith?: FilterSupport;
  readonly nullCheck?: FilterSupport;
  readonly range?: FilterSupport;
  readonly any?: FilterSupport;
}

export type FilterCapabilities = Readonly<Record<string, PropertyFilterSupport>>;

export type PropertyReader = (property: string) => unknown;

function unsupported(property: string, resourceName: string): GraphError {
  return GraphError.unsupportedQuery(
    `Unsupported or invalid query filter clause specified for property '${property}' of resource '${resourceName}'.`,
  );
}

/**
 * Checks a parsed $filter against the directory's support matrix. Returns whether it needs advanced query
 * mode; throws Graph's Request_UnsupportedQuery when it can't work (or needs advanced mode that wasn't given).
 */
export function checkFilter(
  node: FilterNode,
  capabilities: FilterCapabilities,
  resourceName: string,
  advancedMode: boolean,
): void {
  const canonical = (property: string): string => {
    const name = Object.keys(capabilities).find((key) => key.toLowerCase() === property.toLowerCase());
    if (!name) throw unsupported(property, resourceName);
    return name;
  };
  const require = (property: string, support: FilterSupport | undefined): void => {
    if (support === undefined || (support === 'advanced' && !advancedMode))
      throw unsupported(property, resourceName);
  };
  const walk = (current: FilterNode): void => {
    switch (current.kind) {
      case 'and':
      case 'or':
        walk(current.left);
        walk(current.right);
        return;
      case 'not':
        if (!advancedMode) throw unsupported(firstProperty(current.operand), resourceName);
        walk(current.operand);
        return;
      case 'compare': {
        const caps = capabilities[canonical(current.property)] ?? {};
        if (current.value === null) require(current.property, caps.nullCheck);
        else if (current.operator === 'eq') require(current.property, caps.eq);
        else if (current.operator === 'ne') require(current.property, caps.ne);
        else require(current.property, caps.range);
        return;
      }
      case 'in':
        require(current.property, capabilities[canonical(current.property)]?.in);
        return;
      case 'function': {
        const caps = capabilities[canonical(current.property)] ?? {};
        require(current.property, current.name === 'startswith' ? caps.startsWith : caps.endsWith);
        return;
      }
      case 'any':
        require(current.property, capabilities[canonical(current.property)]?.any);
        return;
    }
  };
  walk(node);
}

function firstProperty(node: FilterNode): string {
  switch (node.kind) {
    case 'and':
    case 'or':
      return firstProperty(node.left);
    case 'not':
      return firstProperty(node.operand);
    default:
      return node.property;
  }
}

function equalsLiteral(actual: unknown, expected: FilterLiteral): boolean {
  if (expected === null) return actual === null || actual === undefined;
  // Directory string comparisons are case-insensitive.
  if (typeof actual === 'string' && typeof expected === 'string')
    return actual.toLowerCase() === expected.toLowerCase();
  return actual === expected;
}

function compareLiteral(
  actual: unknown,
  expected: FilterLiteral,
  operator: 'gt' | 'ge' | 'lt' | 'le',
): boolean {
  if ((typeof actual !== 'string' && typeof actual !== 'number') || expected === null) return false;
  const a = String(actual);
  const b = String(expected);
  switch (operator) {
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
  }
}

export function evaluateFilter(node: FilterNode, read: PropertyReader): boolean {
  switch (node.kind) {
    case 'and':
      return evaluateFilter(node.left, read) && evaluateFilter(node.right, read);
    case 'or':
      return evaluateFilter(node.left, read) || evaluateFilter(node.right, read);
    case 'not':
      return !evaluateFilter(node.operand, read);
    case 'compare': {
      const actual = read(node.property);
      if (node.operator === 'eq') return equalsLiteral(actual, node.value);
      if (node.operator === 'ne') return !equalsLiteral(actual, node.value);
      return compareLiteral(actual, node.value, node.operator);
    }
    case 'in': {
      const actual = read(node.property);
      return node.values.some((value) => equalsLiteral(actual, value));
    }
    case 'function': {
      const actual = read(node.property);
      if (typeof actual !== 'string') return false;
      const a = actual.toLowerCase();
      const b = node.value.toLowerCase();
      return node.name === 'startswith' ? a.startsWith(b) : a.endsWith(b);
    }
    case 'any': {
      const actual = read(node.property);
      if (!Array.isArray(actual)) return false;
      return actual.some((item) =>
        node.operator === 'ne' ? !equalsLiteral(item, node.value) : equalsLiteral(item, node.value),
      );
    }
  }
}
