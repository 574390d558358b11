# Shared helpers for the tests that run real servers on loopback (sourced, not run).
# Usage in a test: source "$(dirname "$0")/../lib.sh" "$@"   ($1 = the build's bin directory)
set -euo pipefail

BIN=$(cd "${1:?usage: $0 BUILD_BIN_DIR}" && pwd)
TESTROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FIXTURES=$TESTROOT/fixtures
WORK=$(mktemp -d /tmp/dynmilter-test.XXXXXX)
chmod 755 "$WORK"
PIDS=()
declare -A DAEMON_PID=()
FAILED=0
PASSED=0

skip() { echo "SKIP: $*"; exit 77; }
say() { echo "--- $*"; }

ON_EXIT=()  # commands run at exit, after the daemons are stopped, last added first
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  for ((i = ${#ON_EXIT[@]} - 1; i >= 0; i--)); do eval "${ON_EXIT[i]}" || true; done
  if [ "$FAILED" -ne 0 ] || [ -n "${KEEP_WORK:-}" ]; then
    echo "logs kept in $WORK"
    for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "==== $f (last 30 lines)"; tail -n 30 "$f"; }; done
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

# check NAME GOT WANT_REGEX: one named assertion; keeps going so every failure is shown.
check() {
  local name=$1 got=$2 want=$3
  if printf '%s' "$got" | grep -Eq -- "$want"; then
    echo "ok: $name"
    PASSED=$((PASSED + 1))
  else
    echo "FAILED: $name"
    echo "   want (regex): $want"
    echo "   got: $(printf '%s' "$got" | tr '\r' ' ' | tail -n 8)"
    FAILED=$((FAILED + 1))
  fi
}

# running PID: the process exists and has not exited. A daemon that went to the background has
# init as its parent, which may reap it late: an exited one lingers as a zombie that kill -0 finds.
running() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# check_alive NAME: the dynmilter started as NAME has not died (no crash on anything it was sent).
check_alive() {
  local state=dead
  running "${DAEMON_PID[$1]}" && state=alive
  check "dynmilter '$1' still running" "$state" '^alive$'
}

finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}

require() {
  local c
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || skip "$c is not installed (scripts/test-all installs it)"; done
}

wait_tcp() {  # PORT [TRIES]: until something listens on 127.0.0.1:PORT
  local port=$1 tries=${2:-100}
  while ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || { echo "nothing listens on port $port"; return 1; }
    sleep 0.1
  done
}

# start_rbldnsd PORT: serves pbl.test (IPv4 and IPv6 data) and err.test from test/fixtures.
start_rbldnsd() {
  local port=$1
  cp "$FIXTURES"/*.ip4set "$FIXTURES"/*.ip6trie "$WORK"/
  chmod 644 "$WORK"/*.ip4set "$WORK"/*.ip6trie
  rbldnsd -n -u nobody -b "127.0.0.1/$port" -t 300 \
    pbl.test:ip4set:"$WORK/pbl.test.ip4set" pbl.test:ip6trie:"$WORK/pbl.test.ip6trie" \
    err.test:ip4set:"$WORK/err.test.ip4set" >"$WORK/rbldnsd.log" 2>&1 &
  PIDS+=($!)
  local tries=50
  until drill -p "$port" @127.0.0.1 2.0.0.127.pbl.test A 2>/dev/null | grep -q '127.0.0.11'; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || { echo "rbldnsd did not start"; cat "$WORK/rbldnsd.log"; return 1; }
    sleep 0.1
  done
}

# start_dns_world PORT RBL_PORT [EXTRA]: unbound on 127.0.0.1:PORT as the daemon's resolver, with a
# DNS world of chosen facts and nothing else (it never asks the network): pbl.test and err.test
# come from rbldnsd on RBL_PORT; the clients below have no PTR (NXDOMAIN) or a PTR that confirms
# (TTL one day); every other name is REFUSED, so a lookup of it fails (unknown, never evidence).
# EXTRA: a file of more unbound server: lines (local-zone, local-data) with a test's own world.
NO_PTR_CLIENTS=(192.0.2.57 192.0.2.60 192.0.2.70 192.0.2.74 203.0.113.8 127.0.0.2 127.0.0.4)
PTR_CLIENTS=(192.0.2.72=mx72.good.test 192.0.2.76=mx76.good.test)
start_dns_world() {
  local port=$1 rbl=$2 conf="$WORK/unbound.conf" ip name rev
  {
    echo "server:"
    echo "  interface: 127.0.0.1"
    echo "  port: $port"
    echo "  do-daemonize: no"
    echo "  username: \"\""
    echo "  chroot: \"\""
    echo "  directory: \"$WORK\""
    echo "  pidfile: \"\""
    echo "  use-syslog: no"
    echo "  logfile: \"$WORK/unbound.log\""
    echo "  do-ip6: no"
    echo "  do-not-query-localhost: no"
    echo "  module-config: \"iterator\""
    echo "  local-zone: \".\" refuse"
    # unbound's own defaults answer these reverse zones NXDOMAIN: refused here like the rest.
    for zone in 2.0.192 100.51.198 113.0.203 127; do echo "  local-zone: \"$zone.in-addr.arpa.\" refuse"; done
    echo "  local-zone: \"8.b.d.0.1.0.0.2.ip6.arpa.\" refuse"
    for zone in pbl.test err.test; do echo "  local-zone: \"$zone.\" transparent"; done
    for ip in "${NO_PTR_CLIENTS[@]}"; do
      rev=$(echo "$ip" | awk -F. '{print $4"."$3"."$2"."$1}')
      echo "  local-zone: \"$rev.in-addr.arpa.\" static"
    done
    echo "  local-zone: \"good.test.\" static"
    [ -n "${3:-}" ] && cat "$3"
    for pair in "${PTR_CLIENTS[@]}"; do
      ip=${pair%%=*} name=${pair#*=}
      echo "  local-data-ptr: \"$ip 86400 $name\""
      echo "  local-data: \"$name. 86400 IN A $ip\""
    done
    for zone in pbl.test err.test; do
      echo "stub-zone:"
      echo "  name: \"$zone\""
      echo "  stub-addr: 127.0.0.1@$rbl"
    done
  } >"$conf"
  unbound -d -c "$conf" >"$WORK/unbound.out" 2>&1 &
  PIDS+=($!)
  local tries=50
  until drill -p "$port" @127.0.0.1 2.0.0.127.pbl.test A 2>/dev/null | grep -q '127.0.0.11'; do
    tries=$((tries - 1))
    [ "$tries" -gt 0 ] || { echo "unbound did not start"; cat "$WORK/unbound.out" "$WORK/unbound.log" 2>/dev/null; return 1; }
    sleep 0.1
  done
}

# stop_dynmilter NAME: stops the daemon started as NAME (SIGTERM) and waits for it.
stop_dynmilter() {
  kill "${DAEMON_PID[$1]}" 2>/dev/null || true
  wait "${DAEMON_PID[$1]}" 2>/dev/null || true
}

# start_dynmilter NAME PORT ARGS...: the real daemon in the foreground, logging to $WORK/NAME.log.
start_dynmilter() {
  local name=$1 port=$2
  shift 2
  "$BIN/dynmilter" --foreground --socket "inet:$port@127.0.0.1" "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  DAEMON_PID[$name]=$!
  wait_tcp "$port" || { cat "$WORK/$name.log"; return 1; }
}

# scrape PORT: the body of http://127.0.0.1:PORT/metrics (HTTP/1.0 over bash's /dev/tcp).
scrape() {
  local reply
  reply=$(exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 && cat <&3) || true
  printf '%s\n' "$reply" | tr -d '\r'
}
