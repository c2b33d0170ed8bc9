#!/usr/bin/env bash
# axe-core for the accessibility checks, from the npm registry into .build/axe/: the version
# pinned in axe/package.json, its sha512 checked by `npm ci` against axe/package-lock.json.
# Does nothing when that lock is already installed; installs Debian's npm when missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
target="$here/../../.build/axe"
if cmp -s "$here/axe/package-lock.json" "$target/node_modules/.package-lock.json.installed"; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm
fi
mkdir -p "$target"
cp "$here/axe/package.json" "$here/axe/package-lock.json" "$target/"
(cd "$target" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
cp "$here/axe/package-lock.json" "$target/node_modules/.package-lock.json.installed"
