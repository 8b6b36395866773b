import Module from 'node:module';

interface NodeModuleInstance {
  paths: string[];
  filename: string;
  require(id: string): unknown;
}

type NodeModuleConstructor = (new (id: string) => NodeModuleInstance) & {
  _nodeModulePaths(from: string): string[];
};

/**
 * Loads an ESM-only package (jose 6) from Jest specs through Node's own loader (require(esm), Node >= 20.19),
 * bypassing Jest's CommonJS module registry which cannot load it without a transformIgnorePatterns change.
 */
export function loadEsmPackage<T>(name: string, fromDirectory: string): T {
  const NodeModule = Module as unknown as NodeModuleConstructor;
  const loader = new NodeModule(`${fromDirectory}/esm-loader.js`);
  loader.filename = `${fromDirectory}/esm-loader.js`;
  loader.paths = NodeModule._nodeModulePaths(fromDirectory);
  return loader.require(name) as T;
}
