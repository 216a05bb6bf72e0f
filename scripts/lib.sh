# Shared shell helpers for the project's scripts (sourced, not run).

# Puts the project's tools first on PATH: cargo-installed wasm tools and npm's binaryen wasm-opt
# (never Debian's wasm-opt 108, which corrupts the shipped module).
use_project_tools() {
  export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
}

# start_dev_server LOGFILE ARGS... : starts target/<profile>/arvak-dev-server in the background
# on a free loopback port; sets DEV_SERVER_PID and DEV_SERVER_URL.
start_dev_server() {
  local bin=$1 log=$2; shift 2
  "$bin" --addr 127.0.0.1:0 "$@" >"$log.out" 2>"$log.err" &
  DEV_SERVER_PID=$!
  DEV_SERVER_URL=""
  for _ in $(seq 1 300); do
    # The background shell may not have created "$log.out" yet: no file is no URL yet.
    DEV_SERVER_URL=$(sed -n 's/^arvak-dev-server listening on \(http[^ ]*\)$/\1/p' "$log.out" 2>/dev/null | head -n1 || true)
    [ -n "$DEV_SERVER_URL" ] && return 0
    if ! kill -0 "$DEV_SERVER_PID" 2>/dev/null; then
      echo "dev server exited early:" >&2; cat "$log.err" >&2; return 1
    fi
    sleep 0.1
  done
  echo "dev server did not report its URL within 30 s" >&2
  return 1
}

# start_gateway BIN LOGFILE UPSTREAM [ARGS...] : starts `BIN gateway` in front of UPSTREAM on a free
# port (ARGS e.g. --tls); sets GATEWAY_PID and GATEWAY_URL.
start_gateway() {
  local bin=$1 log=$2 upstream=$3; shift 3
  "$bin" gateway --upstream "$upstream" --addr 127.0.0.1:0 "$@" >"$log.out" 2>"$log.err" &
  GATEWAY_PID=$!
  GATEWAY_URL=""
  for _ in $(seq 1 300); do
    GATEWAY_URL=$(sed -n 's/^arvak-dev-server gateway listening on \(http[^ ]*\) .*$/\1/p' "$log.out" 2>/dev/null | head -n1 || true)
    [ -n "$GATEWAY_URL" ] && return 0
    if ! kill -0 "$GATEWAY_PID" 2>/dev/null; then
      echo "gateway exited early:" >&2; cat "$log.err" >&2; return 1
    fi
    sleep 0.1
  done
  echo "gateway did not report its URL within 30 s" >&2
  return 1
}

# stop_pid PID : TERM, wait up to 5 s, then KILL.
stop_pid() {
  local pid=$1
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
}

# stop_gateway: stops the gateway started by start_gateway.
stop_gateway() {
  stop_pid "${GATEWAY_PID:-}"
  GATEWAY_PID=""
}

# stop_dev_server: stops the server started by start_dev_server (by its PID).
stop_dev_server() {
  stop_pid "${DEV_SERVER_PID:-}"
  DEV_SERVER_PID=""
}
