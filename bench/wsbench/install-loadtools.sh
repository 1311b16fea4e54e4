#!/bin/sh
# Installs the Node load tools compared in side-by-side.mjs OUTSIDE the
# repository (they are not dependencies of the package), into $1 (default
# /tmp/loadtools):
# - Artillery with its ws engine: `npm install --ignore-scripts artillery`
#   (its install scripts download a browser for its Playwright engine, not
#   needed here).
# - thor 1.0.0: the registry's package names two of its dependencies by git
#   URL (ws from a GitHub fork, fast-stats from GitHub), which npm cannot
#   fetch without GitHub access; so the package is unpacked from the registry
#   and its dependencies installed from the registry instead: the versions
#   its package.json asks for, fast-stats 0.0.7, and ws 7 in place of the
#   fork (the same client API thor uses: `new WebSocket(url, { protocolVersion })`,
#   `send(data, { binary, mask }, callback)`).
set -eu
dir=${1:-/tmp/loadtools}
mkdir -p "$dir"
npm install --prefix "$dir" --ignore-scripts --no-audit --no-fund artillery
cd "$dir"
rm -rf thor thor-1.0.0.tgz package
npm pack thor@1.0.0
tar xzf thor-1.0.0.tgz
mv package thor
cd thor
npm install --no-save --no-package-lock --no-audit --no-fund \
  commander@1.1.x async@0.2.x tab@0.1.x colors@0.6.x sugar@1.3.8 fast-stats@0.0.7 ws@7
