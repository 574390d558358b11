# The folds of the domain-grouped cross-validation, shared by bench/cv_rdns.awk and
# bench/cv_learned.awk (given first: awk -f bench/folds.awk -f bench/cv_rdns.awk): a name's
# registrable domain, and the fold (0..FOLDS-1) that domain falls in, so that names of one domain
# are never on both sides.
BEGIN {
  if (FOLDS == "") FOLDS = 5
  for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i
  split("co com net org ac gov edu ne or go ad gr lg in ltd plc sch nhs", sl, " ")
  for (i in sl) second_level[sl[i]] = 1
  # DOMAINS: a file of "name<TAB>domain" lines as dynmilter splits names (bench/registrable: the
  # Public Suffix List); without it, the approximation below.
  if (DOMAINS != "")
    while ((getline dline < DOMAINS) > 0) { split(dline, dpart, "\t"); psl_domain[tolower(dpart[1])] = dpart[2] }
}

function registrable(name,    n, l) {
  if (tolower(name) in psl_domain) return psl_domain[tolower(name)]
  n = split(tolower(name), l, ".")
  if (n >= 3 && length(l[n]) == 2 && (l[n - 1] in second_level)) return l[n - 2] "." l[n - 1] "." l[n]
  return n >= 2 ? l[n - 1] "." l[n] : name
}

function fold_of(domain,    h, i) {
  h = 0
  for (i = 1; i <= length(domain); i++) h = (h * 31 + ord[substr(domain, i, 1)]) % 1000003
  return h % FOLDS
}
