# Shared by the shell tests that run vigil against the loopback AWS server (tests/aws/fake_aws.py):
# the work folder and its cleanup, ok/bad counters, the test key, and start_server. Source it
# after `set -u`; it defines HERE, ROOT, VIGIL, WORK, PASS, FAIL, KEY_ID, SECRET, URL.
HERE="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VIGIL="${VIGIL:-$ROOT/build/vigil}"
WORK="$(mktemp -d)"
SERVER_PID=""
stop_server() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=""
}
cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT

PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $1"; [ $# -gt 1 ] && echo "$2" | sed 's/^/     /' | head -40; }

# The test key of the scenarios (a made-up fixture, not an AWS secret).
KEY_ID=AKIAVIGILTEST0000001
SECRET='vigil/TEST+fixture+secret+NOT+a+real+key1'

# start_server SCENARIO: (re)starts the server with an empty calls log; sets URL.
start_server() {
  stop_server
  rm -f "$WORK/port"
  : >"$WORK/calls.jsonl"
  python3 "$HERE/fake_aws.py" --scenario "$1" --port 0 --port-file "$WORK/port" \
    --calls-log "$WORK/calls.jsonl" >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 200); do [ -s "$WORK/port" ] && break; sleep 0.05; done
  if [ ! -s "$WORK/port" ]; then
    echo "FAIL the fake AWS server did not start on $1:" >&2
    cat "$WORK/server.log" >&2
    exit 1
  fi
  URL="http://127.0.0.1:$(cat "$WORK/port")"
}
