import { TSMigrationGenerator } from '@mikro-orm/migrations';
import { type MigrationDiff } from '@mikro-orm/core';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';

export const START_MARKER = '// <generated-migrations>';
export const END_MARKER = '// </generated-migrations>';

/**
 * Writes migrations that pass the repository's lint as generated: synchronous `up`/`down` (MikroORM's default
 * `async` methods without `await` break `require-await`).
 */
export class LintCleanMigrationGenerator extends TSMigrationGenerator {
  override generateMigrationFile(className: string, diff: MigrationDiff): string {
    const body = (statements: string[]) => statements.map((sql) => this.createStatement(sql, 4)).join('');
    let code = `import { Migration } from '@mikro-orm/migrations';\n\n`;
    code += `/** Generated from the entities by scripts/create-migration.ts; review before committing. */\n`;
    code += `export class ${className} extends Migration {\n`;
    code += `  override up(): void {\n${body(diff.up)}  }\n`;
    if (diff.down.length > 0) {
      code += `\n  override down(): void {\n${body(diff.down)}  }\n`;
    }
    return `${code}}\n`;
  }
}

/** Migration files of a folder (`Migration<timestamp>[_name].ts`), oldest first. */
export async function listMigrationFiles(directory: string): Promise<string[]> {
  const files = await readdir(directory);
  return files
    .filter((file) => /^Migration\d{14}(_\w+)?\.ts$/.test(file))
    .map((file) => file.replace(/\.ts$/, ''))
    .sort();
}

/** The generated block of a migrations index: one import per migration and the ordered list. */
export function renderMigrationList(arrayName: string, migrations: string[]): string {
  const imports = migrations.map((name) => `import { ${name} } from './${name}';\n`).join('');
  const entries = migrations.map((name) => `  { name: '${name}', class: ${name} },\n`).join('');
  return `${START_MARKER}\n${imports}export const ${arrayName}: MigrationObject[] = [\n${entries}];\n${END_MARKER}`;
}

/** Replaces the block between the markers of `index.ts`, leaving everything else in the file alone. */
export function replaceMigrationList(source: string, block: string): string {
  const start = source.indexOf(START_MARKER);
  const end = source.indexOf(END_MARKER);
  if (start < 0 || end < start) {
    throw new Error(`the index has no "${START_MARKER}" ... "${END_MARKER}" block to regenerate`);
  }
  return source.slice(0, start) + block + source.slice(end + END_MARKER.length);
}

export async function prettierWrite(path: string, code: string): Promise<void> {
  const options = (await resolveConfig(path)) ?? {};
  await writeFile(path, await format(code, { ...options, filepath: path }));
}

/** Regenerates the list in `<directory>/index.ts` from the migration files in the folder. */
export async function regenerateMigrationIndex(directory: string, arrayName: string): Promise<string[]> {
  const migrations = await listMigrationFiles(directory);
  const indexPath = join(directory, 'index.ts');
  const source = await readFile(indexPath, 'utf8');
  await prettierWrite(indexPath, replaceMigrationList(source, renderMigrationList(arrayName, migrations)));
  return migrations;
}
