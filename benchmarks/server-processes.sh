# Sourced by the benchmark scripts: the servers they start, by name, in the associative arrays `pid` and `port`, and a
# scratch folder `work` for their output. On exit every server still running is stopped and `work` removed.

declare -A pid port
work=$(mktemp -d)
trap 'stop_servers; rm -rf "$work"' EXIT

# await_listening NAME OUT: waits (30 s at most) for server NAME, already started with its PID in pid[NAME], to print
# "Listening on http://HOST:PORT" to its output file OUT, and puts that port in port[NAME]; exits the script if it does
# not.
await_listening() {
  local name="$1" out="$2"
  for _ in $(seq 300); do
    if grep -q '^Listening on http://' "$out"; then
      port[$name]=$(sed -n 's|^Listening on http://[^:]*:\([0-9]*\).*|\1|p' "$out" | head -1)
      echo "started $name: PID ${pid[$name]}, port ${port[$name]}"
      return
    fi
    sleep 0.1
  done
  echo "error: $name did not start: $(cat "$out")" >&2
  exit 1
}

# stop_servers: asks every server in pid to stop (SIGTERM), waits up to 10 s for each, then kills what is left.
stop_servers() {
  for name in "${!pid[@]}"; do
    if kill -0 "${pid[$name]}" 2>/dev/null; then
      kill "${pid[$name]}" 2>/dev/null || true
    fi
  done
  for name in "${!pid[@]}"; do
    for _ in $(seq 50); do kill -0 "${pid[$name]}" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "${pid[$name]}" 2>/dev/null; then kill -9 "${pid[$name]}" 2>/dev/null || true; fi
  done
}
