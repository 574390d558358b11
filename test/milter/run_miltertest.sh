#!/bin/bash
# miltertest (the OpenDKIM project's milter protocol driver) against the real dynmilter binary,
# with rbldnsd serving the test lists on loopback.
source "$(dirname "$0")/../lib.sh" "$@"
require miltertest rbldnsd drill unbound

RBL_PORT=15301
start_rbldnsd $RBL_PORT
DNS_PORT=15306
start_dns_world $DNS_PORT $RBL_PORT  # PTRs as the tests need them; lists from rbldnsd

say "lists that work: listed clients refused at RCPT, postmaster/abuse and others pass"
start_dynmilter pbl 18901 --dns-server 127.0.0.1:$DNS_PORT --dnsbl 'pbl.test=127.0.0.[10..11]*3' --dns-timeout 2s \
  --reply-text 'Your IP address {ip} ({hostname}) appears to be dynamically assigned (listed in {list}).'
out=$(miltertest -D MILTER=inet:18901@127.0.0.1 -D EXPECT_LISTED=yes -s "$TESTROOT/milter/verdicts.lua" 2>&1) && rc=0 || rc=$?
echo "$out"
check "miltertest script against a working list" "rc=$rc" '^rc=0$'

say "a list that answers 127.255.255.254 for everything rejects nobody"
start_dynmilter err 18902 --dns-server 127.0.0.1:$DNS_PORT --dnsbl err.test --dns-timeout 2s
out=$(miltertest -D MILTER=inet:18902@127.0.0.1 -D EXPECT_LISTED=no -s "$TESTROOT/milter/verdicts.lua" 2>&1) && rc=0 || rc=$?
echo "$out"
check "miltertest script against an error-code list" "rc=$rc" '^rc=0$'

say "a dead DNS server rejects nobody, and the verdict waits no longer than --dns-timeout"
start_dynmilter dead 18903 --dns-server 127.0.0.1:9 --dnsbl pbl.test --dns-timeout 500ms
out=$(miltertest -D MILTER=inet:18903@127.0.0.1 -D EXPECT_LISTED=no -D DEAD_DNS=yes -s "$TESTROOT/milter/verdicts.lua" 2>&1) && rc=0 || rc=$?
echo "$out"
check "miltertest script with a dead DNS server" "rc=$rc" '^rc=0$'
# Each decided session may wait for DNS up to the 0.5 s deadline, and no longer.
slowest=$(grep -o 'waited=[0-9.]*' "$WORK/dead.log" | cut -d= -f2 | sort -n | tail -1)
check "dead DNS: no session waits past the deadline (slowest ${slowest} ms)" "$slowest" '^([0-9]|[1-4][0-9]|5[0-4])[0-9]\.[0-9]$'

say "the log has one verdict line per decided session, with lists, score, action and time"
log=$(cat "$WORK/pbl.log")
check "verdict line for a listed client" "$log" 'client=203\.0\.113\.7 name=h7\.example\.net list=pbl\.test:listed\(127\.0\.0\.10\) score=3 action=reject decisive=pbl\.test elapsed=[0-9.]+ms waited=[0-9.]+ms'
check "verdict line for a client without PTR" "$log" 'client=192\.0\.2\.60 .*rdns=no-ptr signal=no-ptr\(\+3\) score=3 action=reject'
check "verdict line for a generic name" "$log" 'client=192\.0\.2\.62 .*rdns=ok signal=ip-in-name\(\+3\) signal=dynamic-word\(\+3\) score=6 action=reject'
check "verdict line for an unlisted client" "$log" 'client=192\.0\.2\.55 .*list=pbl\.test:not-listed score=0 action=accept'
check "address-less client passes with a reason" "$log" 'client=none .*action=accept note="no IP address'
check "hostile name logged harmlessly" "$log" 'client=203\.0\.113\.9 name=evil\?\?250 ok %s%n'
check "error-code list logged as unknown with its meaning" "$(cat "$WORK/err.log")" 'list=err\.test:unknown\(127\.255\.255\.254\).*public/open resolvers'
check "dead server logged as unknown" "$(cat "$WORK/dead.log")" 'list=pbl\.test:unknown .*action=accept'
for n in pbl err dead; do check_alive $n; done
finish
