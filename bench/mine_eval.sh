#!/bin/bash
# Rules mined from a site's own names (dynmilter-replay --propose-rules --labeled), measured on
# the labeled corpus (../shared/corpus/hostnames, when present), as issue 30 asks:
#   in distribution: within each provider domain, a seeded half of its names (dynamic and
#     static) mines the rules and the other half scores them: recall of the built-in checks plus
#     the mined rules, and false positives on tier-1 and silver static names; beside it, in the
#     same run, the built-in checks alone and built-in + the hand-written rules/providers.rules;
#   out of distribution: domain-grouped folds (as bench/eval_rdns.sh): rules mined from the
#     other folds must never fire on a name of the held-out fold (0 expected; any hit is a bug
#     in the grouping);
#   cost: the time and peak memory to mine from 1,000,000 labeled names (synthetic variations of
#     the corpus names, so that providers hold thousands of distinct names each).
# Usage: bench/mine_eval.sh [BUILD_BIN]   Environment: CORPUS, SEEDS (default "1 2 3"), FOLDS (5), MIN_SUPPORT (3, the default)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build/bin}
corpus=${CORPUS:-$here/../../shared/corpus}
[ -f "$corpus/hostnames/dev-dynamic.tsv" ] || { echo "SKIP: no corpus at $corpus/hostnames"; exit 0; }
[ -x "$bin/registrable" ] || { echo "SKIP: $bin/registrable is not built (configure with -DBUILD_TESTING=ON)"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
min=${MIN_SUPPORT:-3}

# label tier name ip domain
for f in "$corpus/hostnames/dev-dynamic.tsv" "$corpus/hostnames/dev-static.tsv"; do
  awk -F'\t' '!/^#/ && NF >= 3 { tier = "dyn"; if ($1 == "static") tier = ($4 ~ /dnswl:|major-provider/) ? "tier1" : "silver"
    print $1 "\t" tier "\t" tolower($2) "\t" $3 }' "$f"
done >"$work/labeled0"
cut -f3 "$work/labeled0" | "$bin/registrable" | cut -f2 | paste "$work/labeled0" - >"$work/labeled"

hash_awk='function h(s, seed,   i, x) { x = seed; for (i = 1; i <= length(s); i++) x = (x * 31 + ord[substr(s, i, 1)]) % 1000003; return x }
  BEGIN { for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i }'

# score FILE(label tier name ip) ARGS...: recall and false positives of dynmilter-check --classify ARGS
score() {
  local f=$1
  shift
  cut -f3,4 "$f" | tr '\t' ' ' | "$bin/dynmilter-check" --classify "$@" 2>/dev/null >"$work/c.out" || true
  awk -F'\t' 'NR == FNR { v[$1] = $3; next } { n[$2]++; if (v[$3] == "dynamic") hit[$2]++ }
    END { printf "recall %5.1f%% (%d/%d)   false positives: tier 1 %d/%d, silver %d/%d", 100 * hit["dyn"] / n["dyn"],
          hit["dyn"], n["dyn"], hit["tier1"], n["tier1"], hit["silver"], n["silver"] }' "$work/c.out" "$f"
}

echo "--- in distribution: each provider's names halved by a seeded hash; one half mines, the other scores"
for seed in ${SEEDS:-1 2 3}; do
  awk -F'\t' -v OFS='\t' -v seed="$seed" "$hash_awk"' { side = h($3, seed) % 2; print > (WORK "/half" side) }' \
    WORK="$work" "$work/labeled"
  awk -F'\t' '{ print $1 "\t" $3 "\t" $4 }' "$work/half0" >"$work/train.tsv"
  "$bin/dynmilter-replay" --propose-rules "$work/mined.rules" --labeled "$work/train.tsv" --min-support "$min" >"$work/summary"
  rules=$(grep -c '^\[' "$work/mined.rules" || true)
  echo "seed $seed: $rules rules mined from $(wc -l <"$work/train.tsv") names; scored on the other $(wc -l <"$work/half1"):"
  printf '  %-36s %s\n' "built-in checks alone" "$(score "$work/half1")"
  printf '  %-36s %s\n' "built-in + mined rules" "$(score "$work/half1" --rules "$work/mined.rules")"
  printf '  %-36s %s\n' "built-in + rules/providers.rules" "$(score "$work/half1" --rules "$here/../rules/providers.rules")"
  own=$(cut -f1,3,4 "$work/half1" | awk -F'\t' '$1 == "static" { print $2, $3 }' |
    "$bin/dynmilter-check" --classify --rules "$work/mined.rules" 2>/dev/null | grep -c 'rule:mined-' || true)
  printf '  %-36s %s\n' "the mined rules' own" "fired on $own of the held-out static names"
done

echo "--- out of distribution: rules mined from the other folds, on the held-out fold's names (domain-grouped)"
folds=${FOLDS:-5}
total_hits=0
for k in $(seq 0 $((folds - 1))); do
  awk -F'\t' -v OFS='\t' -v k="$k" -v F="$folds" "$hash_awk"' { fold = h($5, 0) % F
      if (fold == k) print > (WORK "/test"); else print $1, $3, $4 > (WORK "/train.tsv") }' WORK="$work" "$work/labeled"
  "$bin/dynmilter-replay" --propose-rules "$work/mined.rules" --labeled "$work/train.tsv" --min-support "$min" >/dev/null
  # Only the mined rules: any rule:mined-* on a held-out name is a hit.
  cut -f3,4 "$work/test" | tr '\t' ' ' | "$bin/dynmilter-check" --classify --rules "$work/mined.rules" 2>/dev/null |
    grep -c 'rule:mined-' >"$work/hits" || true
  hits=$(cat "$work/hits")
  total_hits=$((total_hits + hits))
  echo "  fold $((k + 1)): $(grep -c '^\[' "$work/mined.rules" || true) rules from the other folds; hits on the $(wc -l <"$work/test") held-out names: $hits"
done
echo "out of distribution: mined rules fired on $total_hits held-out names of providers they never saw (0 expected)"

echo "--- cost: mining 1,000,000 labeled names"
awk -F'\t' -v N=1000000 'BEGIN { srand(7) } { label[NR] = $1; name[NR] = $3 }
  END { for (i = 0; i < N; i++) { k = 1 + int(rand() * NR); s = name[k]; out = ""
      while (match(s, /[0-9]+/)) { d = substr(s, RSTART, RLENGTH); r = ""
        for (j = 0; j < length(d); j++) r = r int(rand() * 10)
        out = out substr(s, 1, RSTART - 1) r; s = substr(s, RSTART + RLENGTH) }
      print label[k] "\t" out s } }' "$work/labeled" >"$work/million.tsv"
/usr/bin/time -f "%e s, peak RSS %M KiB" "$bin/dynmilter-replay" --propose-rules "$work/million.rules" \
  --labeled "$work/million.tsv" --min-support "$min" 2>"$work/time" >"$work/million.summary" || true
echo "  $(head -1 "$work/million.summary"): $(tail -1 "$work/time")"
