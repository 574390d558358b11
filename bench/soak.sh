#!/bin/bash
# Soak: thousands of whole milter sessions against the real daemon while its DNS is black-holed,
# killed and restarted, and while it is reloaded twice a second (metrics on). Reports sessions,
# failures, RCPT wait (p50/p99/max), and the daemon's peak RSS, open fds and threads, beside the
# same figures from the healthy first phase (the peer: what the faults cost).
#   bash bench/soak.sh BUILD_BIN_DIR [SESSIONS_PER_PHASE] [CONCURRENCY] [SECONDS_PER_PHASE]
# Needs rbldnsd and drill (scripts/install-deps --test). Results: docs/benchmarks.md.
source "$(dirname "$0")/../test/lib.sh" "$1"
require rbldnsd drill
[ -x "$BIN/soak_client" ] || skip "soak_client is not built (configure with -DBUILD_TESTING=ON)"
PER_PHASE=${2:-2000} CONCURRENCY=${3:-50} SPREAD=${4:-20}
RBL_PORT=15391 METRICS=19491 SOCK=unix:$WORK/dyn.sock BUDGET_MS=1500

# The dynamic clients come from 198.18.0.0/15, the good ones from 100.64.0.0/10 (not listed).
{ cat "$FIXTURES/pbl.test.ip4set"; echo "198.18.0.0/15 :127.0.0.10:soak dynamic range"; } >"$WORK/pbl.test.ip4set"
chmod 644 "$WORK/pbl.test.ip4set"
start_dns() {  # TTL 1 s, so that answers do not outlive a phase in the daemon's cache
  rbldnsd -n -u nobody -b "127.0.0.1/$RBL_PORT" -t 1 pbl.test:ip4set:"$WORK/pbl.test.ip4set" >>"$WORK/rbldnsd.log" 2>&1 &
  DNS_PID=$!
  PIDS+=($DNS_PID)
  for _ in $(seq 50); do drill -p $RBL_PORT @127.0.0.1 2.0.0.127.pbl.test A 2>/dev/null | grep -q 127.0.0 && return; sleep 0.1; done
}
ON_EXIT+=("pkill -f '127.0.0.1/$RBL_PORT'")  # the DNS servers that the restarts started
start_dns
cat >"$WORK/dynmilter.conf" <<EOF
socket = $SOCK
dns-server = 127.0.0.1:$RBL_PORT
dns-timeout = 1s
dns-min-ttl = 1s
dns-max-ttl = 1s
dnsbl = pbl.test=127.0.0.[10..11]*3
metrics = 127.0.0.1:$METRICS
EOF
"$BIN/dynmilter" --foreground -c "$WORK/dynmilter.conf" >"$WORK/dynmilter.log" 2>&1 &
D=$!
PIDS+=($D)
for _ in $(seq 100); do [ -S "$WORK/dyn.sock" ] && break; sleep 0.1; done
[ -S "$WORK/dyn.sock" ] || { echo "dynmilter did not start:"; cat "$WORK/dynmilter.log"; exit 1; }

# The daemon's resources, sampled every 0.2 s: RSS (kB), open fds, threads.
sample() {
  while [ -d "/proc/$D" ]; do
    printf '%s %s %s %s\n' "$PHASE" "$(awk '/^VmRSS/{print $2}' /proc/$D/status 2>/dev/null)" \
      "$(ls /proc/$D/fd 2>/dev/null | wc -l)" "$(awk '/^Threads/{print $2}' /proc/$D/status 2>/dev/null)"
    PHASE=$(cat "$WORK/phase" 2>/dev/null)
    sleep 0.2
  done >"$WORK/samples"
}
echo healthy >"$WORK/phase"
PHASE=healthy
sample &
PIDS+=($!)
reloads() {  # SIGUSR1 twice a second until stopped, each followed by a metrics scrape
  while :; do kill -USR1 "$D" 2>/dev/null; scrape $METRICS >/dev/null; sleep 0.5; done
}

phase() {  # KEY WHAT: runs one phase of sessions and prints its report
  echo "$1" >"$WORK/phase"
  echo "--- $1: $2"
  local start=$SECONDS rc=0
  "$BIN/soak_client" "$SOCK" "$FIRST" "$PER_PHASE" "$CONCURRENCY" $BUDGET_MS "$SPREAD" || rc=$?
  FIRST=$((FIRST + PER_PHASE))
  echo "($((SECONDS - start)) s)"
  return $rc
}

status=0 FIRST=0
phase healthy "DNS works" || status=1
reloads & RELOADER=$!
PIDS+=($RELOADER)
kill -STOP "$DNS_PID"
phase blackhole "DNS black-holed (server stopped), reloads twice a second" || status=1
kill -CONT "$DNS_PID"
( sleep 3; kill "$DNS_PID"; sleep 3; start_dns; sleep 5; pkill -f "127.0.0.1/$RBL_PORT"; sleep 3; start_dns ) &
phase restarts "DNS server killed and restarted twice, reloads" || status=1
wait $! 2>/dev/null || true
kill "$RELOADER" 2>/dev/null
phase healthy-again "DNS works again, no reloads" || status=1

echo "--- the daemon (peak over each phase: RSS MB, fds, threads)"
awk '{ if ($2 > rss[$1]) rss[$1] = $2; if ($3 > fd[$1]) fd[$1] = $3; if ($4 > th[$1]) th[$1] = $4; order[$1] = order[$1] ? order[$1] : ++n; name[n] = $1 }
     END { for (i = 1; i <= n; i++) { p = name[i]; printf "%-14s RSS %.1f MB, fds %d, threads %d\n", p, rss[p] / 1024, fd[p], th[p] } }' \
  FS=' ' "$WORK/samples" 2>/dev/null | sed 's/^/  /'
check "the daemon is alive after the soak" "$(running "$D" && echo alive)" '^alive$'
check "reloads were done: $(grep -c 'configuration reloaded' "$WORK/dynmilter.log") (none failed)" \
  "$(grep -c 'configuration reloaded' "$WORK/dynmilter.log") $(grep -c 'reload failed' "$WORK/dynmilter.log")" '^[1-9][0-9]* 0$'
[ $status -eq 0 ] || FAILED=$((FAILED + 1))
finish
