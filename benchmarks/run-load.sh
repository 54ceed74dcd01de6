#!/usr/bin/env bash
# Echo load comparison (issue 7): builds Release, starts each server on a free loopback port, runs the load tool's echo
# scenarios against every server in turn (interleaved) for several rounds, stops every server by its PID and prints the
# medians with ratios to the Kestrel reference (ManagedWebSocket), server CPU per message included.
#
#   benchmarks/run-load.sh [--rounds N] [--quick] [--full] [--servers "sample kestrel raw node bun"] [--idle "1000 10000"]
#                          [--broadcast "100 1000"] [--broadcast-rounds N] [--out DIR] [--no-build]
#
# --rounds N   rounds of every echo scenario on every server (default 3), after one unmeasured warm-up run per server
# --quick      0.3 s warmup and 1 s windows, for checking the script itself; the numbers mean little
# --full       the whole echo matrix of issue 7 (1, 64, 512 connections x 1, 16 in flight x 16 B, 1 KiB, 64 KiB x text,
#              binary: 36 scenarios, about 45 minutes per round); the default is the targeted scenarios plus W=1
#              latency and text (7 scenarios)
# --servers    which servers, in this order (default all five): sample = samples/ChatServer /echo (this library),
#              kestrel = benchmarks/KestrelReferenceServer, raw = benchmarks/RawEchoServer (the bound, on the same
#              transport settings as the sample: Kestrel with its pool of 32 KiB blocks and 256 KiB of output room), node = Node ws,
#              bun = Bun's built-in server (uWebSockets; benchmarks/bun/bun-server.js, Bun installed from npm into the scratch folder).
#              Not in the default: sockets = the bound on bare sockets, without Kestrel or pipes; kestrel-large = the
#              Kestrel reference on the sample's transport settings, to show what they alone do for ManagedWebSocket
# --idle       connection counts for the idle scenario, run once per server after the echo rounds: handshakes/s and the
#              growth of the server's resident set per idle connection ("" skips it)
# --broadcast  member counts for the broadcast scenario (default "100 1000"; "" skips it), run on the servers that have
#              a /chat room (sample, kestrel and bun) for --broadcast-rounds rounds (default 3): one member sends numbered chat
#              messages, every member must get them all in order; deliveries/s, last delivery, server CPU per delivery.
#              The sample server is started with --rate 1000000 --join-rate 1000000 --max-queue 4096 so its rate
#              limits (per connection and per address, for messages and joins: every member comes from one address) and
#              its slow-reader cut-off stay out of the way (none touches /echo). `--rounds 0 --idle ""` runs it alone.
# --out DIR    where the echo medians go (default benchmarks/results): load-echo.tsv, and the chart load-echo.png (with
#              load-echo.svg) drawn by benchmarks/chart/render-load-chart.js when Chromium is installed
# Each run of the load tool is bounded by its window and a message budget, and by `timeout` besides.
set -euo pipefail
invocation="$*"
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

rounds=3
warmup=1
duration=5
servers="sample kestrel raw node bun"
build=1
idle="1000 10000"
broadcast="100 1000"
broadcast_rounds=3
full=0
out=benchmarks/results
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --quick) warmup=0.3; duration=1; shift ;;
    --servers) servers="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --idle) idle="$2"; shift 2 ;;
    --broadcast) broadcast="$2"; shift 2 ;;
    --broadcast-rounds) broadcast_rounds="$2"; shift 2 ;;
    --full) full=1; shift ;;
    --out) out="$2"; shift 2 ;;
    *) sed -n '2,30p' "$0" >&2; exit 2 ;;
  esac
done

# Scenarios: payload bytes, type, connections, in flight. The first three carry the issue's targets; 1x1 and 64x1 give
# round-trip latency with one message in flight; text adds UTF-8 validation on the servers that do it.
scenarios=("16 binary 64 16" "65536 binary 64 16" "1024 binary 512 16" "16 binary 1 1" "1024 text 64 1" "16 text 64 16" "65536 text 64 16")
if [ "$full" = 1 ]; then
  scenarios=()
  for size in 16 1024 65536; do
    for type in binary text; do
      for connections in 1 64 512; do
        for inflight in 1 16; do scenarios+=("$size $type $connections $inflight"); done
      done
    done
  done
fi

# 10,000 idle connections need as many descriptors in the load tool and in each server, plus the runtime's own.
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 32768 ]; then
  ulimit -n 32768 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fi

node_interop=tests/WebSocketProtocol.Tests/Interop/node
case " $servers " in
  *" node "*)
    if [ ! -d "$node_interop/node_modules/ws" ]; then
      npm install --no-audit --no-fund --prefix "$node_interop"
    fi ;;
esac
if [ "$build" = 1 ]; then
  dotnet build WebSocketProtocol.sln -c Release
fi

# shellcheck source=benchmarks/server-processes.sh
source benchmarks/server-processes.sh

# Bun's binary comes from npm into the scratch folder, which the exit trap removes.
case " $servers " in
  *" bun "*) bun=$(bash benchmarks/bun/install-bun.sh "$work/bun") ;;
esac

start_server() {
  local name="$1" out="$work/$1.out"
  case "$name" in
    sample) dotnet samples/ChatServer/bin/Release/net10.0/ChatServer.dll --port 0 --host localhost --rate 1000000 --join-rate 1000000 --max-queue 4096 >"$out" 2>&1 & ;;
    kestrel) dotnet benchmarks/KestrelReferenceServer/bin/Release/net10.0/KestrelReferenceServer.dll --port 0 >"$out" 2>&1 & ;;
    kestrel-large) dotnet benchmarks/KestrelReferenceServer/bin/Release/net10.0/KestrelReferenceServer.dll --sample-transport --port 0 >"$out" 2>&1 & ;;
    raw) dotnet benchmarks/RawEchoServer/bin/Release/net10.0/RawEchoServer.dll --sample-transport --port 0 >"$out" 2>&1 & ;;
    sockets) dotnet benchmarks/RawEchoServer/bin/Release/net10.0/RawEchoServer.dll --sockets --port 0 >"$out" 2>&1 & ;;
    node) node benchmarks/node-echo-server.js --port 0 >"$out" 2>&1 & ;;
    bun) "$bun" benchmarks/bun/bun-server.js --port 0 >"$out" 2>&1 & ;;
    *) echo "unknown server: $name" >&2; exit 2 ;;
  esac
  pid[$name]=$!
  await_listening "$name" "$out"
}

for name in $servers; do start_server "$name"; done

results="$work/results"
: >"$results"
limit=$(awk -v w="$warmup" -v d="$duration" 'BEGIN { printf "%d", w + d + 60 }')
if [ "$rounds" -gt 0 ]; then
  # One unmeasured run per server first, so the JIT's tiering is done before any round is measured: without it the
  # first round of whichever server comes first reads lowest.
  for name in $servers; do
    timeout "$limit" dotnet benchmarks/LoadTool/bin/Release/net10.0/LoadTool.dll echo --url "ws://127.0.0.1:${port[$name]}/echo" \
      --connections 64 --in-flight 16 --size 1024 --type text --warmup 1 --duration 3 >/dev/null || true
  done
fi
for round in $(seq "$rounds"); do
  for scenario in "${scenarios[@]}"; do
    read -r size type connections inflight <<<"$scenario"
    for name in $servers; do
      label="$size B $type ${connections}x$inflight"
      line=$(timeout "$limit" dotnet benchmarks/LoadTool/bin/Release/net10.0/LoadTool.dll echo \
        --url "ws://127.0.0.1:${port[$name]}/echo" --connections "$connections" --in-flight "$inflight" --size "$size" \
        --type "$type" --warmup "$warmup" --duration "$duration" --server-pid "${pid[$name]}" | grep '^RESULT' || true)
      if [ -z "$line" ]; then line="RESULT msgs_per_s=0 errors=1"; fi
      echo "round $round | $label | $name | ${line#RESULT }"
      echo "$label|$name|${line#RESULT }" >>"$results"
    done
  done
done

# value KEY FIELDS: the value of KEY=... in a RESULT line's fields.
value() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }
# median LABEL SERVER KEY: the median over the rounds.
median() {
  grep -F "$1|$2|" "$results" | while IFS='|' read -r _ _ fields; do value "$3" "$fields"; done | grep -v '^na$' | sort -g |
    awk '{ v[NR] = $1 } END { if (NR == 0) print "na"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "na" || b == "na" || b == 0) print "-"; else printf "%.2f", a / b }'; }

if [ "$rounds" -gt 0 ]; then
  echo
  echo "Echo medians of $rounds rounds (${warmup} s warmup, ${duration} s window); ratios against kestrel (ManagedWebSocket)"
  echo
  echo "| scenario | server | msg/s | vs kestrel | MiB/s | p50 us | p99 us | server CPU us/msg | vs kestrel | errors |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  mkdir -p "$out"
  tsv="$out/load-echo.tsv"
  {
    echo "# date: $(date -u +%Y-%m-%d)"
    echo "# command: bash benchmarks/run-load.sh${invocation:+ $invocation}"
    echo "# machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, .NET $(dotnet --version), medians of $rounds rounds, ${duration} s windows"
    printf 'scenario\tserver\tmsgs_per_s\tmib_per_s\tp50_us\tp99_us\tserver_cpu_us_per_msg\n'
  } >"$tsv"
  for scenario in "${scenarios[@]}"; do
    read -r size type connections inflight <<<"$scenario"
    label="$size B $type ${connections}x$inflight"
    for name in $servers; do
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$name" "$(median "$label" "$name" msgs_per_s)" "$(median "$label" "$name" mib_per_s)" \
        "$(median "$label" "$name" p50_us)" "$(median "$label" "$name" p99_us)" "$(median "$label" "$name" server_cpu_us_per_msg)" >>"$tsv"
    done
    base_rate=$(median "$label" kestrel msgs_per_s)
    base_cpu=$(median "$label" kestrel server_cpu_us_per_msg)
    for name in $servers; do
      rate=$(median "$label" "$name" msgs_per_s)
      cpu=$(median "$label" "$name" server_cpu_us_per_msg)
      errors=$(grep -F "$label|$name|" "$results" | while IFS='|' read -r _ _ fields; do value errors "$fields"; done | awk '{ s += $1 } END { print s + 0 }')
      printf '| %s | %s | %.0f | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$name" "$rate" "$(ratio "$rate" "$base_rate")" \
        "$(median "$label" "$name" mib_per_s)" "$(median "$label" "$name" p50_us)" "$(median "$label" "$name" p99_us)" \
        "$cpu" "$(ratio "$cpu" "$base_cpu")" "$errors"
    done
  done
  echo
  echo "Echo medians written to $tsv"
  if command -v chromium >/dev/null && command -v node >/dev/null; then
    node benchmarks/chart/render-load-chart.js "$tsv" "$out/load-echo.png" && echo "Chart: $out/load-echo.png"
  fi
fi

if [ -n "$idle" ]; then
  echo
  echo "Idle connections (opened 64 at a time, held 3 s); resident set growth of the server per connection"
  echo
  echo "| connections | server | handshakes/s | server RSS per connection (KiB) | failures | dropped |"
  echo "|---:|---|---:|---:|---:|---:|"
  for count in $idle; do
    for name in $servers; do
      # The bare-socket bound keeps two buffers of 256 KiB per connection: it is a bound for echo, not for idle memory.
      if [ "$name" = sockets ]; then continue; fi
      line=$(timeout 300 dotnet benchmarks/LoadTool/bin/Release/net10.0/LoadTool.dll idle --url "ws://127.0.0.1:${port[$name]}/echo" \
        --connections "$count" --duration 3 --server-pid "${pid[$name]}" | grep '^RESULT' || true)
      if [ -z "$line" ]; then line="RESULT failures=$count"; fi
      printf '| %s | %s | %s | %s | %s | %s |\n' "$count" "$name" "$(value handshakes_per_s "$line")" \
        "$(value server_rss_kib_per_connection "$line")" "$(value failures "$line")" "$(value dropped "$line")"
      # Let the server settle (and Kestrel close what the tool dropped) before the next one is measured.
      sleep 2
    done
  done
fi

# Broadcast: members, and messages chosen so each run takes a few seconds on 2 cores.
broadcast_messages() { case "$1" in 100) echo 40000 ;; 1000) echo 5000 ;; *) echo $((4000000 / $1 + 1)) ;; esac; }
broadcast_servers=""
for name in $servers; do case "$name" in sample | kestrel | bun) broadcast_servers="$broadcast_servers $name" ;; esac; done
if [ -n "$broadcast" ] && [ -n "$broadcast_servers" ] && [ "$broadcast_rounds" -gt 0 ]; then
  echo
  # As for echo: one unmeasured run per server first, so the rounds compare tiered-up code.
  for name in $broadcast_servers; do
    timeout 150 dotnet benchmarks/LoadTool/bin/Release/net10.0/LoadTool.dll broadcast --url "ws://127.0.0.1:${port[$name]}/chat?room=warmup" \
      --members 100 --messages 5000 --size 64 --timeout 120 >/dev/null || true
  done
  for round in $(seq "$broadcast_rounds"); do
    for members in $broadcast; do
      messages=$(broadcast_messages "$members")
      for name in $broadcast_servers; do
        label="broadcast ${members}x$messages"
        line=$(timeout 150 dotnet benchmarks/LoadTool/bin/Release/net10.0/LoadTool.dll broadcast \
          --url "ws://127.0.0.1:${port[$name]}/chat?room=b$round-$members" --members "$members" --messages "$messages" \
          --size 64 --timeout 120 --server-pid "${pid[$name]}" | grep '^RESULT' || true)
        if [ -z "$line" ]; then line="RESULT deliveries_per_s=0 errors=1"; fi
        echo "round $round | $label | $name | ${line#RESULT }"
        echo "$label|$name|${line#RESULT }" >>"$results"
      done
    done
  done
  echo
  echo "Broadcast medians of $broadcast_rounds rounds (one sender, 64 B texts, at most 64 messages ahead of the slowest member); ratios against kestrel"
  echo
  echo "| members x messages | server | deliveries/s | vs kestrel | last delivery ms | server CPU us/delivery | vs kestrel | errors |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|"
  for members in $broadcast; do
    messages=$(broadcast_messages "$members")
    label="broadcast ${members}x$messages"
    base_rate=$(median "$label" kestrel deliveries_per_s)
    base_cpu=$(median "$label" kestrel server_cpu_us_per_delivery)
    for name in $broadcast_servers; do
      rate=$(median "$label" "$name" deliveries_per_s)
      cpu=$(median "$label" "$name" server_cpu_us_per_delivery)
      errors=$(grep -F "$label|$name|" "$results" | while IFS='|' read -r _ _ fields; do value errors "$fields"; done | awk '{ s += $1 } END { print s + 0 }')
      printf '| %s x %s | %s | %.0f | %s | %s | %s | %s | %s |\n' "$members" "$messages" "$name" "$rate" "$(ratio "$rate" "$base_rate")" \
        "$(median "$label" "$name" last_delivery_ms)" "$cpu" "$(ratio "$cpu" "$base_cpu")" "$errors"
    done
  done
fi
