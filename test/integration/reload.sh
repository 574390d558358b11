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
source "$TESTROOT/integration/postfix-instance.sh"
postfix_instance "$WORK/postfix" "$SMTP_PORT inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$MILTER"

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
finish
