#!/usr/bin/env bash
# Adds every public symbol the PublicApiAnalyzers report as undeclared (RS0016) to PublicAPI.Unshipped.txt.
# Run after a deliberate public API change, then review the diff of the file.
set -euo pipefail
cd "$(dirname "$0")/.."
project=src/WebSocketProtocol
file=$project/PublicAPI.Unshipped.txt
log=$(mktemp)
dotnet build "$project" -c Release -f net10.0 --no-incremental >"$log" 2>&1 || true
grep -o "error RS0016: Symbol '.*' is not part of the declared public API" "$log" \
  | sed -E "s/^error RS0016: Symbol '(.*)' is not part of the declared public API$/\1/" >>"$file" || true
rm -f "$log"
{ head -n1 "$file"; tail -n +2 "$file" | sort -u; } >"$file.tmp" && mv "$file.tmp" "$file"
