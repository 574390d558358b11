# Domain-grouped k-fold cross-validation of the built-in checks' weights, and per-signal precision.
# Input (tab-separated, from eval_rdns.sh): label tier name ip verdict score reasons, where reasons
# is "signal(+w): text; signal(+w): text" as dynmilter-check --classify prints it (built-in checks
# only, at their default weights). Names of one registrable domain always fall in the same fold.
# For each fold, the weights (each signal 0..4, threshold fixed at THRESHOLD) are tuned on the other
# folds by coordinate ascent on  TP - 1000 * tier-1 FP - 30 * silver FP,  then scored on the fold.
#   awk -F'\t' -v FOLDS=5 -v THRESHOLD=3 -f bench/folds.awk -f bench/cv_rdns.awk joined.tsv
BEGIN {
  if (THRESHOLD == "") THRESHOLD = 3
}

{
  n++
  label[n] = $1; tier[n] = $2; fold[n] = fold_of(registrable($3))
  rest = $7; count[n] = 0
  while (match(rest, /[a-z][a-z:-]*\([+-][0-9]+\)/)) {
    token = substr(rest, RSTART, RLENGTH)
    rest = substr(rest, RSTART + RLENGTH)
    p = index(token, "(")
    sig = substr(token, 1, p - 1); w = substr(token, p + 1, length(token) - p - 1) + 0
    if (sig == "server-word" || sig ~ /^rule:/) continue
    count[n]++; has[n, count[n]] = sig
    if (!(sig in weight)) { weight[sig] = w; signals[++nsig] = sig }
  }
}

# score(i): the name's score under the current weights
function score(i,    s, k) { s = 0; for (k = 1; k <= count[i]; k++) s += cur[has[i, k]]; return s }

# tally over names whose fold is (test ? == f : != f); sets TP FP1 FP2 ND
function tally(f, test,    i) {
  TP = FP1 = FP2 = ND = 0
  for (i = 1; i <= n; i++) {
    if ((fold[i] == f) != test) continue
    if (label[i] == "dynamic") ND++
    if (score(i) < THRESHOLD) continue
    if (label[i] == "dynamic") TP++
    else if (tier[i] == "tier1") FP1++
    else FP2++
  }
}

function objective(f) { tally(f, 0); return TP - 1000 * FP1 - 30 * FP2 }

END {
  for (f = 0; f < FOLDS; f++) {
    for (s = 1; s <= nsig; s++) cur[signals[s]] = weight[signals[s]]
    best = objective(f)
    for (round = 1; round <= 3; round++)
      for (s = 1; s <= nsig; s++) {
        sig = signals[s]; keep = cur[sig]
        for (v = 0; v <= 4; v++) {
          cur[sig] = v
          o = objective(f)
          if (o > best) { best = o; keep = v }
        }
        cur[sig] = keep
      }
    tally(f, 1)
    cvTP += TP; cvND += ND; cvFP1 += FP1; cvFP2 += FP2
    chosen = ""
    for (s = 1; s <= nsig; s++) if (cur[signals[s]] != weight[signals[s]]) chosen = chosen " " signals[s] "=" cur[signals[s]]
    printf "  fold %d: test recall %d/%d, tier-1 FP %d, silver FP %d; weights changed on training:%s\n", f + 1, TP, ND, FP1, FP2, chosen == "" ? " none" : chosen
    # the default weights on the same test fold, for comparison
    for (s = 1; s <= nsig; s++) cur[signals[s]] = weight[signals[s]]
    tally(f, 1); dTP += TP; dFP1 += FP1; dFP2 += FP2
  }
  printf "%-34s recall %5.1f%% (%d/%d)   false positives: tier 1 %d, silver %d   (%d folds by registrable domain)\n", \
    "cross-validated, weights tuned", 100 * cvTP / cvND, cvTP, cvND, cvFP1, cvFP2, FOLDS
  printf "%-34s recall %5.1f%% (%d/%d)   false positives: tier 1 %d, silver %d\n", \
    "same folds, default weights", 100 * dTP / cvND, dTP, cvND, dFP1, dFP2
  print "--- per signal (built-in checks, default weights): names it fires on, dynamic vs static"
  for (i = 1; i <= n; i++)
    for (k = 1; k <= count[i]; k++) {
      sig = has[i, k]
      if (label[i] == "dynamic") hd[sig]++; else if (tier[i] == "tier1") h1[sig]++; else h2[sig]++
    }
  for (s = 1; s <= nsig; s++) {
    sig = signals[s]; tot = hd[sig] + h1[sig] + h2[sig]
    printf "  %-20s weight %d: dynamic %4d, static %3d (tier 1 %d, silver %d), precision %5.1f%%\n", \
      sig, weight[sig], hd[sig], h1[sig] + h2[sig], h1[sig] + 0, h2[sig] + 0, tot ? 100 * hd[sig] / tot : 0
  }
}
