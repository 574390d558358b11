#!/bin/bash
# dynmilter-replay on the log of real Postfix sessions through real dynmilter and rbldnsd: the
# same configuration file, replayed with --dns, gives every client the verdict the daemon gave;
# by name only it finds the name evidence; compressed logs read the same; what the log shows to
# be legitimate is reported; bad log input is counted, never fatal. (The Sendmail test replays
# Sendmail's own log the same way.)
source "$(dirname "$0")/../lib.sh" "$@"
require postfix postconf swaks rbldnsd drill gzip unbound
[ "$(id -u)" -eq 0 ] || skip "a throwaway Postfix instance needs root"

RBL_PORT=15341 SMTP_PORT=12545 MILTER=18941
start_rbldnsd $RBL_PORT
DNS_PORT=15346
start_dns_world $DNS_PORT $RBL_PORT  # PTRs as the tests need them; lists from rbldnsd
# One file for the daemon and the replay (it skips the daemon-only options, as dynmilter-check does).
cat >"$WORK/dynmilter.conf" <<CONF
dns-server = 127.0.0.1:$DNS_PORT
dnsbl = pbl.test=127.0.0.[10..11]*3
dns-timeout = 2s
bypass-recipient = help@example.org
CONF
start_dynmilter pbl $MILTER -c "$WORK/dynmilter.conf"

# shellcheck source=postfix-instance.sh
source "$TESTROOT/integration/postfix-instance.sh"
postfix_instance "$WORK/postfix" "$SMTP_PORT inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$MILTER"

session() {  # XCLIENT-ATTRIBUTES RCPTS [SWAKS ARGS...]: one session; the whole message unless told to stop
  local xclient=$1 to=$2
  shift 2
  swaks --server "127.0.0.1:$SMTP_PORT" --xclient "$xclient" --from sender@client.example --to "$to" --timeout 20 "$@" \
    >>"$WORK/swaks.out" 2>&1 || true
}
say "sessions through Postfix and dynmilter"
session "ADDR=203.0.113.7 NAME=dsl-203-0-113-7.pool.example" user@example.org --quit-after RCPT  # listed
session "ADDR=192.0.2.55 NAME=mx.example.com" user@example.org                                  # delivered
session "ADDR=198.51.100.23 NAME=cable-23.example" postmaster@example.org,user@example.org --quit-after RCPT
session "ADDR=192.0.2.70 NAME=[UNAVAILABLE]" user@example.org --quit-after RCPT                 # no PTR
session "ADDR=203.0.113.9 NAME=h9.example.net LOGIN=alice" user@example.org                     # listed, logged in
session "ADDR=192.0.2.56 NAME=mail.example.net" user@example.org                                # delivered
session "ADDR=192.0.2.57 NAME=relay.example.net" help@example.org --quit-after RCPT             # bypass only
for _ in $(seq 50); do grep -q 'status=sent' "$WORK/postfix.log" && [ "$(grep -c 'status=sent' "$WORK/postfix.log")" -ge 3 ] && break; sleep 0.1; done
LOG=$WORK/postfix.log
check "Postfix refused through the milter" "$(cat "$LOG")" 'milter-reject: RCPT from dsl-203-0-113-7\.pool\.example\[203\.0\.113\.7\]: 550 5\.7\.1'

say "replayed with --dns and the same file: every client gets the verdict the daemon gave"
csv=$("$BIN/dynmilter-replay" -c "$WORK/dynmilter.conf" --dns --csv "$LOG")
check "CSV header" "$csv" '^address,name,rdns,action,score,decisive,hits,authenticated,mynetworks,delivered,then'
compared=0
while IFS=, read -r address name rdns action rest; do
  [ "$address" = address ] && continue
  given=$(grep -E "client=${address//./\\.} " "$WORK/pbl.log" | sed -n 's/.* action=\([a-z]*\).*/\1/p' | tail -1 || true)
  [ -n "$given" ] || continue  # exempt (loopback) or logged in: the daemon judged nothing
  check "replayed $address ($name): $given" "$action" "^$given\$"
  compared=$((compared + 1))
done <<<"$csv"
check "clients compared with the daemon's own verdicts" "$compared" '^[5-9]$'
json=$("$BIN/dynmilter-replay" -c "$WORK/dynmilter.conf" --dns --json "$LOG")
check "JSON: the refusals of then, none changed" "$json" '"log":\{"refused_then":3,"deferred_then":0,"now_refused":0,"now_accepted":0\}'
check "JSON: clients and refusals counted" "$json" '"dns":true,"clients":8,"refused":4,'
check "JSON: the list is a decisive source" "$json" '\{"source":"pbl\.test","hits":3,"decisive":2,'
check "JSON: the logged-in listed client is reported as legitimate" "$json" \
  '"legitimate":\[\{"address":"203\.0\.113\.9","name":"h9\.example\.net","action":"reject","evidence":\["authenticated as alice","its mail was delivered"\]\}\]'
check "the delivered clients are seen as such" "$csv" '^192\.0\.2\.55,mx\.example\.com,ok,accept,0,,,no,no,yes,accepted'

say "by name only (no --dns): the name evidence, the lists not asked"
json=$("$BIN/dynmilter-replay" -c "$WORK/dynmilter.conf" --json "$LOG")
check "names only: no list asked" "$json" '"dns":false,'
check "names only: no PTR decides" "$json" '\{"source":"no-ptr","hits":1,"decisive":1,"examples":\["unknown\[192\.0\.2\.70\]"\]\}'
check "names only: the generic name decides" "$json" '\{"source":"dynamic-word","hits":1,"decisive":1,'
check "names only: the listed clients accepted now are counted" "$json" '"now_refused":0,"now_accepted":1\}'
table=$("$BIN/dynmilter-replay" -c "$WORK/dynmilter.conf" --mynetworks 192.0.2.0/24 --dns "$LOG")
check "table: the legitimate would-be refusals" "$table" 'would-be refusals that the log shows to be legitimate: 2'
check "table: in mynetworks" "$table" 'unknown\[192\.0\.2\.70\] +reject +in mynetworks'

say "a rotated, compressed log reads the same"
cp "$LOG" "$WORK/postfix.log.1" && gzip -9 "$WORK/postfix.log.1"
check "gzip: same report" "$("$BIN/dynmilter-replay" -c "$WORK/dynmilter.conf" --dns --json "$WORK/postfix.log.1.gz" | sed 's/"files":1,//')" \
  "^$(printf '%s' "$("$BIN/dynmilter-replay" -c "$WORK/dynmilter.conf" --dns --json "$LOG" | sed 's/"files":1,//')" | sed 's/[][\.*^$(){}+?|]/\\&/g')\$"

say "bad input: junk, other programs, truncated and overlong lines are counted; a missing file is an error"
{
  head -c 200000 /dev/urandom
  printf '\nDec  1 06:30:58 mx dovecot[12]: imap-login: Login: user=<bob>\n'
  printf 'Dec  1 06:30:58 mx postfix/smtpd[99]: connect from host.example[not-an-address]\n'
  printf 'Dec  1 06:30:58 mx postfix/smtpd[99]: NOQUEUE: milter-reject: RCPT from \n'
  head -c 100000 /dev/zero | tr '\0' 'x'
  printf '\nDec  1 06:30:58 mx postfix/smtpd[99]: connect from h.example[192.0.2.99'
} >"$WORK/junk.log"
out=$("$BIN/dynmilter-replay" -c "$WORK/dynmilter.conf" --json "$WORK/junk.log"; echo "rc=$?")
check "junk: read to the end, exit 0" "$out" 'rc=0$'
check "junk: malformed MTA lines counted" "$out" '"malformed":[3-9],'
out=$("$BIN/dynmilter-replay" -c "$WORK/dynmilter.conf" "$WORK/absent.log" "$LOG" 2>&1; echo "rc=$?")
check "a missing file is named" "$out" 'absent\.log: No such file or directory'
check "the other files are still read" "$out" 'judged: +8 distinct clients'
check "a missing file: exit 2" "$out" 'rc=2$'
cp "$WORK/postfix.log.1.gz" "$WORK/cut.gz" && truncate -s 100 "$WORK/cut.gz"
out=$("$BIN/dynmilter-replay" -c "$WORK/dynmilter.conf" "$WORK/cut.gz" 2>&1; echo "rc=$?")
check "a corrupt archive is reported" "$out" 'cut\.gz: gzip could not decompress it all'
check "a corrupt archive: exit 2" "$out" 'rc=2$'

say "--propose-rules: rules mined from the site's own log, labeled by the lists (--dns) and by deliveries"
# A week of one provider's customers (listed in pbl.test: dynamic), its mail server delivering on
# three days (a server), and a hostile line: a listed client that calls itself mail7.
{
  for day in 1 2 3; do
    for i in $(seq $((day * 5)) $((day * 5 + 4))); do
      n=cpe-203-0-113-$i.cable.isp9.test
      printf 'Dec  %s 10:%02d:00 mx postfix/smtpd[%s]: connect from %s[203.0.113.%s]\n' "$day" "$i" "$i" "$n" "$i"
      printf 'Dec  %s 10:%02d:01 mx postfix/smtpd[%s]: disconnect from %s[203.0.113.%s] ehlo=1 quit=1 commands=2\n' \
        "$day" "$i" "$i" "$n" "$i"
    done
    printf 'Dec  %s 11:00:00 mx postfix/smtpd[77]: connect from mail.isp9.test[192.0.2.72]\n' "$day"
    printf 'Dec  %s 11:00:01 mx postfix/smtpd[77]: 4Q%sABC: client=mail.isp9.test[192.0.2.72]\n' "$day" "$day"
    printf 'Dec  %s 11:00:02 mx postfix/qmgr[5]: 4Q%sABC: from=<a@isp9.test>, size=300, nrcpt=1 (queue active)\n' "$day" "$day"
    printf 'Dec  %s 11:00:03 mx postfix/local[6]: 4Q%sABC: to=<user@example.org>, relay=local, status=sent (delivered)\n' \
      "$day" "$day"
    printf 'Dec  %s 11:00:04 mx postfix/smtpd[77]: disconnect from mail.isp9.test[192.0.2.72]\n' "$day"
  done
  printf 'Dec  3 12:00:00 mx postfix/smtpd[88]: connect from mail7.isp9.test[203.0.113.30]\n'
} >"$WORK/week.log"
out=$("$BIN/dynmilter-replay" -c "$WORK/dynmilter.conf" --dns --propose-rules "$WORK/mined.rules" "$WORK/week.log" 2>&1;
  echo "rc=$?")
check "one rule for the provider, loaded back" "$(printf '%s' "$out" | tr '\n' ' ')" \
  'isp9\.test +dynamic +16 +servers +[1-9] +1 rule .*rule:mined-isp9-test-1 +would add 0 refusals \(15 dynamic names matched\).*1 loaded back.*rc=0'
rules=$(cat "$WORK/mined.rules")
check "the rule file: counts and the days seen" "$rules" '^# 15 dynamic names of isp9\.test matched, 0 of them not refused today; seen Dec  1 to Dec  3$'
check "... examples that dynmilter checks at load" "$rules" '^match   = cpe-203-0-113-[0-9]+\.cable\.isp9\.test$'
check "... and the server it leaves alone" "$rules" '^nomatch = mail\.isp9\.test$'
out=$("$BIN/dynmilter-check" --rules "$WORK/mined.rules" --classify <<<"cpe-203-0-113-99.cable.isp9.test" 2>&1)
check "dynmilter-check shows a mined rule as any other: an unseen customer" "$out" 'rule:mined-isp9-test-1\(\+3\)'
for n in mail7.isp9.test mail.isp9.test cpe-203-0-113-99.cable.isp9.test.evil.test; do
  out=$("$BIN/dynmilter-check" --rules "$WORK/mined.rules" --classify <<<"$n" 2>&1 | grep -c 'rule:mined' || true)
  check "... never a server word, the server, or another provider: $n" "$out" '^0$'
done
out=$("$BIN/dynmilter-replay" -c "$WORK/dynmilter.conf" --propose-rules "$WORK/x.rules" "$WORK/week.log" 2>&1; echo "rc=$?")
check "from logs without --dns or dynmilter's lines: a clear error" "$(printf '%s' "$out" | tr '\n' ' ')" \
  'needs to know which clients lists list: --dns.*rc=2'
# The same week with dynmilter's own verdict lines in the log: the lists need not be asked again.
grep -o 'connect from cpe-[^[]*\[[0-9.]*\]' "$WORK/week.log" | sed 's/connect from \(.*\)\[\(.*\)\]/\1 \2/' |
  while read -r n a; do
    printf 'Dec  3 13:00:00 mx dynmilter[42]: id=2222222222 client=%s name=%s list=pbl.test:listed(127.0.0.10) rdns=ok score=3 action=reject\n' "$a" "$n"
  done >"$WORK/verdicts.log"
out=$("$BIN/dynmilter-replay" -c "$WORK/dynmilter.conf" --propose-rules "$WORK/y.rules" "$WORK/week.log" "$WORK/verdicts.log" 2>&1; echo "rc=$?")
check "from the daemon's own verdict lines, without --dns: the same rule" "$(printf '%s' "$out" | tr '\n' ' ')" \
  'rule:mined-isp9-test-1 +would add 0 refusals \(15 dynamic names matched\).*rc=0$'
printf 'dynamic\tcpe-1.isp.test\nbogus line\n' >"$WORK/bad.tsv"
out=$("$BIN/dynmilter-replay" --propose-rules "$WORK/x.rules" --labeled "$WORK/bad.tsv" 2>&1; echo "rc=$?")
check "--labeled: a bad line is named file:line" "$(printf '%s' "$out" | tr '\n' ' ')" 'bad\.tsv:2: want .*rc=2'

check_alive pbl
finish
