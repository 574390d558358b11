#!/bin/bash
# One verdict: the daemon through real Postfix and dynmilter-check --json, on the same
# configuration file and the same DNS world, must agree on every client: action, score and the
# decisive evidence. The world (unbound with chosen records and TTLs, lists from rbldnsd) holds
# listed and unlisted pools, servers with long and short TTLs, MX hosts with long and short TTLs,
# clients without PTR, with a failing or a forged PTR, and pools found by their neighbours; two
# more daemons face a resolver that answers NXDOMAIN to everything and one that never answers.
source "$(dirname "$0")/../lib.sh" "$@"
require postfix postconf swaks rbldnsd drill unbound
[ "$(id -u)" -eq 0 ] || skip "a throwaway Postfix instance needs root"

RBL_PORT=15391 DNS_PORT=15396 SMTP_PORT=12591 MILTER=18991
W=$WORK/world.conf
: >"$W"
reverse() { echo "$1" | awk -F. '{print $4"."$3"."$2"."$1}'; }
zones=" "
zone() {  # DOMAIN: served here (static: NXDOMAIN or NODATA for what it does not hold)
  case "$zones" in *" $1 "*) return ;; esac
  zones="$zones$1 "
  echo "  local-zone: \"$1.\" static" >>"$W"
}
ptr() { echo "  local-data-ptr: \"$1 $3 $2\"" >>"$W"; }          # IP NAME TTL
addr() { echo "  local-data: \"$1. $3 IN A $2\"" >>"$W"; }         # NAME IP TTL
mx() { echo "  local-data: \"$1. $3 IN MX 10 $2.\"" >>"$W"; }      # DOMAIN HOST TTL
no_ptr() { echo "  local-zone: \"$(reverse "$1").in-addr.arpa.\" static" >>"$W"; }

# Each client: ADDRESS XCLIENT-NAME HELO. XCLIENT-NAME is what Postfix would report: the PTR name
# when it confirms (the daemon takes it as verified, the tool confirms it itself), else
# [UNAVAILABLE] or [TEMPUNAVAIL] (both look the same to a milter: "unknown").
CLIENTS=()
client() { CLIENTS+=("$1 $2 $3"); }
zone local  # HELO names under .local do not resolve
for i in 1 2 3 4 5; do  # listed pools (pbl.test lists 203.0.113.0/24), PTR TTL 300
  n=dsl-203-0-113-$i.pool.isp1.test
  zone isp1.test; ptr 203.0.113.$i $n 300; addr $n 203.0.113.$i 300; client 203.0.113.$i $n $n
done
for i in 21 22 23 24 25; do  # unlisted pools
  n=dyn-192-0-2-$i.cable.isp2.test
  zone isp2.test; ptr 192.0.2.$i $n 3600; addr $n 192.0.2.$i 3600; client 192.0.2.$i $n "pc$i.home.local"
done
for i in 31 32 33 34 35; do  # unlisted servers, every TTL a day, MX of their own domain: mx-confirmed
  d=srv$i.test n=mail.srv$i.test
  zone $d; ptr 192.0.2.$i $n 86400; addr $n 192.0.2.$i 86400; mx $d $n 86400; client 192.0.2.$i $n $n
done
for i in 41 42 43 44 45; do  # cloud servers: 300 s TTLs and a HELO that does not resolve: supporting only
  d=cloud$i.test n=mail.cloud$i.test
  zone $d; ptr 192.0.2.$i $n 300; addr $n 192.0.2.$i 300; mx $d $n 300; client 192.0.2.$i $n "srv01.cloud$i.local"
done
for i in 51 52 53; do  # listed (198.51.100.0/24), MX hosts with day-long TTLs: the listing and mx-confirmed
  d=biz$i.test n=mail.biz$i.test
  zone $d; ptr 198.51.100.$i $n 86400; addr $n 198.51.100.$i 86400; mx $d $n 86400; client 198.51.100.$i $n $n
done
for i in 56 57 58; do  # listed home hosts with dynamic DNS: MX and A of 60 s, a generic PTR
  d=home$i.test h=mx.home$i.test n=host-$i.dialup.isp4.test
  zone $d; zone isp4.test; ptr 198.51.100.$i $n 600; addr $n 198.51.100.$i 600
  addr $h 198.51.100.$i 60; mx $d $h 60; client 198.51.100.$i $n $h
done
for i in 61 62 63; do  # no PTR, unlisted, HELO with a name whose MX and A (60 s) point at it
  d=nest$i.test h=mx.nest$i.test
  zone $d; no_ptr 192.0.2.$i; addr $h 192.0.2.$i 60; mx $d $h 60; client 192.0.2.$i '[UNAVAILABLE]' $h
done
for i in 66 67 68; do no_ptr 203.0.113.$i; client 203.0.113.$i '[UNAVAILABLE]' "[203.0.113.$i]"; done  # no PTR, listed
# (Addresses apart from lib.sh's NO_PTR_CLIENTS and PTR_CLIENTS: one world, one answer each.)
for i in 116 117 118; do client 192.0.2.$i '[TEMPUNAVAIL]' "client$i.example.local"; done  # PTR lookup refused: unknown
for i in 101 102 103; do  # forged: the PTR name's address is another
  n=host$i.forged.test
  zone forged.test; ptr 192.0.2.$i $n 3600; addr $n 198.51.100.9 3600; client 192.0.2.$i '[UNAVAILABLE]' $n
done
for i in 82 86; do  # a name that says little, between two neighbours named like a pool
  n=host$i.isp5.test
  zone isp5.test; ptr 192.0.2.$i $n 3600; addr $n 192.0.2.$i 3600; client 192.0.2.$i $n $n
  for j in $((i - 1)) $((i + 1)); do
    ptr 192.0.2.$j dsl-192-0-2-$j.isp5.test 3600; addr dsl-192-0-2-$j.isp5.test 192.0.2.$j 3600
  done
done
for i in 91 92 93; do  # unlisted, forward-confirmed, the address in the name under a hosting domain
  n=192-0-2-$i.hoster.test
  zone hoster.test; ptr 192.0.2.$i $n 86400; addr $n 192.0.2.$i 86400; client 192.0.2.$i $n "[192.0.2.$i]"
done
client 192.0.2.200 '[UNAVAILABLE]' mx.other.local  # listed only with a code outside the filter; no PTR lookup answer

start_rbldnsd $RBL_PORT
start_dns_world $DNS_PORT $RBL_PORT "$W"
CONF=$WORK/dynmilter.conf
cat >"$CONF" <<CONF
dns-server = 127.0.0.1:$DNS_PORT
dnsbl = pbl.test=127.0.0.[10..11]*3
dns-timeout = 2s
bypass-recipient = help@example.org
CONF
start_dynmilter world $MILTER -c "$CONF"
# A resolver that answers NXDOMAIN for everything, and one that never answers.
FAULT_PORTS=()
for kind in nxdomain drop; do
  "$BIN/fake_dns" "$WORK/$kind.port" "$kind" &
  PIDS+=($!)
  for _ in $(seq 50); do [ -s "$WORK/$kind.port" ] && break; sleep 0.1; done
  printf 'dns-server = 127.0.0.1:%s\ndnsbl = pbl.test=127.0.0.[10..11]*3\ndns-timeout = 500ms\n' "$(cat "$WORK/$kind.port")" \
    >"$WORK/$kind.conf"
done
start_dynmilter nxdomain $((MILTER + 1)) -c "$WORK/nxdomain.conf"
start_dynmilter drop $((MILTER + 2)) -c "$WORK/drop.conf"

# shellcheck source=postfix-instance.sh
source "$TESTROOT/integration/postfix-instance.sh"
postfix_instance "$WORK/postfix" "$SMTP_PORT inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$MILTER" \
  "$((SMTP_PORT + 1)) inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$((MILTER + 1))" \
  "$((SMTP_PORT + 2)) inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$((MILTER + 2))"

# The daemon's verdict for ADDRESS, from its log: "action score decisive".
daemon_verdict() {  # LOG ADDRESS
  local line
  line=$(grep -E "client=$2 " "$1" | tail -n 1)
  [ -n "$line" ] || { echo "none"; return; }
  local action score decisive
  action=$(sed -nE 's/.* action=([a-z]+).*/\1/p' <<<"$line")
  score=$(sed -nE 's/.* score=(-?[0-9]+) .*/\1/p' <<<"$line")
  decisive=$(sed -nE 's/.* decisive=([^ ]+).*/\1/p' <<<"$line")
  echo "$action $score ${decisive:--}"
}
# dynmilter-check's verdict for ADDRESS (NAME as the MTA would report it, HELO), same form.
tool_verdict() {  # CONF ADDRESS NAME HELO
  local out name=$3
  case "$name" in \[*) name= ;; esac
  out=$("$BIN/dynmilter-check" -c "$1" --json "$2" $name --helo "$4" 2>/dev/null)
  local action score decisive
  action=$(sed -nE 's/.*"action":"([a-z]+)".*/\1/p' <<<"$out")
  score=$(sed -nE 's/.*"score":(-?[0-9]+),.*/\1/p' <<<"$out")
  decisive=$(sed -nE 's/.*"decisive":\[([^]]*)\].*/\1/p' <<<"$out" | tr -d '"')
  echo "$action $score ${decisive:--}"
}

compare() {  # PORT LOG CONF ADDRESS NAME HELO
  local port=$1 log=$2 conf=$3 ip=$4 name=$5 helo=$6
  swaks --server "127.0.0.1:$port" --xclient "ADDR=$ip NAME=$name" --ehlo "$helo" --from sender@client.example \
    --to user@example.org --quit-after RCPT --timeout 20 >>"$WORK/swaks.out" 2>&1 || true
  local d t
  for _ in $(seq 30); do grep -q "client=$ip " "$log" && break; sleep 0.1; done
  d=$(daemon_verdict "$log" "$ip")
  t=$(tool_verdict "$conf" "$ip" "$name" "$helo")
  total=$((total + 1))
  if [ "$d" = "$t" ]; then
    same=$((same + 1))
    echo "same: $ip ($name, HELO $helo): $d"
  else
    echo "DIFFERENT: $ip ($name, HELO $helo): daemon '$d', dynmilter-check '$t'"
    grep -E "client=$ip " "$log" | tail -n 1
    local n=$name
    case "$n" in \[*) n= ;; esac
    "$BIN/dynmilter-check" -c "$conf" --json "$ip" $n --helo "$helo" 2>&1 | tail -n 2
  fi
  case "$d" in reject*) refused=$((refused + 1)) ;; esac
}

total=0 same=0 refused=0
say "the DNS world: ${#CLIENTS[@]} clients through Postfix and through dynmilter-check"
for c in "${CLIENTS[@]}"; do
  # shellcheck disable=SC2086
  compare $SMTP_PORT "$WORK/world.log" "$CONF" $c
done
say "a resolver that answers NXDOMAIN for everything, and one that never answers"
for c in "192.0.2.21 [UNAVAILABLE] pc21.home.local" "203.0.113.1 [UNAVAILABLE] x.local" "192.0.2.31 mail.srv31.test mail.srv31.test"; do
  # shellcheck disable=SC2086
  compare $((SMTP_PORT + 1)) "$WORK/nxdomain.log" "$WORK/nxdomain.conf" $c
  # shellcheck disable=SC2086
  compare $((SMTP_PORT + 2)) "$WORK/drop.log" "$WORK/drop.conf" $c
done
echo "differential: $same of $total clients judged alike; the daemon refused $refused"
check "at least 40 clients were compared" "$total" '^(4[0-9]|[5-9][0-9])$'
check "the daemon and dynmilter-check agree on every client (action, score, decisive evidence)" "$((total - same))" '^0$'
check "the world has refusals and acceptances both" "$refused" '^([1-9]|[1-3][0-9])$'
check "a cloud server with short TTLs and a bad HELO is accepted (supporting evidence only)" \
  "$(daemon_verdict "$WORK/world.log" 192.0.2.41)" '^accept 4 -$'
check "dynamic DNS cannot buy the DUHL rule: MX and A of 60 s earn mx-ttl-short" \
  "$(grep 'client=198\.51\.100\.56 ' "$WORK/world.log")" 'signal=mx-ttl-short\(\+1\)'
check "... and a HELO name cannot buy it for a client without PTR" "$(grep 'client=192\.0\.2\.61 ' "$WORK/world.log")" \
  'signal=no-ptr\(\+3\) score=3 action=reject'
check "a mail server of its own domain with day-long TTLs: mx-confirmed" "$(grep 'client=192\.0\.2\.31 ' "$WORK/world.log")" \
  'signal=mx-confirmed\(-2\)'
check "nobody is refused behind a resolver that answers NXDOMAIN for everything" \
  "$(grep -c 'action=reject' "$WORK/nxdomain.log" || true)" '^0$'
check "nobody is refused behind a resolver that never answers" "$(grep -c 'action=reject' "$WORK/drop.log" || true)" '^0$'
for n in world nxdomain drop; do check_alive "$n"; done
finish
