#!/usr/bin/env bash
# Installs Bun's binary (the npm package @oven/bun-linux-x64, pinned below) into a scratch folder and prints the path of
# the `bun` executable. Usage: benchmarks/bun/install-bun.sh FOLDER. Nothing is installed globally and nothing is run
# but npm; the folder is the caller's to remove.
set -euo pipefail
version=1.4.4
folder="$1"
mkdir -p "$folder"
if [ ! -x "$folder/node_modules/@oven/bun-linux-x64/bin/bun" ]; then
  npm install --no-audit --no-fund --no-save --prefix "$folder" "@oven/bun-linux-x64@$version" >&2
fi
echo "$folder/node_modules/@oven/bun-linux-x64/bin/bun"
