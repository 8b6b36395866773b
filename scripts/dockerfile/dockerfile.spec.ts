import { dockerIgnore, execForm, parseDockerfile } from './dockerfile';

describe('the Dockerfile reader of check-dockerfile', () => {
  it('joins continuation lines and drops comments', () => {
    expect(
      parseDockerfile('# c\nFROM node:26-slim AS build\n\nRUN a \\\n  && b\nCMD ["node", "x.js"]\n').map(
        (i) => [i.keyword, i.argument],
      ),
    ).toEqual([
      ['FROM', 'node:26-slim AS build'],
      ['RUN', 'a && b'],
      ['CMD', '["node", "x.js"]'],
    ]);
    expect(execForm('["node", "x.js"]')).toEqual(['node', 'x.js']);
  });

  it('ignores paths as Docker does: from the root, ** for any depth, directories with their contents', () => {
    const ignored = dockerIgnore('node_modules\n**/dist\n*.log\nbench/results\n!keep.log\n');
    expect(ignored('node_modules/x/index.js')).toBe(true);
    expect(ignored('libs/a/node_modules/x.js')).toBe(false);
    expect(ignored('libs/a/dist/index.js')).toBe(true);
    expect(ignored('dist')).toBe(true);
    expect(ignored('a.log')).toBe(true);
    expect(ignored('libs/a.log')).toBe(false);
    expect(ignored('keep.log')).toBe(false);
    expect(ignored('bench/results/x.json')).toBe(true);
    expect(ignored('bench/run.ts')).toBe(false);
  });
});
