#!/bin/bash
# The shipped rules load (every example in them is checked at load), and the golden cases in
# rules/tests/golden.tsv get their expected verdict from dynmilter-check --classify with the
# built-in checks and the shipped rules.
source "$(dirname "$0")/../lib.sh" "$@"
RULES=$TESTROOT/../rules
out=$("$BIN/dynmilter-check" --rules "$RULES/providers.rules" --print-config 2>&1) && rc=0 || rc=$?
check "rules/providers.rules loads with every example holding" "rc=$rc" '^rc=0$'
grep -v '^#' "$RULES/tests/golden.tsv" | awk -F'\t' 'NF >= 3 { print $1 " " ($2 == "-" ? "" : $2) }' |
  "$BIN/dynmilter-check" --classify --rules "$RULES/providers.rules" >"$WORK/got" 2>"$WORK/err" || true
while IFS=$'\t' read -r name addr want; do
  case "$name" in '#'*|'') continue ;; esac
  got=$(awk -F'\t' -v n="$name" '$1 == n { print $3 "\t" $5; exit }' "$WORK/got")
  check "$name -> $want" "${got:-static	(not classified)}" "^$want"
done <"$RULES/tests/golden.tsv"
finish
