#!/bin/bash
# Real Postfix (a throwaway instance on loopback) -> real dynmilter -> real rbldnsd.
# swaks replays any client address with XCLIENT; the reply each RCPT gets is what a sending
# server would see (and put in its bounce).
source "$(dirname "$0")/../lib.sh" "$@"
require postfix postconf swaks rbldnsd drill unbound
[ "$(id -u)" -eq 0 ] || skip "a throwaway Postfix instance needs root"

RBL_PORT=15311
SMTP_PORT=12525           # dynmilter with a working list
SMTP_PORT_ERR=12526       # dynmilter whose list answers 127.255.255.254
SMTP_PORT_DEAD=12527      # dynmilter whose DNS server is dead
MILTER=18911 MILTER_ERR=18912 MILTER_DEAD=18913
SMTP_PORT_TEMPFAIL=12528 SMTP_PORT_LOG=12529 SMTP_PORT_TAG=12530   # the other --action values
MILTER_TEMPFAIL=18914 MILTER_LOG=18915 MILTER_TAG=18916
SMTP_PORT_MIXED=12531 MILTER_MIXED=18917   # per-list and per-signal actions, a multi-line reply with {txt}

start_rbldnsd $RBL_PORT
DNS_PORT=15316
start_dns_world $DNS_PORT $RBL_PORT  # PTRs as the tests need them; lists from rbldnsd
METRICS=19411
# Per-domain policy: optout.example takes its mail whatever the verdict; dry.example only logs.
printf '%s\n' '# recipient domains of this host' 'optout.example off' 'dry.example action=log' >"$WORK/domains"
start_dynmilter pbl $MILTER --dns-server 127.0.0.1:$DNS_PORT --dnsbl 'pbl.test=127.0.0.[10..11]*3' --dns-timeout 2s \
  --bypass-recipient help@example.org --metrics 127.0.0.1:$METRICS --domain-policy "$WORK/domains"
start_dynmilter err $MILTER_ERR --dns-server 127.0.0.1:$DNS_PORT --dnsbl err.test --dns-timeout 2s
start_dynmilter dead $MILTER_DEAD --dns-server 127.0.0.1:9 --dnsbl pbl.test --dns-timeout 500ms
for a in tempfail log tag; do
  port_var=MILTER_${a^^}
  start_dynmilter "$a" "${!port_var}" --dns-server 127.0.0.1:$DNS_PORT --dnsbl 'pbl.test=127.0.0.[10..11]*3' --action "$a"
done

start_dynmilter mixed $MILTER_MIXED --dns-server 127.0.0.1:$DNS_PORT --dnsbl 'pbl.test=127.0.0.[10..11]*3' \
  --action-for pbl.test=tempfail --action-for no-ptr=log \
  --reply-text 'Your IP address {ip} appears to be dynamically assigned.\nPlease smarthost through your ISP; reference {id}.\n{txt}'

# A unix socket in Postfix's spool, owned by the daemon's user and Postfix's group, as a
# chrooted smtpd needs it (this instance runs without chroot, so it names the full path).
SMTP_PORT_UNIX=12532
UNIX_SOCK=$WORK/postfix/spool/dynmilter/dynmilter.sock
mkdir -p "$(dirname "$UNIX_SOCK")"
"$BIN/dynmilter" --foreground --socket "unix:$UNIX_SOCK" --user nobody --socket-owner nobody:postfix --socket-mode 0660 \
  --dns-server 127.0.0.1:$DNS_PORT --dnsbl 'pbl.test=127.0.0.[10..11]*3' >"$WORK/unix.log" 2>&1 &
PIDS+=($!)
DAEMON_PID[unix]=$!
for _ in $(seq 50); do [ -S "$UNIX_SOCK" ] && break; sleep 0.1; done

POSTFIX_MAIN_EXTRA="relay_domains = optout.example dry.example"
# shellcheck source=postfix-instance.sh
source "$TESTROOT/integration/postfix-instance.sh"
postfix_instance "$WORK/postfix" \
  "$SMTP_PORT inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$MILTER" \
  "$SMTP_PORT_ERR inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$MILTER_ERR" \
  "$SMTP_PORT_DEAD inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$MILTER_DEAD" \
  "$SMTP_PORT_TEMPFAIL inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$MILTER_TEMPFAIL" \
  "$SMTP_PORT_LOG inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$MILTER_LOG" \
  "$SMTP_PORT_TAG inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$MILTER_TAG -o smtpd_end_of_data_restrictions=check_client_access,static:HOLD" \
  "$SMTP_PORT_MIXED inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$MILTER_MIXED" \
  "$SMTP_PORT_UNIX inet n - n - - smtpd -o smtpd_milters=unix:$UNIX_SOCK"

smtp() {  # PORT ADDR NAME RCPT[,RCPT...]: one SMTP session up to RCPT, prints the transcript
  swaks --server "127.0.0.1:$1" --xclient "ADDR=$2 NAME=$3" --from sender@client.example --to "$4" \
    --quit-after RCPT --timeout 20 2>&1 || true
}
reply_to() {  # RCPT TRANSCRIPT: the server's reply line that follows "RCPT TO:<RCPT>"
  printf '%s\n' "$2" | awk -v r="RCPT TO:<$1>" 'found { print; exit } index($0, r) { found = 1 }'
}
WANT_TEXT='550 5\.7\.1 Your IP address 203\.0\.113\.7 appears to be dynamically assigned \(listed in pbl\.test\)\. Please smarthost your mail through your ISP.s mail server\.'

say "a listed client gets the smarthost text at RCPT"
out=$(smtp $SMTP_PORT 203.0.113.7 dsl-203-0-113-7.pool.example user@example.org)
check "listed client: 550 5.7.1 with the smarthost text, verbatim" "$out" "<\*\* +$WANT_TEXT"

say "an unlisted client passes"
out=$(smtp $SMTP_PORT 192.0.2.55 mx.example.com user@example.org)
check "unlisted client: RCPT 250" "$out" '<- +250 2\.1\.5 Ok'

say "postmaster@ passes from a listed client; another recipient in the same session is refused"
out=$(smtp $SMTP_PORT 198.51.100.23 cable-23.example postmaster@example.org,user@example.org)
check "postmaster@ from a listed client: 250" "$(reply_to postmaster@example.org "$out")" '<- +250'
check "ordinary recipient in the same session: 550 5.7.1" "$(reply_to user@example.org "$out")" '<\*\* +550 5\.7\.1 Your IP address 198\.51\.100\.23'

say "per-domain policy: one transaction, recipients in three domains, each answered by its own"
out=$(smtp $SMTP_PORT 203.0.113.7 dsl-203-0-113-7.pool.example user@optout.example,user@example.org,user@dry.example)
check "the domain that opted out: 250" "$(reply_to user@optout.example "$out")" '<- +250 2\.1\.5 Ok'
check "the enforcing domain in the same transaction: 550 5.7.1" "$(reply_to user@example.org "$out")" "<\*\* +$WANT_TEXT"
check "the dry-run domain: 250" "$(reply_to user@dry.example "$out")" '<- +250 2\.1\.5 Ok'
check "the log names the dry-run domain's entry" "$(cat "$WORK/pbl.log")" 'recipient=<user@dry\.example> domain-policy=dry\.example action=log'

say "exemptions: a bypass address, and authenticated senders (XCLIENT LOGIN gives Postfix a SASL login)"
out=$(smtp $SMTP_PORT 203.0.113.8 h8.example.net help@example.org,user@example.org)
check "bypass address from a listed client: 250" "$(reply_to help@example.org "$out")" '<- +250'
check "another recipient in the same session: 550 5.7.1" "$(reply_to user@example.org "$out")" '<\*\* +550 5\.7\.1'
out=$(swaks --server 127.0.0.1:$SMTP_PORT --xclient "ADDR=203.0.113.9 NAME=h9.example.net LOGIN=alice" \
  --from alice@example.org --to user@example.org --quit-after RCPT --timeout 20 2>&1 || true)
check "authenticated sender on a listed address: RCPT 250" "$out" '<- +250 2\.1\.5 Ok'

say "a whole message from an unlisted client is queued"
out=$(swaks --server 127.0.0.1:$SMTP_PORT --xclient "ADDR=192.0.2.56 NAME=mail.example.net" \
  --from sender@example.net --to user@example.org --timeout 20 2>&1 || true)
check "unlisted client: message queued" "$out" '<- +250 2\.0\.0 Ok: queued'

say "a list answering 127.255.255.254 rejects nobody (the client's name says nothing either way)"
out=$(smtp $SMTP_PORT_ERR 203.0.113.7 h7.example.net user@example.org)
check "error-code list: RCPT 250" "$out" '<- +250 2\.1\.5 Ok'

out=$(smtp $SMTP_PORT_ERR 203.0.113.8 h8.example.net user@example.org)
check "the failing list gets one warning of its own, not one per connection" \
  "$(grep -c 'warning: list err\.test gave no usable answer' "$WORK/err.log")" '^1$'

say "a dead DNS server rejects nobody"
out=$(smtp $SMTP_PORT_DEAD 203.0.113.7 h7.example.net user@example.org)
check "dead DNS: RCPT 250" "$out" '<- +250 2\.1\.5 Ok'

say "reverse DNS, for clients no list knows (Postfix's 'unknown' is a hint: dynmilter's own lookup decides)"
out=$(smtp $SMTP_PORT 192.0.2.70 '[UNAVAILABLE]' user@example.org)
check "no PTR (XCLIENT NAME=[UNAVAILABLE]): 550 5.7.1, says why" "$out" '<\*\* +550 5\.7\.1 Your IP address 192\.0\.2\.70 appears to be dynamically assigned \(no reverse DNS name\)'
out=$(smtp $SMTP_PORT 192.0.2.71 dsl-192-0-2-71.pool.isp.example user@example.org)
check "generic name: 550 5.7.1, names it" "$out" '<\*\* +550 5\.7\.1 Your IP address 192\.0\.2\.71 appears to be dynamically assigned \(your address appears in your host name dsl-192-0-2-71\.pool\.isp\.example\)'
out=$(smtp $SMTP_PORT 192.0.2.72 '[TEMPUNAVAIL]' user@example.org)
check "Postfix's temporary rDNS failure (NAME=[TEMPUNAVAIL]) for a client that has a PTR: RCPT 250" "$out" '<- +250 2\.1\.5 Ok'
out=$(smtp $SMTP_PORT 192.0.2.76 '[UNAVAILABLE]' user@example.org)
check "Postfix says 'unknown' (NAME=[UNAVAILABLE]) for a client that has a PTR: RCPT 250" "$out" '<- +250 2\.1\.5 Ok'
out=$(smtp $SMTP_PORT 192.0.2.73 smtp-out-192-0-2-73.mail.example.net user@example.org)
check "a mail server's name, even with its address in it: RCPT 250" "$out" '<- +250 2\.1\.5 Ok'
out=$(swaks --server 127.0.0.1:$SMTP_PORT --xclient "ADDR=192.0.2.75 NAME=h75.example.net" --ehlo '[192.0.2.75]' \
  --from sender@client.example --to user@example.org --quit-after RCPT --timeout 20 2>&1 || true)
check "HELO with an address literal alone (weight 1): RCPT 250" "$out" '<- +250 2\.1\.5 Ok'
out=$(smtp $SMTP_PORT 192.0.2.74 '[UNAVAILABLE]' postmaster@example.org)
check "no PTR, to postmaster@: RCPT 250" "$out" '<- +250 2\.1\.5 Ok'

say "actions: tempfail defers, log only logs, tag marks the delivered message"
out=$(smtp $SMTP_PORT_TEMPFAIL 203.0.113.7 h7.example.net user@example.org)
check "--action tempfail: 450 4.7.1 with the same text" "$out" '<\*\* +450 4\.7\.1 Your IP address 203\.0\.113\.7 appears to be dynamically assigned'
out=$(smtp $SMTP_PORT_LOG 203.0.113.7 h7.example.net user@example.org)
check "--action log: RCPT 250" "$out" '<- +250 2\.1\.5 Ok'
check "--action log: the would-be verdict is logged" "$(cat "$WORK/log.log")" 'client=203\.0\.113\.7 .*score=3 action=log note="dry run: would reject \(listed in pbl\.test\)"'
# The sender forges two X-Dynmilter headers claiming a pass: both must go, ours must stay.
out=$(swaks --server 127.0.0.1:$SMTP_PORT_TAG --xclient "ADDR=203.0.113.7 NAME=h7.example.net" \
  --from sender@client.example --to user@example.org --timeout 20 \
  --add-header "X-Dynmilter: pass; score=0; forged" --add-header "X-DYNMILTER: pass; forged too" 2>&1 || true)
check "--action tag: message accepted" "$out" '<- +250 2\.0\.0 Ok: queued as'
queue_id=$(printf '%s\n' "$out" | sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' | head -1)
held=$(postcat -c "$POSTFIX_DIR/etc" -hq "$queue_id" 2>&1 || true)
check "--action tag: the queued message carries the header" "$held" '^X-Dynmilter: dynamic; score=3; threshold=3; client=203\.0\.113\.7; listed=pbl\.test'
check "--action tag: the sender's forged X-Dynmilter headers are gone, ours is the only one" \
  "$(printf '%s\n' "$held" | grep -ci '^x-dynmilter:')" '^1$'
check "--action tag: the removal is logged" "$(cat "$WORK/tag.log")" 'removed 2 X-Dynmilter headers that the sender put in'

say "per-list and per-signal actions, and a two-line reply"
out=$(smtp $SMTP_PORT_MIXED 203.0.113.7 h7.example.net user@example.org)
check "a list limited to tempfail defers: first line 450-4.7.1" "$out" '<\*\* +450-4\.7\.1 Your IP address 203\.0\.113\.7 appears to be dynamically assigned\.'
check "the second line: 450 4.7.1 with the reference" "$out" '<\*\* +450-4\.7\.1 Please smarthost through your ISP; reference [2-9a-z]{10}\.'
check "{txt}: the third line is the list's own TXT text, from rbldnsd" "$out" '<\*\* +450 4\.7\.1 ISP-maintained dynamic range$'
out=$(smtp $SMTP_PORT_MIXED 192.0.2.70 '[UNAVAILABLE]' user@example.org)
check "a signal limited to log (no PTR) is accepted" "$out" '<- +250 2\.1\.5 Ok'
check "... and its would-be verdict logged" "$(cat "$WORK/mixed.log")" 'client=192\.0\.2\.70 .*signal=no-ptr\(\+3\) score=3 action=log note="dry run'
out=$(smtp $SMTP_PORT_MIXED 203.0.113.8 '[UNAVAILABLE]' user@example.org)
check "both together reach the threshold at tempfail: 450" "$out" '<\*\* +450 4\.7\.1'

say "through a unix socket in Postfix's spool (owner nobody:postfix, mode 0660)"
check "the socket's owner and mode" "$(stat -c '%U:%G %a' "$UNIX_SOCK" 2>&1)" '^nobody:postfix 660$'
out=$(smtp $SMTP_PORT_UNIX 203.0.113.7 h7.example.net user@example.org)
check "a listed client is refused through the unix socket" "$out" "<\*\* +$WANT_TEXT"

say "what the operator sees"
check "Postfix logged the milter reject with the text" "$(cat "$WORK/postfix.log")" 'milter-reject: RCPT from .*203\.0\.113\.7.*550 5\.7\.1 Your IP address 203\.0\.113\.7'
check "dynmilter logged the verdict" "$(cat "$WORK/pbl.log")" 'client=203\.0\.113\.7 name=dsl-203-0-113-7\.pool\.example list=pbl\.test:listed\(127\.0\.0\.10\) rdns=ok signal=ip-in-name-bare\(\+2\) signal=dynamic-word\(\+3\) score=8 action=reject'
check "dynmilter's own lookup found no PTR" "$(cat "$WORK/pbl.log")" 'client=192\.0\.2\.70 .*rdns=no-ptr signal=no-ptr\(\+3\) score=3 action=reject'
check "dynmilter saw the HELO address literal" "$(cat "$WORK/pbl.log")" 'client=192\.0\.2\.75 .*signal=helo-ip\(\+1\) score=1 action=accept'
check "dynmilter found the PTR Postfix could not: no-ptr never counted" "$(cat "$WORK/pbl.log")" 'client=192\.0\.2\.72 .*rdns=ok .*action=accept'
check "... also where Postfix said 'unknown'" "$(cat "$WORK/pbl.log")" 'client=192\.0\.2\.76 .*rdns=ok .*action=accept'
check "no client that has a PTR was logged as no-ptr" "$(grep -cE 'client=192\.0\.2\.(72|76) .*no-ptr' "$WORK/pbl.log")" '^0$'
say "what Prometheus sees (--metrics)"
m=$(scrape $METRICS)
check "verdicts by action and reason: listed clients rejected" "$m" '^dynmilter_verdicts_total\{action="reject",reason="listed"\} [1-9][0-9]*$'
check "verdicts: clients refused for their reverse DNS alone" "$m" '^dynmilter_verdicts_total\{action="reject",reason="rdns"\} [1-9][0-9]*$'
check "verdicts: clients passed" "$m" '^dynmilter_verdicts_total\{action="accept",reason="below-threshold"\} [1-9][0-9]*$'
check "exempt recipients: postmaster, bypass, authenticated" "$(printf '%s\n' "$m" | grep '^dynmilter_exempt_recipients_total' | sort | tr '\n' ' ')" \
  'why="auth"\} 1 .*why="bypass"\} 1 .*why="role"\} 2'
check "per-list hits" "$m" '^dynmilter_dnsbl_hits_total\{list="pbl\.test"\} [1-9][0-9]*$'
check "list health from the RFC 5782 probe" "$m" '^dynmilter_dnsbl_healthy\{list="pbl\.test"\} 1$'
check "the listing-rate guard, not holding the list" "$m" '^dynmilter_dnsbl_surging\{list="pbl\.test"\} 0$'
check "connections counted" "$m" '^dynmilter_connections_total [1-9][0-9]*$'
check "decision latency histogram" "$m" '^dynmilter_decision_seconds_count [1-9][0-9]*$'
check "evidence hits by source" "$m" '^dynmilter_evidence_hits_total\{source="pbl\.test"\} [1-9][0-9]*$'
check "decisive evidence by source" "$m" '^dynmilter_evidence_decisive_total\{source="pbl\.test"\} [1-9][0-9]*$'
check "the log line names what decided" "$(cat "$WORK/pbl.log")" 'action=reject .*decisive=pbl\.test '
# The Grafana dashboard asks only for what the daemon exports (a histogram as its _bucket series).
missing=""
for name in $(grep -o 'dynmilter_[a-z_]*' "$TESTROOT/../packaging/grafana-dashboard.json" | sort -u); do
  printf '%s\n' "$m" | grep -q "^# TYPE ${name%_bucket} " || missing="$missing $name"
done
check "every metric the Grafana dashboard uses is exported" "missing:${missing:- none}" '^missing: none$'
for n in pbl err dead tempfail log tag mixed unix; do check_alive $n; done
finish
