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
    DEV_SERVER_URL=$(sed -n 's/^arvak-dev-server listening on \(http[^ ]*\)$/\1/p' "$log.out" | head -n1)
    [ -n "$DEV_SERVER_URL" ] && return 0
    if ! kill -0 "$DEV_SERVER_PID" 2>/dev/null; then
      echo "dev server exited early:" >&2; cat "$log.err" >&2; return 1
    fi
    sleep 0.1
  done
  echo "dev server did not report its URL within 30 s" >&2
  return 1
}

# stop_dev_server: stops the server started by start_dev_server (by its PID).
stop_dev_server() {
  if [ -n "${DEV_SERVER_PID:-}" ] && kill -0 "$DEV_SERVER_PID" 2>/dev/null; then
    kill -TERM "$DEV_SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$DEV_SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$DEV_SERVER_PID" 2>/dev/null || true
  fi
  DEV_SERVER_PID=""
}
