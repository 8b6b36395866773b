/** The parts of a Dockerfile and a .dockerignore that scripts/check-dockerfile.ts carries out without Docker. */

export interface Instruction {
  /** FROM, WORKDIR, COPY, RUN, ENV, USER, EXPOSE, HEALTHCHECK, ENTRYPOINT, CMD, ... */
  keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  argument: string;
  line: number;
}

/** Instructions in order; `\` continuations joined, comments and blank lines dropped. */
export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const start = index;
    let line = lines[index] ?? '';
    if (/^\s*(#|$)/.test(line)) continue;
    while (/\\\s*$/.test(line) && index + 1 < lines.length) {
      index++;
      const next = lines[index] ?? '';
      if (/^\s*#/.test(next)) continue;
      line = line.replace(/\s*\\\s*$/, ' ') + next.trim();
    }
    const match = /^\s*(\S+)\s+(.*)$/.exec(line);
    if (!match) throw new Error(`Dockerfile line ${start + 1}: cannot read "${line}"`);
    instructions.push({
      keyword: (match[1] ?? '').toUpperCase(),
      argument: (match[2] ?? '').trim(),
      line: start + 1,
    });
  }
  return instructions;
}

/** `["a", "b"]` (exec form) or a shell string, as an argument vector. */
export function execForm(argument: string): string[] {
  if (argument.startsWith('[')) return JSON.parse(argument) as string[];
  return ['/bin/sh', '-c', argument];
}

/**
 * Docker's .dockerignore: each pattern is matched against the path from the context's root (Go filepath.Match
 * with `**` for any number of directories); a matched directory excludes everything below it; `!` re-includes.
 * https://docs.docker.com/build/concepts/context/#dockerignore-files
 */
export function dockerIgnore(text: string): (relativePath: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const pattern = (negate ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
      const source = pattern
        .split('/')
        .map((segment) =>
          segment === '**'
            ? '(?:.*)'
            : segment
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/')
        .replace(/\(\?:\.\*\)\//g, '(?:.*/)?');
      return { negate, regex: new RegExp(`^${source}(?:/.*)?$`) };
    });
  return (relativePath) => {
    let ignored = false;
    for (const rule of rules) if (rule.regex.test(relativePath)) ignored = !rule.negate;
    return ignored;
  };
}
