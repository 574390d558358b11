# Domain-grouped k-fold cross-validation of a learned scorer (issue 11, item 4): a logistic
# regression over general features of the name, trained on the training folds only, its threshold
# chosen there too, scored on the held-out fold. Input as bench/cv_rdns.awk (label tier name ip
# verdict score reasons). Features:
#   - each built-in signal that fired (from the reasons), and server-word;
#   - the shape of the name: a run of 6+ digits in the first label, a long letter-digit label with
#     few vowels (a pseudonym), 4+ alternations of letters and digits, the number of labels;
#   - words (letter runs of 3+ in the host part) seen in the dynamic names of at least MINDOM
#     registrable domains of the training folds (so that no one provider's words are learned).
# Trained by stochastic gradient descent (EPOCHS, L2), each domain's names weighed alike and static
# names three times a dynamic one; the threshold is set on the training folds (at most SILVER silver
# and no tier-1 false positive there).
#   awk -F'\t' -v FOLDS=5 -v MINDOM=2 -f bench/folds.awk -f bench/cv_learned.awk joined.tsv
BEGIN {
  if (MINDOM == "") MINDOM = 2
  if (EPOCHS == "") EPOCHS = 60
  if (SILVER == "") SILVER = 2  # the target allows 3 in the whole split; the training folds hold 4/5 of it
  if (L2 == "") L2 = 0.001
}
function add(i, f) { if (!((i, f) in has)) { has[i, f] = 1; nf[i]++; feat[i, nf[i]] = f } }
{
  n++
  y[n] = ($1 == "dynamic"); tier[n] = $2; name = tolower($3); dom[n] = registrable(name); fold[n] = fold_of(dom[n])
  rest = $7; nf[n] = 0
  while (match(rest, /[a-z][a-z:-]*\([+-][0-9]+\)/)) {
    token = substr(rest, RSTART, RLENGTH); rest = substr(rest, RSTART + RLENGTH)
    sig = substr(token, 1, index(token, "(") - 1)
    if (sig !~ /^rule:/) add(n, "sig:" sig)
  }
  k = split(name, L, "."); first = L[1]
  add(n, "labels:" (k > 6 ? 6 : k))
  if (first ~ /[0-9][0-9][0-9][0-9][0-9][0-9]/) add(n, "shape:digits6")
  s = first; gsub(/[^a-z]/, "", s); d = first; gsub(/[^0-9]/, "", d); v = s; gsub(/[^aeiou]/, "", v)
  if (length(first) >= 12 && length(d) >= 2 && length(s) >= 6 && length(v) * 5 < length(s)) add(n, "shape:pseudonym")
  alt = first; gsub(/[a-z]+/, "a", alt); gsub(/[0-9]+/, "0", alt); gsub(/[^a0]/, "", alt)
  if (length(alt) >= 5) add(n, "shape:alternating")
  host = substr(name, 1, length(name) - length(dom[n]) - 1)
  ntok[n] = 0
  while (match(host, /[a-z][a-z][a-z]+/)) { ntok[n]++; tok[n, ntok[n]] = substr(host, RSTART, RLENGTH); host = substr(host, RSTART + RLENGTH) }
}
function sigmoid(z) { return z > 30 ? 1 : (z < -30 ? 0 : 1 / (1 + exp(-z))) }
function margin(i,    z, k) { z = w["bias"]; for (k = 1; k <= nf[i]; k++) z += w[feat[i, k]]; for (k = 1; k <= nw[i]; k++) z += w[wfeat[i, k]]; return z }
END {
  for (f = 0; f < FOLDS; f++) {
    # words learned from the training folds: seen in the dynamic names of MINDOM domains or more
    split("", doms); split("", seen); split("", w)
    for (i = 1; i <= n; i++) if (fold[i] != f && y[i]) for (k = 1; k <= ntok[i]; k++)
      if (!((tok[i, k], dom[i]) in seen)) { seen[tok[i, k], dom[i]] = 1; doms[tok[i, k]]++ }
    for (i = 1; i <= n; i++) { nw[i] = 0; for (k = 1; k <= ntok[i]; k++) if (doms[tok[i, k]] >= MINDOM) wfeat[i, ++nw[i]] = "word:" tok[i, k] }
    # training: stochastic gradient descent, names weighted so that each domain counts alike
    split("", per); for (i = 1; i <= n; i++) if (fold[i] != f) per[dom[i]]++
    for (e = 1; e <= EPOCHS; e++) {
      rate = 0.5 / (1 + e / 10)
      for (i = 1; i <= n; i++) {
        if (fold[i] == f) continue
        g = (y[i] - sigmoid(margin(i))) * rate * (y[i] ? 1 : 3) / sqrt(per[dom[i]])
        w["bias"] += g
        for (k = 1; k <= nf[i]; k++) w[feat[i, k]] += g - L2 * w[feat[i, k]]
        for (k = 1; k <= nw[i]; k++) w[wfeat[i, k]] += g - L2 * w[wfeat[i, k]]
      }
    }
    # The threshold, on the training folds too: just above the highest-scoring static name that
    # must not be rejected (the first tier-1 name, or the silver name past SILVER of them).
    cnt = 0
    for (i = 1; i <= n; i++) if (fold[i] != f && !y[i]) { cnt++; cm[cnt] = margin(i); ct[cnt] = tier[i] }
    for (a = 2; a <= cnt; a++) {  # insertion sort, highest first
      x = cm[a]; t = ct[a]
      for (b = a - 1; b >= 1 && cm[b] < x; b--) { cm[b + 1] = cm[b]; ct[b + 1] = ct[b] }
      cm[b + 1] = x; ct[b + 1] = t
    }
    silver = 0
    for (a = 1; a < cnt; a++) if (ct[a] == "tier1" || ++silver > SILVER) break
    thr = cm[a] + 1e-6
    tp = nd = fp1 = fp2 = 0
    for (i = 1; i <= n; i++) if (fold[i] == f) {
      if (y[i]) nd++
      if (margin(i) < thr) continue
      if (y[i]) tp++; else if (tier[i] == "tier1") fp1++; else fp2++
    }
    TP += tp; ND += nd; FP1 += fp1; FP2 += fp2
    printf "  fold %d: test recall %d/%d, tier-1 FP %d, silver FP %d (threshold %.2f)\n", f + 1, tp, nd, fp1, fp2, thr
    if (VERBOSE) for (k in w) printf "    %s %.2f\n", k, w[k]
  }
  printf "learned scorer, cross-validated  recall %5.1f%% (%d/%d)   false positives: tier 1 %d, silver %d   (%d folds by registrable domain)\n", 100 * TP / ND, TP, ND, FP1, FP2, FOLDS
}
