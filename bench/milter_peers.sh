#!/bin/bash
# Milter peers that hold the daemon's resources: N idle peers (each negotiated and sent CONNECT,
# then silent) and one connection that floods K HELOs. For dynmilter (--milter-timeout 5s,
# --max-helo 10) and for null_milter, the peer (libmilter with nothing on top, its 7,210 s
# default timeout): threads and open fds with the peers held, and once dynmilter's timeout has
# passed; for the flood, the replies, the time and the DNS queries dynmilter sent for it.
#   bash bench/milter_peers.sh BUILD_BIN_DIR [N] [K] [HOLD_S]
# Debian's libmilter runs a pool of worker threads and sweeps idle sessions only every 600 s, so
# HOLD_S (default 9) must pass 600 + the timeout to see --milter-timeout close them.
# Results: docs/benchmarks.md.
source "$(dirname "$0")/../test/lib.sh" "$1"
[ -x "$BIN/idle_peers" ] || skip "idle_peers is not built (configure with -DBUILD_TESTING=ON)"
N=${2:-3000} K=${3:-10000} HOLD=${4:-9}
ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -gt $((N + 200)) ] || skip "the fd limit ($(ulimit -n)) is too low for $N peers"
METRICS=19497
"$BIN/fake_dns" "$WORK/dns.port" nxdomain &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$WORK/dns.port" ] && break; sleep 0.1; done
"$BIN/dynmilter" --foreground --socket "unix:$WORK/dyn.sock" --dns-server "127.0.0.1:$(cat "$WORK/dns.port")" \
  --dns-timeout 1s --milter-timeout 5s --max-helo 10 --dnsbl pbl.test --metrics 127.0.0.1:$METRICS \
  --log-level warning >"$WORK/dyn.log" 2>&1 &
DYN=$!
PIDS+=($DYN)
"$BIN/null_milter" "unix:$WORK/null.sock" >"$WORK/null.log" 2>&1 &
NULL=$!
PIDS+=($NULL)
for s in dyn null; do for _ in $(seq 100); do [ -S "$WORK/$s.sock" ] && break; sleep 0.1; done; done
sleep 1.5  # dynmilter's first probe

res() {  # PID: threads fds rss_mb
  printf 'threads=%s fds=%s rss_mb=%s' "$(awk '/^Threads/{print $2}' /proc/$1/status)" "$(ls /proc/$1/fd | wc -l)" \
    "$(awk '/^VmRSS/{printf "%.1f", $2/1024}' /proc/$1/status)"
}
idle_run() {  # NAME PID SOCKET
  echo "--- $1: $N idle peers"
  echo "  before:           $(res "$2")"
  "$BIN/idle_peers" "unix:$3" idle "$N" "$HOLD" >"$WORK/$1.idle" &
  local client=$!
  for _ in $(seq 100); do grep -q answered "$WORK/$1.idle" && break; sleep 0.1; done
  echo "  peers held:       $(res "$2")   ($(head -1 "$WORK/$1.idle"))"
  wait $client
  echo "  after $HOLD s:     $(res "$2")   ($(tail -1 "$WORK/$1.idle"))"
  sleep 1
  echo "  peers gone:       $(res "$2")"
}
idle_run dynmilter $DYN "$WORK/dyn.sock"
[ "$HOLD" -gt 60 ] || idle_run null_milter $NULL "$WORK/null.sock"  # a long hold: dynmilter's timeout only

queries() { scrape $METRICS | awk '/^dynmilter_dns_upstream_queries_total/{print $2}'; }
echo "--- one connection, $K HELOs"
before=$(queries)
echo "  dynmilter:   $("$BIN/idle_peers" "unix:$WORK/dyn.sock" helo-flood "$K")  dns_queries=$(( $(queries) - before ))  $(res $DYN)"
echo "  null_milter: $("$BIN/idle_peers" "unix:$WORK/null.sock" helo-flood "$K")  $(res $NULL)"
check "dynmilter still running" "$(running $DYN && echo alive || echo dead)" '^alive$'
finish
