#!/usr/bin/env bash
# Packs both packages (WebSocketProtocol and WebSocketProtocol.AspNetCore, Release, every target, XML docs and symbols)
# into a folder that serves as a local package source, until they are on a public feed:
#
#   bash eng/pack-local.sh [FOLDER]      (default: artifacts/packages in this clone)
#
# then, in the project that wants them:  dotnet add package WebSocketProtocol --source FOLDER
# The build goes to a temporary folder, so this clone's bin and obj are left as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
feed="${1:-artifacts/packages}"
mkdir -p "$feed"
feed="$(cd "$feed" && pwd)"
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
for project in src/WebSocketProtocol src/WebSocketProtocol.AspNetCore; do
  dotnet pack "$project" -c Release -o "$feed" --artifacts-path "$build" --disable-build-servers -warnaserror
done
echo
echo "Packed into $feed. Add a package to a project with:"
echo "  dotnet add package WebSocketProtocol --source $feed"
