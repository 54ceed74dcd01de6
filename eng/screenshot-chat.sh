#!/usr/bin/env bash
# Takes the README's picture of the chat (docs/chat-two-windows.png, or the path given): builds and starts
# samples/ChatServer on a free loopback port, has two headless Chromium windows (Debian's chromium) chat in one room
# through eng/ChatScreenshot, and writes the two windows side by side. Rerun it when the page changes.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
output=${1:-"$root/docs/chat-two-windows.png"}
command -v "${CHROMIUM:-chromium}" >/dev/null || { echo "needs Chromium: apt-get install chromium (or set CHROMIUM)" >&2; exit 1; }

dotnet build "$root/samples/ChatServer" -c Release --nologo -v quiet
dotnet build "$root/eng/ChatScreenshot" -c Release --nologo -v quiet

log=$(mktemp)
dotnet "$root/samples/ChatServer/bin/Release/net10.0/ChatServer.dll" --host 127.0.0.1 --port 0 >"$log" 2>&1 &
server=$!
# SIGTERM is the server's Ctrl+C: it closes every connection with 1001 and exits.
trap 'kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$log"' EXIT

origin=
for _ in $(seq 1 120); do
  origin=$(sed -n 's/^Listening on \(http:\/\/[^ ]*\).*/\1/p' "$log" | head -n 1)
  [ -n "$origin" ] && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.5
done
[ -n "$origin" ] || { echo "the chat server did not start:" >&2; cat "$log" >&2; exit 1; }

dotnet "$root/eng/ChatScreenshot/bin/Release/net10.0/ChatScreenshot.dll" "$origin" "$output"
