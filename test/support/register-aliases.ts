/**
 * Jest applies `moduleNameMapper` to test files but not to global setup: this resolves the `@pbx/...` aliases
 * from tsconfig.json there. Import it before anything that uses an alias.
 */
import { loadConfig, register } from 'tsconfig-paths';

const tsconfig = loadConfig(process.cwd());
if (tsconfig.resultType === 'success') {
  register({ baseUrl: tsconfig.absoluteBaseUrl, paths: tsconfig.paths });
}
