#!/usr/bin/env bash
# Builds every project for every target framework (warnings are errors) and runs the whole test suite.
# Everything the tests need is installed or restored here, so this one command works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# The interop tests run Node's ws package as a peer: install it once (no lock file is written, see the folder's .npmrc).
node_interop=tests/WebSocketProtocol.Tests/Interop/node
for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "error: $tool is required by the interop tests ($node_interop) but is not on PATH" >&2
    exit 1
  fi
done
# Installed when missing, or when the installed ws is not the version package.json pins.
if [ ! -d "$node_interop/node_modules/ws" ] || ! node -e '
  const dir = process.argv[1];
  const pinned = require(dir + "/package.json").dependencies.ws;
  process.exit(require(dir + "/node_modules/ws/package.json").version === pinned ? 0 : 1);
' "$PWD/$node_interop"; then
  npm install --no-audit --no-fund --prefix "$node_interop"
fi

# Bun's binary for the load comparison's smoke test of benchmarks/bun/bun-server.js (Load/ComparisonServerSmokeTests.cs),
# from the npm package @oven/bun-linux-x64 at the version the script pins, into artifacts/ (ignored by git).
bash benchmarks/bun/install-bun.sh artifacts/bun >/dev/null

# Debian packages the tests need, installed with apt-get (in one go) when missing:
# - chromium: the chat page's browser tests (tests/WebSocketProtocol.Tests/Samples/ChatPageTests.cs) drive the system's
#   Chromium through Playwright, whose driver comes in its NuGet package; Playwright's own browser download is never used;
# - clang and zlib1g-dev: the NativeAOT tests (tests/WebSocketProtocol.Tests/Samples/ChatClientNativeAotTests.cs and
#   NativeAot/LibraryNativeAotTests.cs) publish native executables, which clang links against zlib;
# - afl++: the fuzz runs (tests/WebSocketProtocol.Tests/Fuzzing, fuzz/README.md) run AFL++'s afl-fuzz;
# - redis-server: the chat sample's --redis tests (tests/WebSocketProtocol.Tests/Samples/ChatServerRedisTests.cs,
#   Samples/RedisDelivery/ and the two-node broadcast in Load/LoadToolSmokeTests.cs) start their own on a free loopback
#   port, persisting nothing unless the test needs it;
# - redis-sentinel: the fail-over test (Samples/RedisDelivery/ChatServerRedisFailoverTests.cs) runs three Sentinels
#   beside a master and a replica.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v clang >/dev/null 2>&1 || missing+=(clang)
[ "$(dpkg-query -W -f='${Status}' zlib1g-dev 2>/dev/null)" = 'install ok installed' ] || missing+=(zlib1g-dev)
command -v afl-fuzz >/dev/null 2>&1 || missing+=(afl++)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-sentinel >/dev/null 2>&1 || missing+=(redis-sentinel)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "error: the tests need Debian's ${missing[*]} (see eng/test.sh for which tests);" \
      "install them, or run this script as root or with sudo available" >&2
    exit 1
  fi
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

# SharpFuzz's instrumenting tool for the fuzz runs, at the version .config/dotnet-tools.json pins.
dotnet tool restore

dotnet build WebSocketProtocol.sln -c Release

# The fuzz program, published and instrumented once per target here rather than inside the fuzz tests' time.
bash fuzz/run.sh --prepare

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# A test that hangs is stopped (and named in the log) after 5 minutes instead of running into the CI time limit.
dotnet test WebSocketProtocol.sln -c Release --no-build --blame-hang-timeout 5m --blame-hang-dump-type none 2>&1 | tee "$log" || status=$?

# One plain summary line over every test assembly.
awk '/^(Passed|Failed)!/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:") failed += $(i + 1);
         if ($i == "Passed:") passed += $(i + 1);
         if ($i == "Skipped:") skipped += $(i + 1);
       }
     }
     END { printf "tests: %d passed, %d failed, %d skipped\n", passed, failed, skipped }' \
  FS='[ ,]+' "$log"

if ! grep -qE '^Passed!' "$log" || grep -qE '^Failed!' "$log"; then
  echo "error: the test run did not finish with every test assembly passing" >&2
  status=1
fi
if grep -qE '^(Passed|Failed)!.*Skipped: +[1-9]' "$log"; then
  echo "error: skipped tests are not allowed" >&2
  status=1
fi
exit "$status"
