#!/bin/bash
# What the DUHL signals (mx-confirmed, a-ttl-short) change on real names, with live DNS (issue 12).
# The labelled names of ../shared/corpus/hostnames become two Postfix logs (one "connect from
# NAME[IP]" per name, the name as the MTA verified it); dynmilter-replay --dns judges every client
# as the daemon would at CONNECT (its PTR, the MX hosts of its registrable domain and their
# addresses, the TTL of its A record), once with both signals at their default weights and once
# with both at 0. The difference is what they do: static names no longer refused (false positives
# removed), dynamic names no longer refused (recall lost). No list is asked (a config of just 'dnsbl ='), so
# only the names and their DNS count; the corpus's names are judged as they are today.
# Needs the corpus and a resolver that reaches the Internet; skips cleanly without either.
# Usage: bench/duhl_eval.sh [BUILD_BIN_DIR] [--dns-server ADDR]
set -euo pipefail
BIN=$(cd "${1:-build/bin}" && pwd)
shift || true
CORPUS=$(dirname "$0")/../../shared/corpus/hostnames
[ -f "$CORPUS/dev-static.tsv" ] || { echo "SKIP: no corpus in $CORPUS"; exit 0; }
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
echo 'dnsbl =' >"$WORK/no-lists.conf"
if ! "$BIN/dynmilter-check" -c "$WORK/no-lists.conf" --dns-timeout 3s "$@" 8.8.8.8 2>/dev/null | grep -q 'dns.google'; then
  echo "SKIP: no live DNS here (8.8.8.8 has no PTR dns.google through the resolver); run on a networked machine"
  exit 0
fi

for label in static dynamic; do
  awk -F'\t' '!/^#/ && $3 != "" { printf "Dec  1 06:30:58 mx postfix/smtpd[1]: connect from %s[%s]\n", $2, $3 }' \
    "$CORPUS/dev-$label.tsv" >"$WORK/$label.log"
done

refused() {  # LABEL ARGS...: clients refused (reject or tempfail) among the LABEL names
  local label=$1
  shift
  "$BIN/dynmilter-replay" -c "$WORK/no-lists.conf" --dns --dns-timeout 5s --json "$@" "$WORK/$label.log" |
    sed -n 's/.*"clients":\([0-9]*\),"refused":\([0-9]*\),.*/\1 \2/p'
}
printf '%-8s %8s %22s %22s %8s\n' set names "refused, DUHL at 0" "refused, defaults" change
for label in static dynamic; do
  read -r n without <<<"$(refused $label "$@" --rdns-weight mx-confirmed=0 --rdns-weight a-ttl-short=0)"
  read -r _ with <<<"$(refused $label "$@")"
  printf '%-8s %8s %22s %22s %+8d\n' "$label" "$n" "$without" "$with" $((with - without))
done
echo "static: a negative change is false positives removed; dynamic: a negative change is recall lost."
