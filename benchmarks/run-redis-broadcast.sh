#!/usr/bin/env bash
# Broadcast across chat servers on Redis (issue 10): starts a redis-server on a free loopback port (persisting nothing),
# one sample server in memory and two on that Redis, runs the load tool's broadcast scenario in turn (interleaved) on
#   memory    one server, rooms in memory (the default mode)
#   redis-1   one server on Redis: every member on node A
#   redis-2   two servers on Redis: the sender on node A, the members spread over A and B
# for several rounds, stops every process by its PID and prints medians: deliveries/s, the time until the last member had
# the last message, and the CPU per delivery of the chat servers (both nodes for redis-2) and of redis-server, read from
# /proc/PID/stat around each run (so the join phase is included).
#
#   benchmarks/run-redis-broadcast.sh [--rounds N] [--members N] [--messages N] [--no-build]
#
# Needs Debian's redis-server (bash eng/test.sh installs it). Each run of the load tool is bounded by its --timeout and by
# `timeout` besides; everything listens on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

rounds=3
members=100
messages=20000
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --members) members="$2"; shift 2 ;;
    --messages) messages="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    *) sed -n '2,14p' "$0" | cut -c3-; exit 2 ;;
  esac
done
command -v redis-server >/dev/null || { echo "error: redis-server is not installed (Debian's redis-server)" >&2; exit 1; }
if [ "$build" = 1 ]; then
  dotnet build samples/ChatServer -c Release -v q -nologo
  dotnet build benchmarks/LoadTool -c Release -v q -nologo
fi

# shellcheck source=benchmarks/server-processes.sh
source benchmarks/server-processes.sh

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

port[redis]=$(free_port)
redis-server --bind 127.0.0.1 --port "${port[redis]}" --save "" --appendonly no --dir "$work" >"$work/redis.out" 2>&1 &
pid[redis]=$!
for _ in $(seq 100); do redis-cli -p "${port[redis]}" ping >/dev/null 2>&1 && break; sleep 0.1; done
echo "started redis: PID ${pid[redis]}, port ${port[redis]}"

start_chat() {
  local name="$1" out="$work/$1.out"; shift
  dotnet samples/ChatServer/bin/Release/net10.0/ChatServer.dll --port 0 --host 127.0.0.1 --rate 1000000 --join-rate 1000000 --max-queue 4096 "$@" >"$out" 2>&1 &
  pid[$name]=$!
  await_listening "$name" "$out"
}
start_chat memory
start_chat node-a --redis "127.0.0.1:${port[redis]}"
start_chat node-b --redis "127.0.0.1:${port[redis]}"

# CPU ticks (user + system) of the given PIDs together.
ticks() { for p in "$@"; do awk '{ print $14 + $15 }' "/proc/$p/stat"; done | awk '{ s += $1 } END { print s }'; }
hz=$(getconf CLK_TCK)

urls() {
  case "$1" in
    memory) echo "--url ws://127.0.0.1:${port[memory]}/chat?room=$2" ;;
    redis-1) echo "--url ws://127.0.0.1:${port[node-a]}/chat?room=$2" ;;
    redis-2) echo "--url ws://127.0.0.1:${port[node-a]}/chat?room=$2 --url ws://127.0.0.1:${port[node-b]}/chat?room=$2" ;;
  esac
}
servers_of() { case "$1" in memory) echo "${pid[memory]}" ;; redis-1) echo "${pid[node-a]}" ;; redis-2) echo "${pid[node-a]} ${pid[node-b]}" ;; esac; }

results="$work/results"
: >"$results"
modes="memory redis-1 redis-2"
# One unmeasured run per mode first, so the rounds compare tiered-up code.
for mode in $modes; do
  # shellcheck disable=SC2046
  timeout 150 dotnet benchmarks/LoadTool/bin/Release/net10.0/LoadTool.dll broadcast $(urls "$mode" "warmup-$mode") \
    --members "$members" --messages 2000 --size 64 --timeout 120 >/dev/null || true
done
for round in $(seq "$rounds"); do
  for mode in $modes; do
    read -r -a server_pids <<<"$(servers_of "$mode")"
    servers_before=$(ticks "${server_pids[@]}"); redis_before=$(ticks "${pid[redis]}")
    # shellcheck disable=SC2046
    line=$(timeout 150 dotnet benchmarks/LoadTool/bin/Release/net10.0/LoadTool.dll broadcast $(urls "$mode" "r$round-$mode") \
      --members "$members" --messages "$messages" --size 64 --timeout 120 | grep '^RESULT' || true)
    servers_after=$(ticks "${server_pids[@]}"); redis_after=$(ticks "${pid[redis]}")
    if [ -z "$line" ]; then line="RESULT deliveries_per_s=0 errors=1"; fi
    deliveries=$((members * messages))
    cpu=$(awk -v t=$((servers_after - servers_before)) -v hz="$hz" -v d="$deliveries" 'BEGIN { printf "%.3f", t / hz * 1e6 / d }')
    redis_cpu=$(awk -v t=$((redis_after - redis_before)) -v hz="$hz" -v d="$deliveries" 'BEGIN { printf "%.3f", t / hz * 1e6 / d }')
    line="${line#RESULT } servers_cpu_us_per_delivery=$cpu redis_cpu_us_per_delivery=$redis_cpu"
    echo "round $round | $mode | $line"
    echo "$mode|$line" >>"$results"
  done
done

value() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }
median() {
  grep -F "$1|" "$results" | while IFS='|' read -r _ fields; do value "$2" "$fields"; done | grep -v '^na$' | sort -g |
    awk '{ v[NR] = $1 } END { if (NR == 0) print "na"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
echo
echo "Broadcast medians of $rounds rounds, $members members x $messages messages of 64 B; ratios against one server in memory"
echo
echo "| mode | deliveries/s | vs memory | last delivery ms | chat servers' CPU us/delivery | redis-server CPU us/delivery | errors |"
echo "|---|---:|---:|---:|---:|---:|---:|"
base=$(median memory deliveries_per_s)
for mode in $modes; do
  rate=$(median "$mode" deliveries_per_s)
  errors=$(grep -F "$mode|" "$results" | while IFS='|' read -r _ fields; do value errors "$fields"; done | awk '{ s += $1 } END { print s + 0 }')
  printf '| %s | %.0f | %s | %s | %s | %s | %s |\n' "$mode" "$rate" "$(awk -v a="$rate" -v b="$base" 'BEGIN { printf "%.2f", a / b }')" \
    "$(median "$mode" last_delivery_ms)" "$(median "$mode" servers_cpu_us_per_delivery)" "$(median "$mode" redis_cpu_us_per_delivery)" "$errors"
done
