#!/bin/bash
# Precision and recall of host-name classification on the labeled corpus
# (../shared/corpus/hostnames, when present): dynmilter's built-in checks (dynmilter-check
# --classify, no DNS), beside fqrdns.pcre evaluated by real Postfix (postmap -q - pcre:FILE:
# first match wins, as smtpd would use it). Static names are split as the corpus labels them:
# tier 1 = DNSWL-listed at receipt or a large provider's outbound host (a false positive there
# rejects a real mail server), silver = other accepted senders.
# Then domain-grouped k-fold cross-validation of the built-in checks' weights and per-signal
# precision (bench/cv_rdns.awk; FOLDS, default 5).
# Usage: bench/eval_rdns.sh [BUILD_BIN] [--list-fp]
# Environment: CORPUS (default ../shared/corpus), SPLIT (default dev: reads SPLIT-dynamic.tsv
# and SPLIT-static.tsv under CORPUS/hostnames), CLASSIFY_ARGS (more dynmilter-check options), KEEP.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build/bin}
corpus=${CORPUS:-$here/../../shared/corpus}
[ -d "$corpus/hostnames" ] || { echo "SKIP: no corpus at $corpus/hostnames"; exit 0; }
work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT

# label<TAB>tier<TAB>hostname<TAB>ip
split=${SPLIT:-dev}
[ -f "$corpus/hostnames/$split-dynamic.tsv" ] || { echo "SKIP: no $split split in $corpus/hostnames"; exit 0; }
for f in "$corpus/hostnames/$split-dynamic.tsv" "$corpus/hostnames/$split-static.tsv"; do
  awk -F'\t' '!/^#/ && NF >= 3 {
    tier = "dyn"
    if ($1 == "static") tier = ($4 ~ /dnswl:|major-provider/) ? "tier1" : "silver"
    print $1 "\t" tier "\t" $2 "\t" $3 }' "$f"
done >"$work/labeled"

cut -f3,4 "$work/labeled" | tr '\t' ' ' | "$bin/dynmilter-check" --classify ${CLASSIFY_ARGS:-} >"$work/ours" 2>"$work/ours.err" || true
# label tier name ip verdict score reasons (joined on name and address)
awk -F'\t' -v OFS='\t' 'NR == FNR { if ($2 == "-") $2 = ""; r[$1 FS $2] = $3 OFS $4 OFS $5; next }
  { print $0, (($3 FS $4) in r ? r[$3 FS $4] : "static" OFS 0 OFS "(not classified)") }' "$work/ours" "$work/labeled" >"$work/joined"

report() {  # NAME FILE(label tier verdict)
  awk -F'\t' -v name="$1" '
    { n[$2]++; if ($3 == "dynamic") hit[$2]++ }
    END {
      tp = hit["dyn"] + 0; fp1 = hit["tier1"] + 0; fp2 = hit["silver"] + 0
      prec = (tp + fp1 + fp2) ? 100 * tp / (tp + fp1 + fp2) : 0
      printf "%-34s recall %5.1f%% (%d/%d)   false positives: tier 1 %d/%d, silver %d/%d   precision %5.1f%%\n",
        name, 100 * tp / n["dyn"], tp, n["dyn"], fp1, n["tier1"], fp2, n["silver"], prec }' "$2"
}

cut -f1,2,5 "$work/joined" >"$work/ours.v"
report "dynmilter built-in checks" "$work/ours.v"
# The folds group names by registrable domain as dynmilter splits them (the Public Suffix List).
domains=""
if [ -x "$bin/registrable" ]; then
  cut -f3 "$work/labeled" | "$bin/registrable" >"$work/domains"
  domains=$work/domains
else
  echo "(bench/registrable is not built: the folds use folds.awk's approximation of registrable domains)"
fi
# The figure that counts: cross-validated, names of one registrable domain never on both sides.
# Provider rules never enter it (the run above and this one use the built-in checks alone).
awk -F'\t' -v FOLDS="${FOLDS:-5}" -v DOMAINS="$domains" -f "$here/folds.awk" -f "$here/cv_rdns.awk" "$work/joined"
# Issue 11, item 4: a learned scorer (logistic regression over general features and words shared by
# two providers or more) under the same folds, at two false-positive budgets on the training folds.
for budget in 2 4; do
  awk -F'\t' -v FOLDS="${FOLDS:-5}" -v DOMAINS="$domains" -v SILVER=$budget -f "$here/folds.awk" -f "$here/cv_learned.awk" "$work/joined" | sed "s/^learned scorer, /learned scorer (training budget $budget silver), /"
done

# classify_with ARGS...: label tier verdict for every corpus name, through dynmilter-check.
classify_with() {
  cut -f3,4 "$work/labeled" | tr '\t' ' ' | "$bin/dynmilter-check" --classify "$@" 2>/dev/null >"$work/c.out" || true
  awk -F'\t' -v OFS='\t' 'NR == FNR { if ($2 == "-") $2 = ""; r[$1 FS $2] = $3; next }
    { print $1, $2, (($3 FS $4) in r ? r[$3 FS $4] : "static") }' "$work/c.out" "$work/labeled"
}
shipped=$here/../rules/providers.rules
classify_with --rules "$shipped" >"$work/shipped.v"
report "built-in + rules/providers.rules" "$work/shipped.v"

# postmap wants a main.cf; a throwaway one will do.
mkdir -p "$work/pf" && printf 'compatibility_level = 3.6\n' >"$work/pf/main.cf"
if command -v postmap >/dev/null && postconf -c "$work/pf" -m 2>/dev/null | grep -qx pcre; then
  fq=$corpus/rules/fqrdns/fqrdns.pcre
  cut -f3 "$work/labeled" | postmap -c "$work/pf" -q - "pcre:$fq" 2>/dev/null | awk -F'\t' 'toupper($2) ~ /^REJECT/ {print $1}' | sort -u >"$work/fq.hits"
  awk -F'\t' 'NR == FNR { hit[$1] = 1; next } { print $1 "\t" $2 "\t" (hit[$3] ? "dynamic" : "static") }' \
    "$work/fq.hits" "$work/labeled" >"$work/fq.v"
  report "fqrdns.pcre via postmap (peer)" "$work/fq.v"
  # The same table loaded through dynmilter (its own checks off): must agree with postmap.
  off=""
  for s in ip-in-name ip-in-name-bare ip-in-name-partial dynamic-word generic-word dynamic-domain no-ptr forged; do
    off="$off --rdns-weight $s=0"
  done
  # shellcheck disable=SC2086
  classify_with --pcre-table "$fq" $off >"$work/fqd.v"
  report "fqrdns.pcre via dynmilter" "$work/fqd.v"
  classify_with --rules "$shipped" --pcre-table "$fq" >"$work/both.v"
  report "built-in + providers.rules + fqrdns" "$work/both.v"
else
  echo "(fqrdns.pcre comparison skipped: postmap with pcre support is not installed; apt-get install postfix-pcre)"
fi

if [ "${2:-}" = "--list-fp" ]; then
  echo "--- our false positives (tier, name, score, reasons):"
  awk -F'\t' '$1 == "static" && $5 == "dynamic" { print $2 "\t" $3 "\t" $6 "\t" $7 }' "$work/joined"
  echo "--- our misses (name, score, reasons):"
  awk -F'\t' '$1 == "dynamic" && $5 != "dynamic" { print $3 "\t" $6 "\t" $7 }' "$work/joined"
fi
