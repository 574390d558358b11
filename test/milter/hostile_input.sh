#!/bin/bash
# Raw milter-protocol input that no MTA sends, from an unprivileged user: odd and unterminated
# macro packets (which make libmilter's smfi_getsymval read past its array), absurd lengths,
# truncated packets, commands out of order, hostile macro values. The daemon answers or hangs up
# on each, never dies, and still judges the next ordinary session.
source "$(dirname "$0")/../lib.sh" "$@"
require rbldnsd drill
[ -x "$BIN/raw_milter" ] || skip "raw_milter is not built (configure with -DBUILD_TESTING=ON)"
RBL_PORT=15321 MILTER=18921 METRICS=19421
start_rbldnsd $RBL_PORT
start_dynmilter hostile $MILTER --dns-server 127.0.0.1:$RBL_PORT --dnsbl 'pbl.test=127.0.0.[10..11]*3' \
  --dns-timeout 1s --metrics 127.0.0.1:$METRICS
as_nobody=()
[ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)

say "every hostile scenario, 40 times each, as ${as_nobody[*]:-the current user}"
out=$("${as_nobody[@]}" "$BIN/raw_milter" "inet:$MILTER@127.0.0.1" all 40 2>&1) && rc=0 || rc=$?
echo "$out"
check "every run connected (the daemon never went away)" "rc=$rc" '^rc=0$'
check_alive hostile
check "an odd macro packet with no complete pair ends that milter connection" "$out" '^odd-macro: O,closed x40$'
check "an odd macro packet keeps its complete pairs and the session goes on to its verdict" "$out" \
  '^odd-macro-3: O,c,c,c,y,closed x40$'
check "an unterminated macro string ends that milter connection" "$out" '^unterminated-macro: O,closed x40$'
check "hostile macro values (5000 bytes, control bytes, CR LF) still reach a verdict" "$out" '^hostile-macros: O,c,c,c,y,closed x40$'
check "a HELO flood: ten HELOs go on, each one after that is deferred (--max-helo)" "$out" '^helo-flood: O,c(,c){10}(,t){5},closed x40$'

say "after all that, an ordinary session is judged as before"
out=$("$BIN/raw_milter" "inet:$MILTER@127.0.0.1" normal 3)
check "a listed client is refused at RCPT (y: a reply code)" "$out" '^normal: O,c,c,c,y,closed x3$'
log=$(cat "$WORK/hostile.log")
check "the malformed packets are logged (rate-limited)" "$log" 'malformed macro packet from the MTA side'
check "the malformed packets are counted in the metrics" "$(scrape $METRICS)" \
  '^dynmilter_malformed_macro_packets_total [1-9][0-9]{2}'
check "no warning that the packet guard is off" "$(grep -c 'packet guard is not in effect' "$WORK/hostile.log")" '^0$'
check_alive hostile
finish
