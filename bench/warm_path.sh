#!/bin/bash
# Warm path (issue 14, item 2): what a milter session costs dynmilter once every answer it needs
# is cached, beside a milter that does nothing (bench/null_milter, libmilter, every callback
# CONTINUE) measured in the same run with the same load. The load is bench/soak_client: whole
# milter sessions (negotiate, CONNECT with macros, HELO, MAIL, RCPT, QUIT) on a unix socket, one
# at a time, from SESSIONS/4 distinct clients (3 in 5 with a verified server name, 2 in 5 listed
# and without a name): a first pass fills dynmilter's cache, the measured passes repeat them.
# Prints, per milter: CPU per session (user+system of the milter process over the measured passes,
# from /proc), and system calls per session (strace -c -f over one more pass), and the ratio.
#   bash bench/warm_path.sh BUILD_BIN_DIR [SESSIONS]
# Needs rbldnsd, drill and strace. Results: docs/benchmarks.md.
source "$(dirname "$0")/../test/lib.sh" "$1"
require rbldnsd drill strace
[ -x "$BIN/soak_client" ] && [ -x "$BIN/null_milter" ] || skip "soak_client or null_milter is not built (-DBUILD_TESTING=ON)"
SESSIONS=${2:-20000}
CLIENTS=$((SESSIONS / 4))
RBL_PORT=15395

# Every question dynmilter asks gets a cacheable answer (with an SOA, so that "no such name" is
# cached too, RFC 2308): the list; the clients' PTR (none); the MX and address of the good
# clients' name (mx1.example.org: none); the dynamic clients' HELO name pc-7 (none). Without the
# SOA, or with REFUSED for a zone not served, each would be asked again each session.
SOA='$SOA 3600 ns.test. hostmaster.test. 1 3600 600 86400 3600'
{ echo "$SOA"; cat "$FIXTURES/pbl.test.ip4set"; echo "198.18.0.0/15 :127.0.0.10:dynamic range"; } >"$WORK/pbl.test.ip4set"
echo "$SOA" >"$WORK/none.ip4set"
echo "$SOA" >"$WORK/none.dnset"
chmod 644 "$WORK"/*.ip4set "$WORK"/*.dnset
rbldnsd -n -u nobody -b "127.0.0.1/$RBL_PORT" -t 3600 pbl.test:ip4set:"$WORK/pbl.test.ip4set" \
  in-addr.arpa:ip4set:"$WORK/none.ip4set" example.org:dnset:"$WORK/none.dnset" pc-7:dnset:"$WORK/none.dnset" >"$WORK/rbldnsd.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do drill -p $RBL_PORT @127.0.0.1 2.0.0.127.pbl.test A 2>/dev/null | grep -q 127.0.0 && break; sleep 0.1; done

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # user + system, in clock ticks
HZ=$(getconf CLK_TCK)

measure() {  # NAME PID SOCKET: passes over the clients, then one under strace
  local name=$1 pid=$2 sock=$3 before after passes=$((SESSIONS / CLIENTS))
  "$BIN/soak_client" "$sock" 0 "$CLIENTS" 1 60000 >/dev/null || true  # warms the cache
  before=$(ticks "$pid")
  for _ in $(seq "$passes"); do "$BIN/soak_client" "$sock" 0 "$CLIENTS" 1 60000 >"$WORK/$name.pass" || true; done
  after=$(ticks "$pid")
  strace -c -f -p "$pid" -o "$WORK/$name.strace" &
  local tracer=$!
  sleep 0.5
  "$BIN/soak_client" "$sock" 0 "$CLIENTS" 1 60000 >/dev/null || true
  kill -INT "$tracer"
  wait "$tracer" 2>/dev/null || true
  local calls
  calls=$(awk '$NF == "total" {print $(NF-2)}' "$WORK/$name.strace")
  CPU_US[$name]=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$SESSIONS" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
  CALLS[$name]=$(awk -v c="$calls" -v n="$CLIENTS" 'BEGIN { printf "%.1f", c / n }')
  printf '%-26s CPU %7s us/session   system calls %6s/session   (%s)\n' "$name" "${CPU_US[$name]}" "${CALLS[$name]}" \
    "$(sed -n 's/^RCPT wait ms: //p' "$WORK/$name.pass")"
}
declare -A CPU_US CALLS

echo "warm path: $SESSIONS sessions over $CLIENTS clients, one at a time, unix socket ($(nproc) cores, $(date -u +%F))"
"$BIN/null_milter" "unix:$WORK/null.sock" >"$WORK/null.log" 2>&1 &
NULL=$!
PIDS+=($NULL)
for _ in $(seq 100); do [ -S "$WORK/null.sock" ] && break; sleep 0.1; done
measure "null milter (peer)" $NULL "unix:$WORK/null.sock"

"$BIN/dynmilter" --foreground --socket "unix:$WORK/dyn.sock" --dns-server 127.0.0.1:$RBL_PORT \
  --dnsbl 'pbl.test=127.0.0.[10..11]*3' --log-level warning >"$WORK/dynmilter.log" 2>&1 &
DYN=$!
PIDS+=($DYN)
for _ in $(seq 100); do [ -S "$WORK/dyn.sock" ] && break; sleep 0.1; done
measure "dynmilter" $DYN "unix:$WORK/dyn.sock"

awk -v a="${CPU_US[dynmilter]}" -v b="${CPU_US[null milter (peer)]}" -v c="${CALLS[dynmilter]}" -v d="${CALLS[null milter (peer)]}" \
  'BEGIN { printf "dynmilter / null milter: CPU %.2fx (target <= 1.1x), system calls %.2fx\n", a / b, c / d }'
echo "system calls by kind (KEEP_WORK=1 keeps them):"
for f in "$WORK"/*.strace; do echo "== $(basename "$f" .strace)"; awk 'NR > 2 && $NF != "total" && $4 ~ /^[0-9]+$/ {print "  " $NF, $4}' "$f" | head -8; done
