// pcre_lookup TABLE: what `postmap -q - pcre:TABLE` does, through dynmilter's pcre_table loader:
// for each key on standard input, prints "key<TAB>result" when a line of the table matches.
// The compatibility test diffs the two outputs.
#include "rules/rule_set.hpp"

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: pcre_lookup TABLE < keys\n";
    return 2;
  }
  try {
    const auto table = dyn::rules::load_pcre_table(argv[1]);
    for (const auto& w : table.warnings) std::cerr << "warning: " << w << "\n";
    std::string key;
    while (std::getline(std::cin, key))
      if (auto r = table.lookup(key)) std::cout << key << '\t' << r->first << '\n';
  } catch (const dyn::rules::Error& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  return 0;
}
