import { maxFilterNodes } from './constants.ts';
import { ScimError } from './errors.ts';

/**
 * A parser for the filter subset Databricks documents: `eq`, `ne`, `co` and `sw`, joined by
 * `and` and `or`, with parentheses. Values may be quoted (`userName eq "a@b.c"`, as Terraform
 * sends) or bare (`displayName sw my-`, as the Databricks docs show). A filter of more than 200
 * nodes fails with 400, which is Databricks' documented limit.
 *
 * NOTE: Databricks documents only the INVALID_FILTER code, so the detail after it is invented.
 */

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw';

export type Filter =
  | { kind: 'compare'; attribute: string; op: CompareOp; value: string }
  | { kind: 'and' | 'or'; left: Filter; right: Filter };

const compareOps: readonly string[] = ['eq', 'ne', 'co', 'sw'];

/** Attributes whose comparison ignores case: Databricks treats user names and emails so. */
const caseInsensitive = new Set(['username', 'emails', 'emails.value']);

interface Token {
  text: string;
  quoted: boolean;
}

export function invalidFilter(reason: string): ScimError {
  return new ScimError(400, `INVALID_FILTER: ${reason}`, 'invalidFilter');
}

export function parseFilter(source: string): Filter {
  const parser = new Parser(tokenize(source));
  const filter = parser.expression();
  if (parser.peek()) throw invalidFilter(`unexpected "${parser.peek()?.text}"`);
  if (parser.nodes > maxFilterNodes) {
    throw invalidFilter(`filter has ${parser.nodes} nodes, more than ${maxFilterNodes}`);
  }
  return filter;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:"((?:[^"\\]|\\.)*)"|([()])|([^\s()"]+))/y;
  let index = 0;
  while (source.slice(index).trim() !== '') {
    pattern.lastIndex = index;
    const match = pattern.exec(source);
    if (!match) throw invalidFilter('unterminated string');

    if (match[1] !== undefined)
      tokens.push({ text: match[1].replace(/\\(.)/g, '$1'), quoted: true });
    else tokens.push({ text: (match[2] ?? match[3]) as string, quoted: false });
    index = pattern.lastIndex;
  }
  return tokens;
}

class Parser {
  nodes = 0;
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  peek(): Token | undefined {
    return this.tokens[this.position];
  }

  expression(): Filter {
    let left = this.conjunction();
    while (this.keyword('or')) left = this.node({ kind: 'or', left, right: this.conjunction() });
    return left;
  }

  private conjunction(): Filter {
    let left = this.operand();
    while (this.keyword('and')) left = this.node({ kind: 'and', left, right: this.operand() });
    return left;
  }

  private operand(): Filter {
    const token = this.take('an attribute');
    if (token.text === '(' && !token.quoted) {
      const inner = this.expression();
      if (this.take('")"').text !== ')') throw invalidFilter('missing ")"');
      return inner;
    }
    const op = this.take('an operator').text.toLowerCase();
    if (!compareOps.includes(op)) throw invalidFilter(`unsupported operator "${op}"`);
    const value = this.take('a value').text;
    return this.node({ kind: 'compare', attribute: token.text, op: op as CompareOp, value });
  }

  private node(filter: Filter): Filter {
    this.nodes += 1;
    return filter;
  }

  private keyword(word: string): boolean {
    const token = this.peek();
    if (!token || token.quoted || token.text.toLowerCase() !== word) return false;
    this.position += 1;
    return true;
  }

  private take(expected: string): Token {
    const token = this.tokens[this.position];
    if (!token) throw invalidFilter(`expected ${expected} at the end`);
    this.position += 1;
    return token;
  }
}

/** Tests a resource, as the client would see it, against the filter. */
export function matches(filter: Filter, resource: Record<string, unknown>): boolean {
  switch (filter.kind) {
    case 'and':
      return matches(filter.left, resource) && matches(filter.right, resource);
    case 'or':
      return matches(filter.left, resource) || matches(filter.right, resource);
    default:
      return matchesComparison(filter, resource);
  }
}

function matchesComparison(
  filter: Extract<Filter, { kind: 'compare' }>,
  resource: Record<string, unknown>,
): boolean {
  const fold = caseInsensitive.has(filter.attribute.toLowerCase());
  const wanted = fold ? filter.value.toLowerCase() : filter.value;
  const found = valuesAt(resource, filter.attribute).map((v) => (fold ? v.toLowerCase() : v));
  if (filter.op === 'ne') return !found.includes(wanted);
  return found.some((value) => compare(filter.op, value, wanted));
}

function compare(op: CompareOp, value: string, wanted: string): boolean {
  if (op === 'co') return value.includes(wanted);
  if (op === 'sw') return value.startsWith(wanted);
  return value === wanted;
}

/** Collects the string values at a path, looking inside arrays (`emails` means `emails.value`). */
function valuesAt(resource: unknown, path: string): string[] {
  let current: unknown[] = [resource];
  for (const part of path.split('.')) {
    current = current.flatMap((item) => {
      const next = lookup(item, part);
      return Array.isArray(next) ? next : [next];
    });
  }
  return current.flatMap((item) => {
    if (typeof item === 'object' && item !== null) return valuesAt(item, 'value');
    return item === undefined || item === null ? [] : [String(item)];
  });
}

function lookup(item: unknown, key: string): unknown {
  if (typeof item !== 'object' || item === null) return undefined;
  const entry = Object.entries(item).find(([name]) => name.toLowerCase() === key.toLowerCase());
  return entry?.[1];
}
