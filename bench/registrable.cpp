// Reads host names, one per line, and prints "name<TAB>registrable domain" as dynmilter splits
// them (rdns::registrable_domain: the Public Suffix List through libpsl): the corpus folds of
// bench/eval_rdns.sh group names by this, so that no provider is on both sides of a fold.
#include "rdns/name_words.hpp"

#include <iostream>
#include <string>

int main() {
  std::ios::sync_with_stdio(false);
  std::string name;
  while (std::getline(std::cin, name))
    if (!name.empty()) std::cout << name << '\t' << dyn::rdns::registrable_domain(name) << '\n';
}
