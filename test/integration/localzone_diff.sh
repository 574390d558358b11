#!/bin/bash
# --local-zone against real rbldnsd: the same generated files (every dataset type, with ranges,
# exclusions, overlaps, defaults, TXT templates, $TTL) served by rbldnsd and loaded by dynmilter's
# local zones; every probe address asked both ways, A and TXT: status, records and TTLs must agree.
# Then the daemon itself answers from a local zone, and keeps its old data for a bad new file.
source "$(dirname "$0")/../lib.sh" "$@"
require rbldnsd postfix swaks
[ "$(id -u)" -eq 0 ] || skip "a throwaway Postfix instance needs root"
[ -x "$BIN/localzone_diff" ] || skip "localzone_diff is not built (build with -DBUILD_TESTING=ON)"
PORT=15341

for seed in 1 2; do
  say "seed $seed: generate, serve with rbldnsd, compare"
  mkdir -p "$WORK/s$seed"
  "$BIN/localzone_diff" generate "$WORK/s$seed" $seed
  chmod 755 "$WORK/s$seed"; chmod 644 "$WORK/s$seed"/*
  rbldnsd -n -f -u nobody -b 127.0.0.1/$((PORT + seed)) -w "$WORK/s$seed" \
    ip4set.diff:ip4set:ip4set ip4tset.diff:ip4tset:ip4tset ip4trie.diff:ip4trie:ip4trie \
    ip6trie.diff:ip6trie:ip6trie ip6tset.diff:ip6tset:ip6tset >"$WORK/rbldnsd$seed.log" 2>&1 &
  PIDS+=($!)
  for i in $(seq 50); do grep -q "started" "$WORK/rbldnsd$seed.log" && break; sleep 0.1; done
  grep -q "started" "$WORK/rbldnsd$seed.log" || { cat "$WORK/rbldnsd$seed.log"; fail "rbldnsd did not start"; }
  out=$("$BIN/localzone_diff" compare "$WORK/s$seed" $((PORT + seed)) 2>&1) && rc=0 || rc=$?
  echo "$out" | tail -42
  check "seed $seed: every answer the same as rbldnsd's" "$out" '[1-9][0-9]+ questions \([1-9][0-9]+ answered .listed. by rbldnsd\), 0 differences'
  check "seed $seed: compare exits 0" "$rc" '^0$'
done

say "the daemon answers a --dnsbl list from its local zone, through real Postfix, with DNS dead"
MILTER=18961 SMTP_PORT=12561
data=$WORK/pbl.local
printf ':127.0.0.10:local PBL lists $\n203.0.113.0/24\n' >"$data"
chmod 644 "$data"
conf=$WORK/local.conf
METRICS=19461
printf 'dnsbl = pbl.local=127.0.0.[10..11]*3\nlocal-zone = pbl.local:ip4set:%s\ndns-server = 127.0.0.1:9\ndns-timeout = 2s\nreply-text = {reason}: {txt}\nmetrics = 127.0.0.1:%s\n' \
  "$data" $METRICS >"$conf"
start_dynmilter local $MILTER -c "$conf"
source "$TESTROOT/integration/postfix-instance.sh"
postfix_instance "$WORK/postfix" "$SMTP_PORT inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$MILTER"
rcpt() {
  swaks --server 127.0.0.1:$SMTP_PORT --xclient "ADDR=$1 NAME=mail.example.net" --to user@example.org \
    --quit-after RCPT --timeout 10 2>&1 | awk '/RCPT TO/ { getline; $1 = ""; print; exit }' || true
}
check "a listed client is refused, with the zone's TXT text" "$(rcpt 203.0.113.7)" \
  '^ *550 5\.7\.1 .*listed in pbl\.local.*: local PBL lists 203\.0\.113\.7'
check "an unlisted client passes" "$(rcpt 198.51.100.7)" '^ *250 '
out=$("$BIN/dynmilter-check" -c "$conf" 203.0.113.7 2>&1 | tr '\n' ' ' || true)
check "dynmilter-check says where the answer came from" "$out" \
  'pbl\.local .*127\.0\.0\.10 +listed.*answered by: local zone pbl\.local \(ip4set:[^)]*pbl\.local\)'
log=$(cat "$WORK/local.log")
check "the load is logged with its size" "$log" 'local zone pbl\.local: ip4set:.*pbl\.local loaded: 1 entries'
check "the list is probed from its data and healthy" "$log" 'pbl\.local.*(healthy|does not list the test point)'

wait_log() {  # REGEX: until the daemon's log shows it (the files are looked at every 10 s)
  for _ in $(seq 150); do grep -Eq -- "$1" "$WORK/local.log" && return 0; sleep 0.1; done
  return 1
}
say "a bad new file: the old data stays, the log says file:line"
printf '198.51.100.0/24\n10.1.2.3/8\n' >"$data.new" && mv "$data.new" "$data"
wait_log 'cannot be used, keeping the old data: .*pbl\.local:2: invalid range' && r=logged || r=silent
check "the bad line is logged with file:line" "$r" '^logged$'
check "the old data still answers" "$(rcpt 203.0.113.7)" '^ *550 '
m=$(scrape $METRICS)
check "metrics: the failed load is counted" "$m" 'dynmilter_local_zone_failed_loads_total 1'
check "metrics: the dataset's entries" "$m" 'dynmilter_local_zone_entries\{zone="pbl\.local",dataset="ip4set:[^"]*pbl\.local"\} 1'
say "a good new file takes over"
printf ':10:now this one\n198.51.100.0/24\n' >"$data.new" && chmod 644 "$data.new" && mv "$data.new" "$data"
for _ in $(seq 150); do [ "$(grep -c 'pbl\.local loaded' "$WORK/local.log")" -ge 2 ] && break; sleep 0.1; done
check "the new data is loaded" "$(grep -c 'pbl\.local loaded' "$WORK/local.log")" '^2$'
check "the newly listed client is refused" "$(rcpt 198.51.100.7)" '^ *550 '
check "the client no longer listed passes" "$(rcpt 203.0.113.7)" '^ *250 '
say "a reload whose local zone file is missing keeps the running configuration"
printf 'local-zone = pbl.local:ip4set:%s.gone\n' "$data" >>"$conf"
kill -USR1 "${DAEMON_PID[local]}"
wait_log 'reload failed, keeping the running configuration: .*pbl\.local\.gone: cannot read' && r=logged || r=silent
check "the failed reload is logged" "$r" '^logged$'
check "the running data still answers" "$(rcpt 198.51.100.7)" '^ *550 '
check_alive local
finish
