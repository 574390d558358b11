#!/bin/bash
# The standing fault campaign, through real Postfix: every DNS fault, Spamhaus's error codes, a list
# of everything (at start and added by reload), a resolver that answers NXDOMAIN (or an address)
# for everything, a DNS server killed and restarted, reload storms with metrics on. The goal:
# 0 good clients refused, every RCPT answered within the budget, the daemon alive.
source "$(dirname "$0")/../lib.sh" "$@"
require postfix swaks rbldnsd drill
[ "$(id -u)" -eq 0 ] || skip "a throwaway Postfix instance needs root"
[ -x "$BIN/fake_dns" ] || skip "fake_dns is not built (configure with -DBUILD_TESTING=ON)"
BUDGET_MS=3000   # --dns-timeout 1s, plus Postfix and swaks

# Lists: pbl.test as usual; all.test lists every address (127.0.0.1 too: broken); err252/err255
# answer Spamhaus's "typo in the list name" and "too many queries" codes for everything.
RBL_PORT=15361 RBL2_PORT=15362
everything() { seq 1 255 | sed 's|$|.0.0.0/8|'; }  # rbldnsd takes no /0
{ echo ':127.0.0.2:listed'; everything; } >"$WORK/all.test.ip4set"
for c in 252 255; do { echo ":127.255.255.$c:error"; everything; } >"$WORK/err$c.test.ip4set"; done
cp "$FIXTURES/pbl.test.ip4set" "$WORK/"
chmod 644 "$WORK"/*.ip4set
rbldnsd -n -u nobody -b "127.0.0.1/$RBL_PORT" -t 300 pbl.test:ip4set:"$WORK/pbl.test.ip4set" \
  all.test:ip4set:"$WORK/all.test.ip4set" err252.test:ip4set:"$WORK/err252.test.ip4set" \
  err255.test:ip4set:"$WORK/err255.test.ip4set" >"$WORK/rbldnsd.log" 2>&1 &
PIDS+=($!)
start_rbldnsd_2() {  # the DNS server that the campaign kills and restarts
  rbldnsd -n -u nobody -b "127.0.0.1/$RBL2_PORT" -t 1 pbl.test:ip4set:"$WORK/pbl.test.ip4set" >"$WORK/rbldnsd2.log" 2>&1 &
  RBL2_PID=$!
  PIDS+=($RBL2_PID)
}
start_rbldnsd_2
for p in $RBL_PORT $RBL2_PORT; do
  for _ in $(seq 50); do drill -p $p @127.0.0.1 2.0.0.127.pbl.test A 2>/dev/null | grep -q 127.0.0 && break; sleep 0.1; done
done

# One dynmilter per DNS fault, each behind its own smtpd port.
FAULTS=(nxdomain nodata servfail refused drop garbage truncated wrong-id wrong-question wrong-source address slow-outside slow-inside)
LISTS=(all.test err252.test err255.test)
masters=()
port=18960 smtp=12560
declare -A SMTP_OF=()
for f in "${FAULTS[@]}"; do
  kind=$f delay=0
  [ "$f" = slow-outside ] && kind=nxdomain delay=3000
  [ "$f" = slow-inside ] && kind=nodata delay=300
  "$BIN/fake_dns" "$WORK/$f.port" "$kind" "$delay" &
  PIDS+=($!)
  for _ in $(seq 50); do [ -s "$WORK/$f.port" ] && break; sleep 0.1; done
  start_dynmilter "$f" $port --dns-server "127.0.0.1:$(cat "$WORK/$f.port")" --dnsbl 'pbl.test=127.0.0.[10..11]*3' \
    --dns-timeout 1s
  masters+=("$smtp inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$port")
  SMTP_OF[$f]=$smtp
  port=$((port + 1)) smtp=$((smtp + 1))
done
for l in "${LISTS[@]}"; do  # a broken list at start: probed, ignored
  start_dynmilter "$l" $port --dns-server "127.0.0.1:$RBL_PORT" --dnsbl "$l*3" --dns-timeout 1s
  masters+=("$smtp inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$port")
  SMTP_OF[$l]=$smtp
  port=$((port + 1)) smtp=$((smtp + 1))
done
start_dynmilter restart $port --dns-server "127.0.0.1:$RBL2_PORT" --dnsbl 'pbl.test=127.0.0.[10..11]*3' --dns-timeout 1s
masters+=("$smtp inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$port")
SMTP_OF[restart]=$smtp
port=$((port + 1)) smtp=$((smtp + 1))
# The reload target: a unix socket and metrics on (a reload used to kill such a daemon).
conf=$WORK/reload.conf
printf 'dnsbl = pbl.test=127.0.0.[10..11]*3\ndns-server = 127.0.0.1:%s\nmetrics = 127.0.0.1:19461\n' $RBL_PORT >"$conf"
SOCK=$WORK/reload.sock
"$BIN/dynmilter" --foreground --socket "unix:$SOCK" -c "$conf" >"$WORK/reload.log" 2>&1 &
PIDS+=($!)
DAEMON_PID[reload]=$!
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
masters+=("$smtp inet n - n - - smtpd -o smtpd_milters=unix:$SOCK")
SMTP_OF[reload]=$smtp

source "$TESTROOT/integration/postfix-instance.sh"
postfix_instance "$WORK/postfix" "${masters[@]}"

# session PORT ADDR NAME: one SMTP session to RCPT; prints "CODE MS".
session() {
  local t0 t1 r
  t0=$(date +%s%N)
  r=$(swaks --server "127.0.0.1:$1" --xclient "ADDR=$2 NAME=$3" --from s@client.example --to user@example.org \
        --quit-after RCPT --timeout 20 2>&1 | awk '/RCPT TO/ { getline; print $2; exit }')
  t1=$(date +%s%N)
  echo "${r:-none} $(((t1 - t0) / 1000000))"
}
refused=0 slow=0 sessions=0
good() {  # NAME PORT ADDR HOSTNAME: a good client must get 250 within the budget
  local out code ms
  out=$(session "$2" "$3" "$4")
  code=${out% *} ms=${out#* }
  sessions=$((sessions + 1))
  [ "$code" = 250 ] || { refused=$((refused + 1)); echo "REFUSED: $1 $3 $4 -> $code"; }
  [ "$ms" -le $BUDGET_MS ] || { slow=$((slow + 1)); echo "SLOW: $1 $3 $4 -> ${ms} ms"; }
}

say "DNS faults: good clients (a mail server's name; the MTA's TEMP result) are never refused"
for f in "${FAULTS[@]}"; do
  good "$f" "${SMTP_OF[$f]}" 192.0.2.55 mx.example.com
  good "$f" "${SMTP_OF[$f]}" 192.0.2.56 '[TEMPUNAVAIL]'
done
say "a resolver that answers NXDOMAIN or an address for everything: even 'no PTR' is not believed"
for _ in 1 2 3; do good nxdomain "${SMTP_OF[nxdomain]}" 192.0.2.57 '[UNAVAILABLE]'; done
good address "${SMTP_OF[address]}" 192.0.2.58 mail.example.net
check "the NXDOMAIN-for-everything resolver is named in the log" "$(cat "$WORK/nxdomain.log")" \
  'DNS resolver is NOT believed \(it answers NXDOMAIN for the root zone'
check "the address-for-everything resolver is named in the log" "$(cat "$WORK/address.log")" \
  'DNS resolver is NOT believed \(it answers 198\.51\.100\.1'
say "lists that list everything or answer error codes: ignored, loudly"
for l in "${LISTS[@]}"; do good "$l" "${SMTP_OF[$l]}" 192.0.2.55 mx.example.com; done
check "a list of everything is broken" "$(cat "$WORK/all.test.log")" 'all\.test is BROKEN.*lists 127\.0\.0\.1'
check "127.255.255.252 marks the list broken" "$(cat "$WORK/err252.test.log")" 'err252\.test is BROKEN'
check "127.255.255.255 marks the list broken" "$(cat "$WORK/err255.test.log")" 'err255\.test is BROKEN'

say "the DNS server killed and restarted"
kill "$RBL2_PID"; wait "$RBL2_PID" 2>/dev/null || true
for a in 55 59 60; do good restart "${SMTP_OF[restart]}" 192.0.2.$a mx.example.com; done
good restart "${SMTP_OF[restart]}" 203.0.113.7 h7.example.net   # listed, but the list cannot answer
start_rbldnsd_2
back=none
for _ in $(seq 40); do  # failed lookups are cached 5 s: the list answers again after that
  back=$(session "${SMTP_OF[restart]}" 203.0.113.7 h7.example.net)
  [ "${back% *}" = 550 ] && break
  sleep 0.5
done
check "after the restart the listed client is refused again" "${back% *}" '^550$'

say "reload with metrics on: a list of everything added by reload, then a storm of reloads under load"
R=${DAEMON_PID[reload]}
for _ in 1 2 3; do kill -USR1 "$R"; sleep 0.3; done
check_alive reload
printf 'dnsbl = all.test*3\n' >>"$conf"
kill -USR1 "$R"; sleep 1
good reload "${SMTP_OF[reload]}" 192.0.2.55 mx.example.com
check "the list added by reload was probed and found broken" "$(cat "$WORK/reload.log")" \
  'all\.test \(new in this configuration\) is BROKEN'
( for i in $(seq 20); do good reload "${SMTP_OF[reload]}" 192.0.2.$((60 + i)) mx.example.com; done
  echo "$refused $slow" >"$WORK/storm.result" ) &
stream=$!
for i in $(seq 30); do
  if [ $((i % 3)) -eq 0 ]; then printf 'threshold = lots\n' >>"$conf"; else sed -i '/^threshold = lots$/d' "$conf"; fi
  kill -USR1 "$R"; sleep 0.1
done
wait $stream
read -r storm_refused storm_slow <"$WORK/storm.result"
refused=$((refused + storm_refused)) slow=$((slow + storm_slow)) sessions=$((sessions + 20))
check_alive reload
check "the reloads are counted (ok and failed)" "$(scrape 19461)" 'dynmilter_reloads_total\{result="failed"\} [1-9]'
kill -TERM "$R"; rc=0; wait "$R" || rc=$?
check "SIGTERM with metrics on: exit status 0" "rc=$rc" '^rc=0$'
check "SIGTERM removes the unix socket" "$([ -e "$SOCK" ] && echo left || echo removed)" '^removed$'

echo "campaign: $sessions sessions, $refused good clients refused, $slow over ${BUDGET_MS} ms"
check "no good client refused" "$refused" '^0$'
check "every RCPT answered within the budget" "$slow" '^0$'
for f in "${FAULTS[@]}" "${LISTS[@]}" restart; do check_alive "$f"; done
finish
