#!/usr/bin/env bash
# Fuzzes one target of fuzz/WebSocketProtocol.Fuzz with AFL++ for a while, starting from the committed seeds, and reports
# what it found. Exits 0 when nothing was found, 1 for a crash (any exception a target lets through, an oracle's
# disagreement, runaway allocation) or a hang that a rerun confirms, 2 when it could not run.
#
#   fuzz/run.sh TARGET SECONDS [FINDINGS]   fuzz (findings in FINDINGS, default fuzz/findings/TARGET, replaced each run)
#   fuzz/run.sh --replay TARGET PATH...     run inputs (files or folders) once through the uninstrumented build
#   fuzz/run.sh --list                      the targets
#   fuzz/run.sh --prepare                   publish, and instrument a copy for every target, without fuzzing
#
# Needs afl-fuzz (Debian's afl++) and the SharpFuzz.CommandLine tool of .config/dotnet-tools.json (dotnet tool restore).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/fuzz/.build
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

die() { echo "fuzz: $*" >&2; exit 2; }

# Publishes the fuzz program into build/plain (skipped when FUZZ_SKIP_PUBLISH=1 and it is there: the test suite publishes
# once for all targets); with a target, also a copy whose WebSocketProtocol.dll SharpFuzz has instrumented, in
# build/TARGET, made again only when the library changed. A lock keeps two runs from publishing over each other.
prepare() {
  mkdir -p "$build"
  exec 9>"$build/.lock"
  flock 9
  if [ "${FUZZ_SKIP_PUBLISH:-}" != 1 ] || [ ! -f "$build/plain/WebSocketProtocol.Fuzz.dll" ]; then
    # No build servers: nothing of the build may outlive this script (it runs inside the test suite too).
    dotnet publish "$root/fuzz/WebSocketProtocol.Fuzz" -c Release -o "$build/plain" --disable-build-servers -nodeReuse:false \
      -p:UseSharedCompilation=false -v q -nologo >"$build/publish.log" 2>&1 || { cat "$build/publish.log" >&2; die "publish failed"; }
  fi
  if [ -n "${1:-}" ] && { ! cmp -s "$build/plain/WebSocketProtocol.dll" "$build/$1/.uninstrumented.dll" \
    || ! cmp -s "$build/plain/WebSocketProtocol.Fuzz.dll" "$build/$1/WebSocketProtocol.Fuzz.dll"; }; then
    (cd "$root" && dotnet tool restore >/dev/null) || die "dotnet tool restore failed (SharpFuzz.CommandLine)"
    rm -rf "${build:?}/$1"
    cp -r "$build/plain" "$build/$1"
    cp "$build/plain/WebSocketProtocol.dll" "$build/$1/.uninstrumented.dll"
    (cd "$root" && dotnet tool run sharpfuzz "$build/$1/WebSocketProtocol.dll") >/dev/null || die "sharpfuzz could not instrument WebSocketProtocol.dll"
  fi
  flock -u 9
}

plain() { dotnet "$build/plain/WebSocketProtocol.Fuzz.dll" "$@"; }

case "${1:-}" in
  --list) prepare; plain --list; exit 0 ;;
  # eng/test.sh does this before the tests, so the minute each fuzz test has is spent fuzzing, and a slow publish on a
  # busy machine does not count against the test host's hang timeout.
  --prepare) prepare; export FUZZ_SKIP_PUBLISH=1; for each in $(plain --list); do prepare "$each"; done; exit 0 ;;
  --replay) [ $# -ge 3 ] || die "usage: fuzz/run.sh --replay TARGET PATH..."; shift; prepare; plain "$@"; exit $? ;;
  ""|-h|--help) sed -n '2,12p' "$0" | cut -c3-; exit 2 ;;
esac

target=$1
seconds=${2:?usage: fuzz/run.sh TARGET SECONDS [FINDINGS]}
findings=${3:-$root/fuzz/findings/$target}
corpus=$root/fuzz/corpus/$target
[ -d "$corpus" ] || die "no seed corpus at fuzz/corpus/$target"
command -v afl-fuzz >/dev/null || die "afl-fuzz is not installed (Debian's afl++ package)"
started=$SECONDS
prepare "$target"
echo "fuzz: built and instrumented in $((SECONDS - started))s"

dictionary=()
[ -f "$root/fuzz/dictionaries/$target.dict" ] && dictionary=(-x "$root/fuzz/dictionaries/$target.dict")
rm -rf "$findings"
mkdir -p "$(dirname "$findings")"

# dotnet itself is not instrumented (SharpFuzz reports coverage through AFL's shared memory), so skip the binary check.
# In a container core_pattern cannot be changed and the CPU governor cannot be read; the machine is shared, so no core is
# pinned. The fork server is SharpFuzz's: it runs inputs in a child it restarts after a time-out.
export AFL_SKIP_BIN_CHECK=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 \
  AFL_NO_UI=1 AFL_FAST_CAL=1 AFL_BENCH_UNTIL_CRASH=1 AFL_FORKSRV_INIT_TMOUT=60000 AFL_NO_CRASH_README=1
# A runaway allocation becomes an OutOfMemoryException (a crash) at 1 GiB instead of taking the machine down.
export DOTNET_GCHeapHardLimit=0x40000000 DOTNET_TieredPGO=0

echo "fuzz: $target for ${seconds}s from $(find "$corpus" -type f | wc -l) seeds; findings in $findings"
status=0
# -t 2000: an input slower than 2 s is a hang (a fixed limit: an auto-scaled one would be tight on a busy machine); -G: inputs
# stay small and fast.
afl-fuzz -i "$corpus" -o "$findings" -V "$seconds" -t 2000 -G 65536 "${dictionary[@]}" \
  -- dotnet "$build/$target/WebSocketProtocol.Fuzz.dll" "$target" >"$findings.log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  tail -n 30 "$findings.log" >&2
  die "afl-fuzz failed (exit $status); its log is $findings.log"
fi

stats=$findings/default/fuzzer_stats
stat() { awk -F' *: *' -v key="$1" '$1 == key { print $2 }' "$stats"; }
echo "fuzz: $target: $(stat execs_done) execs ($(stat execs_per_sec)/s) in $(stat run_time)s," \
  "$(stat corpus_count) paths, coverage $(stat bitmap_cvg), $(stat saved_crashes) crashes, $(stat saved_hangs) hangs"

result=0
for crash in "$findings"/default/crashes/id:*; do
  [ -e "$crash" ] || continue
  result=1
  echo "fuzz: CRASH $crash"
  od -An -tx1 -v "$crash" | head -n 16
  timeout 60 dotnet "$build/plain/WebSocketProtocol.Fuzz.dll" "$target" "$crash" || true
done
for hang in "$findings"/default/hangs/id:*; do
  [ -e "$hang" ] || continue
  # A time-out on a busy machine is not yet a hang: it counts when a rerun, with ten times the time, still does not end.
  if timeout 20 dotnet "$build/plain/WebSocketProtocol.Fuzz.dll" "$target" "$hang"; then
    echo "fuzz: slow input (not a hang on rerun): $hang"
  else
    result=1
    echo "fuzz: HANG $hang"
    od -An -tx1 -v "$hang" | head -n 16
  fi
done
exit "$result"
