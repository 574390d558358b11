#!/bin/bash
# The two binaries as an operator runs them: dynmilter-check against rbldnsd (output and exit
# status), and the daemon's answers to bad input (one-line error, exit status, nothing started).
source "$(dirname "$0")/../lib.sh" "$@"
require rbldnsd drill
RBL_PORT=15331
start_rbldnsd $RBL_PORT
CHECK=("$BIN/dynmilter-check" --dns-server 127.0.0.1:$RBL_PORT --dns-timeout 2s)

# Output folded onto one line, then " exit=N", so one regex can see both.
run() { { "$@" 2>&1 && echo "exit=0" || echo "exit=$?"; } | tr "\n" " "; }

say "dynmilter-check explains a listed client"
out=$(run "${CHECK[@]}" --dnsbl 'pbl.test=127.0.0.[10..11]*2' --dnsbl err.test --threshold 2 203.0.113.7 dsl-7.pool.example)
echo "$out"
check "shows the query name, the code and the outcome" "$out" 'pbl\.test +weight +2 +7\.113\.0\.203\.pbl\.test +127\.0\.0\.10 +listed'
check "a list answering error codes is probed, marked broken and shown so" "$out" 'err\.test .*127\.255\.255\.254 +unknown +\(list marked broken \(probe 127\.0\.0\.2: error code 127\.255\.255\.254: the list refuses queries from public/open resolvers'
check "a healthy list is shown so" "$out" 'listed +health: healthy'
check "the broken list is logged loudly" "$out" 'warning: dnsbl err\.test is BROKEN and will be ignored'
check "shows the name's reverse-DNS signal" "$out" "rdns: +dynamic-word \(\+3\): pool word 'dsl'"
check "shows score and verdict" "$out" 'score: +5 \(threshold 2\)'
check "shows the reply a client would get" "$out" 'reply: +550 5\.7\.1 Your IP address 203\.0\.113\.7 appears to be dynamically assigned \(listed in pbl\.test\)'
check "exit status 1: would reject" "$out" 'exit=1 $'

say "dynmilter-check on an unlisted client, an IPv6 client, and bad input"
out=$(run "${CHECK[@]}" --dnsbl pbl.test 192.0.2.55)
check "unlisted: nxdomain, not-listed, exit 0" "$out" 'pbl\.test .*nxdomain +not-listed'
check "unlisted: exit status 0" "$out" 'exit=0 $'
out=$(run "${CHECK[@]}" --dnsbl pbl.test 2001:db8:d::25)
check "IPv6: 32-nibble query name, listed" "$out" '5\.2\.0\.0(\.0){16}\.d\.0\.0\.0\.8\.b\.d\.0\.1\.0\.0\.2\.pbl\.test +127\.0\.0\.11 +listed'
out=$(run "${CHECK[@]}" 192.0.2.300)
check "bad address: error, exit 2" "$out" "not an IP address: '192\.0\.2\.300'.*exit=2"
out=$(run "${CHECK[@]}" --dnsbl 'pbl.test=127.0.0.[10..11' 192.0.2.1)
check "bad --dnsbl: one-line error, exit 2" "$out" "invalid value 'pbl\.test=127\.0\.0\.\[10\.\.11' for --dnsbl: bad octet.*exit=2"

say "the daemon refuses bad input before starting anything"
printf 'dnsbl = pbl.test\nthreshold = 20\n' >"$WORK/bad.conf"
out=$(run timeout 5 "$BIN/dynmilter" --foreground -c "$WORK/bad.conf")
check "unreachable threshold names file:line, exit 2" "$out" "bad\.conf:[0-9]+: the positive --dnsbl weights \(1\) and reverse-DNS weights \(at most [0-9]+\) can never reach threshold 20.*exit=2"
printf 'dnsbl = pbl.test\ndns-timeout = soon\n' >"$WORK/bad2.conf"
out=$(run timeout 5 "$BIN/dynmilter" --foreground -c "$WORK/bad2.conf")
check "bad value names file:line, exit 2" "$out" "bad2\.conf:2: invalid value 'soon' for --dns-timeout.*exit=2"
start_dynmilter first 18931 --dns-server 127.0.0.1:$RBL_PORT --dnsbl pbl.test
out=$(run timeout 5 "$BIN/dynmilter" --foreground --socket inet:18931@127.0.0.1 --dnsbl pbl.test)
check "socket in use: clear error, exit 1" "$out" "cannot open milter socket 'inet:18931@127\.0\.0\.1'.*exit=1"
check_alive first

say "SIGTERM stops the daemon cleanly (libmilter's signal thread, not a default kill)"
kill -TERM "${DAEMON_PID[first]}"
wait "${DAEMON_PID[first]}" && rc=0 || rc=$?
check "exit status 0 after SIGTERM" "rc=$rc" '^rc=0$'
check "logged its stop" "$(cat "$WORK/first.log")" 'dynmilter stopping'
finish
