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
check "shows the name's reverse-DNS signal" "$out" "rdns: +dynamic-word \(\+3, primary\): pool word 'dsl'"
check "shows score and verdict" "$out" 'score: +5 \(threshold 2\)'
check "shows the reply a client would get" "$out" 'reply: +550 5\.7\.1 Your IP address 203\.0\.113\.7 appears to be dynamically assigned \(listed in pbl\.test\)'
check "exit status 1: would reject" "$out" 'exit=1 $'
out=$(run "${CHECK[@]}" --dnsbl 'pbl.test=127.0.0.[10..11]*3' --reply-text 'Your IP address {ip} is listed.\n{txt}' 203.0.113.7)
# (run joins the output's lines with spaces: the reply's two lines are "...listed. ISP-...")
check "{txt}: the list's own TXT text from rbldnsd, on the reply's second line" "$out" \
  'reply: +550 5\.7\.1 Your IP address 203\.0\.113\.7 is listed\. ISP-maintained dynamic range elapsed'
out=$(run "${CHECK[@]}" --dnsbl 'pbl.test=127.0.0.[10..11]*3' --reply-text 'Blocked, reference {id}.' 203.0.113.7)
check "{id}: the preview carries an incident reference, as the daemon's reply would" "$out" 'reply: +550 5\.7\.1 Blocked, reference [a-z2-9]{10}\. '

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

say "out of file descriptors: a loud warning, and the client passes (never a rejection)"
# Five descriptors: standard input, output and error, the DNS thread's epoll set and eventfd, and
# none left for a DNS socket (the questions of one wake-up share a socket, so 6 would be enough).
# Whatever else the test runner left open is closed first, so that the count holds.
out=$( (for fd in /proc/$BASHPID/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done
        ulimit -n 5; "$BIN/dynmilter-check" --dns-server 127.0.0.1:9 --dns-timeout 300ms 203.0.113.7 2>&1); echo "exit=$?")
check "the warning names the cause" "$out" 'warning: dns: cannot open a socket for a lookup: Too many open files'
check "... and the verdict is accept" "$out" 'verdict: +accept'
say "dynmilter-check --sender: the readiness check of a sending domain (an authoritative test zone)"
cat >"$WORK/zone" <<'ZONE'
. NS 86400 - a.root-servers.net.
good.example MX 86400 aa 10 mail.good.example.
mail.good.example A 86400 aa 192.0.2.10
mail.good.example AAAA 86400 aa NODATA
10.2.0.192.in-addr.arpa PTR 86400 aa mail.good.example.
bad.example MX 300 aa 10 mx.bad.example.
mx.bad.example A 300 aa 203.0.113.7
7.113.0.203.in-addr.arpa PTR 300 aa dsl-203-0-113-7.pool.isp.example.
7.113.0.203.pbl.test A 300 - 127.0.0.10
7.113.0.203.pbl.test TXT 300 - "ISP-maintained dynamic range, see https://check.pbl.test/"
2.0.0.127.pbl.test A 300 - 127.0.0.10
ZONE
"$BIN/fake_dns" "$WORK/zone.port" zone "$WORK/zone" &
PIDS+=($!)
for _ in $(seq 50); do [ -s "$WORK/zone.port" ] && break; sleep 0.1; done
SENDER=("$BIN/dynmilter-check" --dns-server "127.0.0.1:$(cat "$WORK/zone.port")" --dnsbl 'pbl.test=127.0.0.[10..11]*3' --dns-timeout 1s)
out=$(run "${SENDER[@]}" --sender good.example)
echo "$out"
check "--sender: every rule of a good server passes" "$out" 'server: +192\.0\.2\.10 \(MX host mail\.good\.example\) +pass +ptr-exists .* pass +not-listed'
check "--sender: no rule fails" "$(printf '%s' "$out" | grep -c ' fail ' || true)" '^0$'
check "--sender: the closing line, exit 0" "$out" 'dynmilter with this configuration would accept this server +exit=0 $'
out=$(run "${SENDER[@]}" --sender bad.example)
echo "$out"
check "--sender: short TTLs fail with the fix" "$out" 'fail +mx-ttl +MX record TTL 300 s < 43200 s \(from the zone.s authoritative server\) +fix: raise the TTL'
check "--sender: a generic PTR fails, with the signals" "$out" 'fail +ptr-not-generic +dsl-203-0-113-7\.pool\.isp\.example looks generic: '
check "--sender: the listing with the list's own text" "$out" 'fail +not-listed +listed in pbl\.test \("ISP-maintained dynamic range, see https://check\.pbl\.test/"\)'
check "--sender: the reply dynmilter would send, exit 1" "$out" 'would reject this server: 550 5\.7\.1 Your IP address 203\.0\.113\.7 .* exit=1 $'
check "--sender: the reply quotes no incident reference (a check, not a connection: no log has it)" "$out" \
  'would reject this server: 550 5\.7\.1 .*Mail to postmaster reaches a person\. +exit=1 $'
out=$(run "${SENDER[@]}" --sender good.example --sender-ip 203.0.113.7 --json)
check "--sender --json: one document with the given address" "$out" '^\{"domain":"good\.example","ip":"203\.0\.113\.7","mx":\["mail\.good\.example"\],"rules":\[\{"rule":"ptr-exists","result":"pass"'
check "--sender --json: the address is no MX host's" "$out" '"rule":"mx-maps-to-ip","result":"fail","detail":"203\.0\.113\.7 is not an address of any MX host \(mail\.good\.example\)"'
check "--sender --json: the verdict" "$out" '"verdict":"reject"\} +exit=1 $'
out=$(run "${SENDER[@]}" --sender 'not a domain')
check "--sender: a bad domain is an error, exit 2" "$out" "not a domain name: 'not a domain' +exit=2 \$"
out=$(run "${SENDER[@]}" --json 192.0.2.1 --helo nowhere.example)
check "--json ADDRESS: the verdict as one document, as the daemon would decide it" "$out" \
  '^\{"client":"192\.0\.2\.1","name":"","rdns":"no-ptr",.*"score":4,"action":"reject","decisive":\["no-ptr"\].* exit=1 $'
check "--json ADDRESS --helo: the HELO name judged, a supporting signal" "$out" \
  '\{"name":"helo-unresolvable","weight":1,"class":"supporting"'
out=$(run "${SENDER[@]}" --sender-ip 192.0.2.1 192.0.2.1)
check "--sender-ip without --sender is an error, exit 2" "$out" 'goes with --sender DOMAIN +exit=2 $'

say "dynmilter-replay --dns keeps to --dns-rate"
for i in $(seq 1 60); do
  echo "Dec  1 06:30:58 mx postfix/smtpd[$i]: connect from unknown[198.51.100.$i]"
  echo "Dec  1 06:30:59 mx postfix/smtpd[$i]: disconnect from unknown[198.51.100.$i] ehlo=1 quit=1 commands=2"
done >"$WORK/rate.log"
REPLAY=("$BIN/dynmilter-replay" --dns-server "127.0.0.1:$(cat "$WORK/zone.port")" --dnsbl 'pbl.test=127.0.0.[10..11]*3'
  --dns-timeout 1s --dns --csv "$WORK/rate.log")
t0=$(date +%s%N); fast=$("${REPLAY[@]}" --dns-rate 100000 | wc -l); t1=$(date +%s%N)
slow=$("${REPLAY[@]}" --dns-rate 50 | wc -l); t2=$(date +%s%N)
fast_ms=$(( (t1 - t0) / 1000000 )) slow_ms=$(( (t2 - t1) / 1000000 ))
check "--dns-rate: the same 60 clients either way" "$fast $slow" '^61 61$'
# 60 clients ask at least 120 questions (the list and the PTR): at 50 a second, 2.4 s or more.
check "--dns-rate 50: at least 2 s for 60 clients (took ${slow_ms} ms; unbounded: ${fast_ms} ms)" \
  "$([ "$slow_ms" -ge 2000 ] && [ "$fast_ms" -lt 1500 ] && echo paced || echo "slow=$slow_ms fast=$fast_ms")" '^paced$'
out=$(run "$BIN/dynmilter-replay" --dns --dns-rate 0 "$WORK/rate.log")
check "--dns-rate 0 is refused, exit 2" "$out" 'dns-rate must be a positive number.*exit=2'
finish
