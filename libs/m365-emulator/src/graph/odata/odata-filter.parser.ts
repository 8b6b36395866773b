import type { ComparisonOperator, FilterLiteral, FilterNode } from './odata-filter.ast';

type Token =
  | { readonly type: 'string'; readonly value: string; readonly position: number }
  | { readonly type: 'word'; readonly value: string; readonly position: number }
  | { readonly type: 'number'; readonly value: number; readonly position: number }
  | { readonly type: 'punct'; readonly value: '(' | ')' | ',' | ':'; readonly position: number };

export class FilterSyntaxError extends Error {
  constructor(
    readonly position: number,
    readonly filter: string,
  ) {
    super(`Invalid filter clause: Syntax error at position ${position} in '${filter}'.`);
  }
}

const OPERATORS: readonly ComparisonOperator[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];

/** Parser for the OData $filter subset the directory supports (docs/graph-notes.md §3.1). */
export class ODataFilterParser {
  private readonly tokens: Token[];
  private index = 0;

  private constructor(private readonly text: string) {
    this.tokens = ODataFilterParser.tokenize(text);
  }

  static parse(text: string): FilterNode {
    const parser = new ODataFilterParser(text);
    const node = parser.parseOr();
    if (parser.index < parser.tokens.length) parser.fail();
    return node;
  }

  private parseOr(): FilterNode {
    let left = this.parseAnd();
    while (this.acceptWord('or')) left = { kind: 'or', left, right: this.parseAnd() };
    return left;
  }

  private parseAnd(): FilterNode {
    let left = this.parseUnary();
    while (this.acceptWord('and')) left = { kind: 'and', left, right: this.parseUnary() };
    return left;
  }

  private parseUnary(): FilterNode {
    if (this.acceptWord('not')) return { kind: 'not', operand: this.parseUnary() };
    return this.parsePrimary();
  }

  private parsePrimary(): FilterNode {
    if (this.acceptPunct('(')) {
      const inner = this.parseOr();
      this.expectPunct(')');
      return inner;
    }
    const word = this.expectWord();
    const lower = word.toLowerCase();
    if ((lower === 'startswith' || lower === 'endswith') && this.acceptPunct('(')) {
      const property = this.expectWord();
      this.expectPunct(',');
      const value = this.expectLiteral();
      this.expectPunct(')');
      if (typeof value !== 'string') this.fail();
      return { kind: 'function', name: lower, property, value };
    }
    const lambda = /^(.+)\/(any)$/i.exec(word);
    if (lambda && this.acceptPunct('(')) {
      const variable = this.expectWord();
      this.expectPunct(':');
      if (this.expectWord() !== variable) this.fail();
      const operator = this.expectOperator();
      const value = this.expectLiteral();
      this.expectPunct(')');
      return { kind: 'any', property: lambda[1] ?? '', operator, value };
    }
    if (this.acceptWord('in')) {
      this.expectPunct('(');
      const values: FilterLiteral[] = [this.expectLiteral()];
      while (this.acceptPunct(',')) values.push(this.expectLiteral());
      this.expectPunct(')');
      return { kind: 'in', property: word, values };
    }
    const operator = this.expectOperator();
    return { kind: 'compare', operator, property: word, value: this.expectLiteral() };
  }

  private expectOperator(): ComparisonOperator {
    const word = this.expectWord().toLowerCase();
    const operator = OPERATORS.find((candidate) => candidate === word);
    if (!operator) this.fail();
    return operator;
  }

  private expectLiteral(): FilterLiteral {
    const token = this.tokens[this.index];
    if (!token) this.fail();
    this.index += 1;
    if (token.type === 'string' || token.type === 'number') return token.value;
    if (token.type === 'word') {
      const lower = token.value.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      if (lower === 'null') return null;
      // GUID literals are accepted unquoted for id comparisons.
      if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(token.value))
        return token.value;
    }
    this.index -= 1;
    this.fail();
  }

  private expectWord(): string {
    const token = this.tokens[this.index];
    if (token?.type !== 'word') this.fail();
    this.index += 1;
    return token.value;
  }

  private acceptWord(word: string): boolean {
    const token = this.tokens[this.index];
    if (token?.type === 'word' && token.value.toLowerCase() === word) {
      this.index += 1;
      return true;
    }
    return false;
  }

  private acceptPunct(value: '(' | ')' | ',' | ':'): boolean {
    const token = this.tokens[this.index];
    if (token?.type === 'punct' && token.value === value) {
      this.index += 1;
      return true;
    }
    return false;
  }

  private expectPunct(value: '(' | ')' | ',' | ':'): void {
    if (!this.acceptPunct(value)) this.fail();
  }

  private fail(): never {
    const token = this.tokens[this.index];
    throw new FilterSyntaxError(token?.position ?? this.text.length, this.text);
  }

  private static tokenize(text: string): Token[] {
    const tokens: Token[] = [];
    let i = 0;
    while (i < text.length) {
      const char = text.charAt(i);
      if (/\s/.test(char)) {
        i += 1;
      } else if (char === "'") {
        const start = i;
        let value = '';
        i += 1;
        for (;;) {
          if (i >= text.length) throw new FilterSyntaxError(start, text);
          const next = text.charAt(i);
          if (next === "'") {
            if (text.charAt(i + 1) === "'") {
              value += "'";
              i += 2;
              continue;
            }
            i += 1;
            break;
          }
          value += next;
          i += 1;
        }
        tokens.push({ type: 'string', value, position: start });
      } else if (char === '(' || char === ')' || char === ',' || char === ':') {
        tokens.push({ type: 'punct', value: char, position: i });
        i += 1;
      } else if (/[-0-9]/.test(char) && /^-?\d+(\.\d+)?(?![\w-])/.test(text.slice(i))) {
        const match = /^-?\d+(\.\d+)?/.exec(text.slice(i))?.[0] ?? '';
        tokens.push({ type: 'number', value: Number(match), position: i });
        i += match.length;
      } else if (/[\w$@#.\-/]/.test(char)) {
        const match = /^[\w$@#.\-/]+/.exec(text.slice(i))?.[0] ?? char;
        tokens.push({ type: 'word', value: match, position: i });
        i += match.length;
      } else {
        throw new FilterSyntaxError(i, text);
      }
    }
    return tokens;
  }
}
