#!/bin/bash
# SIGUSR1 reload under a stream of SMTP sessions through real Postfix: the new configuration
# takes over, a broken file keeps the running one (and says file:line), and no session fails.
source "$(dirname "$0")/../lib.sh" "$@"
require postfix swaks rbldnsd drill
[ "$(id -u)" -eq 0 ] || skip "a throwaway Postfix instance needs root"
RBL_PORT=15351 SMTP_PORT=12551 MILTER=18951
start_rbldnsd $RBL_PORT
conf=$WORK/dynmilter.conf
printf 'dnsbl = pbl.test=127.0.0.[10..11]*3\ndns-server = 127.0.0.1:%s\n' $RBL_PORT >"$conf"
start_dynmilter reload $MILTER -c "$conf"
# A second daemon for the DNS part below, behind its own smtpd port of the same Postfix (one
# instance: the test's cleanup stops one).
MILTER2=18952 SMTP2=12552
conf2=$WORK/dns.conf
printf 'dnsbl = pbl.test=127.0.0.[10..11]*3\ndns-server = 127.0.0.1:9\ndns-timeout = 1s\n' >"$conf2"
start_dynmilter dns $MILTER2 -c "$conf2"
source "$TESTROOT/integration/postfix-instance.sh"
postfix_instance "$WORK/postfix" "$SMTP_PORT inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$MILTER" \
  "$SMTP2 inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$MILTER2"

# 30 sessions in a row from a listed client; each records the reply to its RCPT.
( set +e +o pipefail  # a refused RCPT makes swaks exit non-zero: that is a result, not an error
  for i in $(seq 1 30); do
    r=$(swaks --server 127.0.0.1:$SMTP_PORT --xclient "ADDR=203.0.113.7 NAME=h7.example.net" \
          --to user@example.org --quit-after RCPT --timeout 10 2>&1 | awk '/RCPT TO/ { getline; print $2; exit }')
    echo "${r:-none}" >>"$WORK/replies"
    sleep 0.2  # a steady stream, so that both reloads land in the middle of it
  done ) &
stream=$!
sleep 2
printf 'action = log\n' >>"$conf"
kill -USR1 "${DAEMON_PID[reload]}"
sleep 2
printf 'threshold = lots\n' >>"$conf"
kill -USR1 "${DAEMON_PID[reload]}"
wait $stream || true

replies=$(tr '\n' ' ' <"$WORK/replies")
echo "replies in order: $replies"
check "30 sessions ran" "$(wc -l <"$WORK/replies")" '^30$'
check "every session got 550 or 250 (none failed)" "$(grep -cvE '^(550|250)$' "$WORK/replies")" '^0$'
check "refused before the reload, accepted after (action = log), changing once" "$replies" '^(550 )+(250 )+$'
log=$(cat "$WORK/reload.log")
check "the reload is logged" "$log" 'configuration reloaded'
check "the broken file is refused with file:line, the running configuration kept" "$log" \
  "reload failed, keeping the running configuration: .*dynmilter\.conf:4: .*'lots'.*--threshold"
check "after the bad reload the dry run still applies" "$log" 'client=203\.0\.113\.7 .*action=log note="dry run'
check_alive reload

# DNS settings follow a reload as well: a daemon whose DNS server is dead accepts the listed
# client (a failure never rejects); pointed at rbldnsd by a reload, it refuses it.
rcpt_reply() {
  swaks --server 127.0.0.1:$SMTP2 --xclient "ADDR=203.0.113.7 NAME=h7.example.net" --to user@example.org \
    --quit-after RCPT --timeout 10 2>&1 | awk '/RCPT TO/ { getline; print $2; exit }' || true
}
check "dead DNS server: the listed client passes" "$(rcpt_reply)" '^250$'
printf 'dnsbl = pbl.test=127.0.0.[10..11]*3\ndns-server = 127.0.0.1:%s\ndns-timeout = 1s\ndns-max-ttl = 10m\n' $RBL_PORT >"$conf2"
kill -USR1 "${DAEMON_PID[dns]}"
for _ in $(seq 50); do grep -q 'configuration reloaded' "$WORK/dns.log" && break; sleep 0.1; done
check "the reload switches the DNS server" "$(cat "$WORK/dns.log")" "reload: DNS servers now 127\.0\.0\.1:$RBL_PORT"
check "... and starts a new cache for the new TTL bounds" "$(cat "$WORK/dns.log")" 'reload: DNS cache settings changed'
check "... and probes the lists again through the new server" "$(cat "$WORK/dns.log")" 'dnsbl pbl\.test is healthy'
check "... and the list now refuses the listed client (no restart)" "$(rcpt_reply)" '^550$'
check_alive dns
finish
