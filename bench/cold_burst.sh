#!/bin/bash
# Cold burst (issue 14, item 1): a wave of new clients, none of whose answers is cached. For each
# rate, bench/soak_client starts RATE new client addresses per second for SECONDS (whole milter
# sessions on a unix socket, up to 400 at once); every answer comes from test/tools/fake_dns in
# its synth mode after DELAY_MS (each address has a PTR; six lists, the dynamic clients listed).
# Prints per rate: the RCPT wait p50/p99/max beside the injected delay (the peer: no milter
# that asks DNS can answer sooner than one delay), sessions over 2x the delay (the target: none),
# verdicts with a lookup that did not finish by the deadline, queries per client, the CPU of
# dynmilter's DNS thread (dyn-dns) per client, the responder's CPU, dynmilter's CPU per client (all
# its threads), and how busy the whole machine was (load driver included). Beside each rate, when bench/unbound_burst is built
# (libunbound-dev installed), a reference row: the same clients' questions through libunbound.
# With THREADS=1, each rate also shows dynmilter's busiest threads.
# With LOCAL=1, the six lists are local zones (--local-zone, one ip4set file with the same data:
# 198.18.0.0/15 and the test point): only the client's own names are asked of the responder.
#   [LOCAL=1] [THREADS=1] bash bench/cold_burst.sh BUILD_BIN_DIR [DELAY_MS] [SECONDS] [RATE...]
# Defaults: 50 ms, 10 s, rates 100 200 400. Results: docs/benchmarks.md.
source "$(dirname "$0")/../test/lib.sh" "$1"
[ -x "$BIN/soak_client" ] && [ -x "$BIN/fake_dns" ] || skip "soak_client or fake_dns is not built (-DBUILD_TESTING=ON)"
DELAY=${2:-50} PER=${3:-10}
shift 3 2>/dev/null || shift $#
RATES=("$@")
[ ${#RATES[@]} -gt 0 ] || RATES=(100 200 400)
METRICS=19493 BUDGET=$((2 * DELAY))

dns_ticks() {  # PID: user + system clock ticks of its thread named dyn-dns
  local t
  for t in /proc/"$1"/task/*; do
    [ "$(cat "$t/comm" 2>/dev/null)" = dyn-dns ] && { awk '{print $14 + $15}' "$t/stat"; return; }
  done
  echo 0
}
proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # PID: user + system ticks, all threads
faults() { awk '{print $10}' "/proc/$1/stat"; }  # PID: minor page faults, all threads
idle_ticks() { awk '$1 == "cpu" {print $5 + $6}' /proc/stat; }  # the whole machine's idle + iowait ticks
busy() {  # IDLE0 IDLE1 T0 T1: how busy the whole machine was, in % of all its cores
  awk -v a="$1" -v b="$2" -v t0="$3" -v t1="$4" -v hz="$(getconf CLK_TCK)" -v n="$(nproc)" \
    'BEGIN { printf "%.0f%%", 100 - (b - a) / hz / (t1 - t0) / n * 100 }'
}
upstream() { scrape $METRICS | awk '$1 == "dynmilter_dns_upstream_queries_total" {print $2}'; }

# reference RATE FIRST SESSIONS: the same clients' questions through libunbound (bench/unbound_burst),
# forwarding to a fresh responder with the same delay; no milter in between.
reference() {
  local rate=$1 first=$2 sessions=$3 out r0 r1 s0 s1 answered
  "$BIN/fake_dns" "$WORK/dns.port" synth "$DELAY" 2>"$WORK/fake_dns.unbound.$rate.log" &
  DNS=$!
  PIDS+=($DNS)
  for _ in $(seq 50); do [ -s "$WORK/dns.port" ] && break; sleep 0.1; done
  r0=$(proc_ticks $DNS) i0=$(idle_ticks) s0=$(date +%s.%N)
  out=$("$BIN/unbound_burst" "$(cat "$WORK/dns.port")" "$first" "$sessions" "$PER" "$BUDGET" 6 2>&1) || true
  r1=$(proc_ticks $DNS) i1=$(idle_ticks) s1=$(date +%s.%N)
  kill "$DNS" 2>/dev/null
  wait "$DNS" 2>/dev/null || true
  rm -f "$WORK/dns.port"
  answered=$(sed -n 's/^fake_dns: answered \([0-9]*\) questions$/\1/p' "$WORK/fake_dns.unbound.$rate.log")
  read -r p50 p99 max over <<<"$(sed -n 's/^done ms: p50 \([0-9.]*\) p99 \([0-9.]*\) max \([0-9.]*\); over the [0-9]* ms budget: \([0-9]*\)$/\1 \2 \3 \4/p' <<<"$out")"
  printf '%6s %8s %26s %12s %10s %12s %22s %16s %18s %8s\n' "  (ref)" "$sessions" "$p50 / $p99 / $max" "$over" \
    "$(awk '$1 == "clients" { print $8 + $2 - $4 }' <<<"$out")" \
    "$(awk -v a="${answered:-0}" -v n="$sessions" 'BEGIN { printf "%.1f", a / n }')" \
    "$(sed -n 's/^cpu us per client: //p' <<<"$out") (whole process)" \
    "$(awk -v a="$r0" -v b="$r1" -v t0="$s0" -v t1="$s1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f%% of a core", (b - a) / hz / (t1 - t0) * 100 }')" \
    "-" "$(busy "$i0" "$i1" "$s0" "$s1")"
}

echo "cold burst: $PER s per rate, every answer after $DELAY ms, 6 lists${LOCAL:+ (local zones)}; $(nproc) cores, $(date -u +%F)"
printf '%6s %8s %26s %12s %10s %12s %22s %16s %18s %8s\n' rate sessions "RCPT wait p50/p99/max ms" "over ${BUDGET} ms" unfinished \
  "queries/client" "dyn-dns CPU us/client" "responder CPU" "milter us/client" machine
first=0
for rate in "${RATES[@]}"; do
  "$BIN/fake_dns" "$WORK/dns.port" synth "$DELAY" 2>"$WORK/fake_dns.$rate.log" &
  DNS=$!
  PIDS+=($DNS)
  for _ in $(seq 50); do [ -s "$WORK/dns.port" ] && break; sleep 0.1; done
  lists=()
  printf ':10:\n198.18.0.0/15\n127.0.0.2\n' >"$WORK/lists.ip4set"
  for i in 0 1 2 3 4 5; do
    lists+=(--dnsbl "list$i.bench=127.0.0.[10..11]*3")
    if [ -n "${LOCAL:-}" ]; then lists+=(--local-zone "list$i.bench:ip4set:$WORK/lists.ip4set"); fi
  done
  "$BIN/dynmilter" --foreground --socket "unix:$WORK/dyn.sock" --dns-server "127.0.0.1:$(cat "$WORK/dns.port")" \
    "${lists[@]}" --dns-timeout 2s --metrics "127.0.0.1:$METRICS" --log-level info >"$WORK/dyn.$rate.log" 2>&1 &
  D=$!
  PIDS+=($D)
  for _ in $(seq 100); do [ -S "$WORK/dyn.sock" ] && break; sleep 0.1; done
  sleep 1  # the lists' probes
  sessions=$((rate * PER))
  t0=$(dns_ticks $D) q0=$(upstream) r0=$(proc_ticks $DNS) m0=$(proc_ticks $D) i0=$(idle_ticks) s0=$(date +%s.%N) f0=$(faults $D)
  out=$("$BIN/soak_client" "unix:$WORK/dyn.sock" "$first" "$sessions" 400 "$BUDGET" "$PER" 2>&1) || true
  t1=$(dns_ticks $D) q1=$(upstream) r1=$(proc_ticks $DNS) m1=$(proc_ticks $D) i1=$(idle_ticks) s1=$(date +%s.%N) f1=$(faults $D)
  first=$((first + sessions))
  wait_line=$(sed -n 's/^RCPT wait ms: p50 \([0-9.]*\) p99 \([0-9.]*\) max \([0-9.]*\); over the [0-9]* ms budget: \([0-9]*\)$/\1 \2 \3 \4/p' <<<"$out")
  read -r p50 p99 max over <<<"$wait_line"
  unfinished=$(grep -c 'unknown(' "$WORK/dyn.$rate.log" || true)
  printf '%6s %8s %26s %12s %10s %12s %22s %16s %18s %8s\n' "$rate/s" "$sessions" "$p50 / $p99 / $max" "$over" "$unfinished" \
    "$(awk -v a="$q0" -v b="$q1" -v n="$sessions" 'BEGIN { printf "%.1f", (b - a) / n }')" \
    "$(awk -v a="$t0" -v b="$t1" -v n="$sessions" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", (b - a) / hz * 1e6 / n }')" \
    "$(awk -v a="$r0" -v b="$r1" -v t0="$s0" -v t1="$s1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f%% of a core", (b - a) / hz / (t1 - t0) * 100 }')" \
    "$(awk -v a="$m0" -v b="$m1" -v n="$sessions" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.0f", (b - a) / hz * 1e6 / n }')" \
    "$(busy "$i0" "$i1" "$s0" "$s1")"
  grep -q '^sessions .* failed 0 ' <<<"$out" || echo "   soak_client: $(head -2 <<<"$out" | tr '\n' ' ')"
  if [ -n "${THREADS:-}" ]; then  # where dynmilter's CPU went, by live thread (ticks since start; ended threads count in the total only)
    echo "   dynmilter threads: $(for t in /proc/$D/task/*; do echo "$(cat "$t/comm" 2>/dev/null):$(awk '{print $14 + $15}' "$t/stat" 2>/dev/null)"; done |
      sort -t: -k2 -rn | head -6 | tr '\n' ' ')of $(proc_ticks $D) ticks, $(ls /proc/$D/task | wc -l) threads;"
    echo "   page faults per client: $(awk -v a="$f0" -v b="$f1" -v n="$sessions" 'BEGIN { printf "%.1f", (b - a) / n }')"
  fi
  kill "$D" "$DNS" 2>/dev/null
  wait "$D" "$DNS" 2>/dev/null || true
  rm -f "$WORK/dns.port" "$WORK/dyn.sock"
  [ -x "$BIN/unbound_burst" ] && [ -z "${LOCAL:-}" ] && reference "$rate" "$((first - sessions))" "$sessions"
done
echo "peer: the injected delay, $DELAY ms (one round of lookups); target: RCPT p99 <= $BUDGET ms, no lookup unfinished"
if [ -x "$BIN/unbound_burst" ] && [ -z "${LOCAL:-}" ]; then
  echo "(ref): the same clients' questions (a dynamic client's PTR, every client's six lists) through libunbound"
  echo "       $(dpkg-query -W -f '${Version}' libunbound8 2>/dev/null || echo '(version unknown)'), the resolver library other milters use, forwarding to the same"
  echo "       responder with the same delay, no milter: time until a client's last answer; 'unfinished' = lookups
       that failed or had no answer 30 s after the wave"
else
  echo "(no reference row: bench/unbound_burst is built only where libunbound-dev is installed)"
fi
