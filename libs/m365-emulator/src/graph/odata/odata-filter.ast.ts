export type FilterLiteral = string | number | boolean | null;

export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export type FilterNode =
  | { readonly kind: 'and' | 'or'; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly kind: 'not'; readonly operand: FilterNode }
  | {
      readonly kind: 'compare';
      readonly operator: ComparisonOperator;
      readonly property: string;
      readonly value: FilterLiteral;
    }
  | { readonly kind: 'in'; readonly property: string; readonly values: readonly FilterLiteral[] }
  | {
      readonly kind: 'function';
      readonly name: 'startswith' | 'endswith';
      readonly property: string;
      readonly value: string;
    }
  | {
      readonly kind: 'any';
      readonly property: string;
      readonly operator: ComparisonOperator;
      readonly value: FilterLiteral;
    };
