#!/usr/bin/env bash
# Brings PublicAPI.Unshipped.txt in line with the code: adds what the analyzers report as undeclared (RS0016) and drops
# what they report as declared but gone (RS0017). Run after a deliberate public API change, then review the diff.
# What only the .NET targets have (netstandard2.0 lacks it) goes to PublicAPI/net/PublicAPI.Unshipped.txt instead.
set -euo pipefail
cd "$(dirname "$0")/.."
project=src/WebSocketProtocol
file=$project/PublicAPI.Unshipped.txt
net_file=$project/PublicAPI/net/PublicAPI.Unshipped.txt
log=$(mktemp)
trap 'rm -f "$log" "$log.gone" "$log.netonly"' EXIT
for round in 1 2; do
  dotnet build "$project" -c Release -f net10.0 --no-incremental >"$log" 2>&1 || true
  grep -o "error RS0017: Symbol '.*' is part of the declared API" "$log" \
    | sed -E "s/^error RS0017: Symbol '(.*)' is part of the declared API$/\1/" | sort -u >"$log.gone" || true
  grep -o "error RS0016: Symbol '.*' is not part of the declared public API" "$log" \
    | sed -E "s/^error RS0016: Symbol '(.*)' is not part of the declared public API$/\1/" >>"$file" || true
  { head -n1 "$file"; tail -n +2 "$file" | grep -vxF -f "$log.gone" | sort -u; } >"$file.tmp" || true
  mv "$file.tmp" "$file"
done

# Declared in the shared file but missing from netstandard2.0: .NET-only, so moved to the .NET targets' file.
dotnet build "$project" -c Release -f netstandard2.0 --no-incremental >"$log" 2>&1 || true
grep -o "error RS0017: Symbol '.*' is part of the declared API" "$log" \
  | sed -E "s/^error RS0017: Symbol '(.*)' is part of the declared API$/\1/" | sort -u >"$log.netonly" || true
if [ -s "$log.netonly" ]; then
  cat "$log.netonly" >>"$net_file"
  { head -n1 "$net_file"; tail -n +2 "$net_file" | sort -u; } >"$net_file.tmp" && mv "$net_file.tmp" "$net_file"
  { head -n1 "$file"; tail -n +2 "$file" | grep -vxF -f "$log.netonly" | sort -u; } >"$file.tmp" || true
  mv "$file.tmp" "$file"
fi
