#!/bin/bash
# dynmilter reads Postfix pcre_table files with Postfix's semantics: for every table in the
# corpus (fqrdns.pcre and its variants, iRedMail's fork), every corpus host name (and the names
# in upper case) gets the same result from dynmilter's loader as from real Postfix's postmap.
# Skips when the corpus is absent (it is not part of the project).
source "$(dirname "$0")/../lib.sh" "$@"
require postmap postconf
corpus=${CORPUS:-$TESTROOT/../../shared/corpus}
[ -d "$corpus/rules" ] || skip "no corpus at $corpus (evaluation material, not part of the project)"
mkdir -p "$WORK/pf" && printf 'compatibility_level = 3.6\n' >"$WORK/pf/main.cf"
postconf -c "$WORK/pf" -m | grep -qx pcre || skip "postmap has no pcre support (apt-get install postfix-pcre)"

# Keys: every labeled name, the same in upper case, and a few odd ones.
cat "$corpus"/hostnames/*.tsv | awk -F'\t' '!/^#/ && NF >= 2 {print $2}' >"$WORK/names"
{ cat "$WORK/names"; tr 'a-z' 'A-Z' <"$WORK/names"; printf '%s\n' unknown '[192.0.2.1]' 'a' 'x.y'; } >"$WORK/keys"
echo "$(wc -l <"$WORK/keys") keys"

for table in "$corpus"/rules/fqrdns/*.pcre "$corpus"/rules/iredmail/*.pcre; do
  [ -f "$table" ] || continue
  postmap -c "$WORK/pf" -q - "pcre:$table" <"$WORK/keys" 2>"$WORK/postmap.err" | sort >"$WORK/postfix.out"
  "$BIN/pcre_lookup" "$table" <"$WORK/keys" 2>"$WORK/ours.err" | sort >"$WORK/ours.out"
  differ=$(diff "$WORK/postfix.out" "$WORK/ours.out" | grep -c '^[<>]' || true)
  hits=$(wc -l <"$WORK/postfix.out")
  check "$(basename "$table"): same result as postmap for every key ($hits hits, $differ differ)" "$differ" '^0$'
  [ "$differ" -eq 0 ] || diff "$WORK/postfix.out" "$WORK/ours.out" | head -10
done
finish
