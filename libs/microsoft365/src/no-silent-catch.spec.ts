import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import * as ts from 'typescript';

/**
 * "No catch without a log line or a rethrow" (issue 16): every `catch` block and `.catch()` handler in the module
 * logs, rethrows, hands the error on (passes it to a function: a reporter, a callback, the admin's answer), or says
 * in an `expected:` comment why the failure is an answer rather than an error (parsing untrusted input, a probe
 * whose failure is its result).
 */
const ROOT = __dirname;
const LOGS = /\b(logger|Logger|this\.logger)\.(warn|error|log|debug|verbose|fatal)\(/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'migrations' ? [] : sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

function handled(body: ts.Node, caught: string | undefined, file: ts.SourceFile): boolean {
  const text = body.getFullText(file);
  if (/\bexpected:/.test(text) || LOGS.test(text)) return true;
  let handedOn = false;
  const visit = (child: ts.Node): void => {
    if (ts.isThrowStatement(child)) handedOn = true;
    if (
      caught !== undefined &&
      ts.isCallExpression(child) &&
      child.arguments.some((argument) => new RegExp(`\\b${caught}\\b`).test(argument.getText(file)))
    ) {
      handedOn = true;
    }
    ts.forEachChild(child, visit);
  };
  visit(body);
  return handedOn;
}

function handlerOf(node: ts.CallExpression): ts.ArrowFunction | ts.FunctionExpression | undefined {
  const [handler] = node.arguments;
  return handler && (ts.isArrowFunction(handler) || ts.isFunctionExpression(handler)) ? handler : undefined;
}

export function silentCatches(root: string): string[] {
  const found: string[] = [];
  for (const path of sources(root)) {
    const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
    const where = (node: ts.Node) =>
      `${relative(root, path)}:${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}`;
    const visit = (node: ts.Node): void => {
      if (
        ts.isCatchClause(node) &&
        !handled(node.block, node.variableDeclaration?.name.getText(file), file)
      ) {
        found.push(where(node));
      }
      if (
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        node.expression.name.text === 'catch'
      ) {
        const handler = handlerOf(node);
        if (handler && !handled(handler.body, handler.parameters[0]?.name.getText(file), file)) {
          found.push(where(node));
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return found;
}

describe('no silent catch in the module', () => {
  it('logs, rethrows, hands on or explains every caught error', () => {
    expect(silentCatches(ROOT)).toEqual([]);
  });

  it('finds a silent catch block and a silent .catch() handler', () => {
    const dir = mkdtempSync(join(tmpdir(), 'silent-catch-'));
    try {
      writeFileSync(
        join(dir, 'sample.ts'),
        [
          'try { a(); } catch { }',
          'try { a(); } catch (error) { report(error); }',
          'try { a(); } catch { /* expected: a probe */ }',
          'p.catch(() => undefined);',
          'p.catch((error: unknown) => this.logger.warn(String(error)));',
        ].join('\n'),
      );
      expect(silentCatches(dir)).toEqual(['sample.ts:1', 'sample.ts:4']);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
