/**
 * Resolves the `@pbx/...` path aliases at run time for the compiled JavaScript (`npm start`), which `tsc` leaves
 * as written. It must be the first import of an entry point. The layout under `dist/` mirrors the sources, so the
 * same mapping works from `apps/pbx-host/src` (ts-node) and `dist/apps/pbx-host/src` (node).
 */
import Module from 'node:module';
import { join, resolve } from 'node:path';

type ResolveFilename = (request: string, parent: unknown, isMain: boolean, options?: unknown) => string;

const root = resolve(__dirname, '..', '..', '..');
const aliases: [prefix: string, target: string][] = [
  ['@pbx/microsoft365', join(root, 'libs/microsoft365/src')],
  ['@pbx/m365-emulator', join(root, 'libs/m365-emulator/src')],
  ['@pbx/host', join(root, 'apps/pbx-host/src')],
];

function mapAlias(request: string): string {
  for (const [prefix, target] of aliases) {
    if (request === prefix || request.startsWith(`${prefix}/`)) {
      return target + request.slice(prefix.length);
    }
  }
  return request;
}

const loader = Module as unknown as { _resolveFilename: ResolveFilename };
const resolveFilename = loader._resolveFilename;
loader._resolveFilename = function (this: unknown, request, parent, isMain, options) {
  return resolveFilename.call(this, mapAlias(request), parent, isMain, options);
};
