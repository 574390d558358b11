// libFuzzer target: any bytes as (1) a dynmilter rule file, (2) a Postfix pcre_table and (3) host
// names for the classifier and the table lookups. Loading must succeed or fail with a
// rules::Error, never crash or hang; the indexed lookup must equal the line-by-line lookup.
// The text is parsed from memory (parse_rule_file, parse_pcre_table: what the file loaders call).
#include "rdns/classify.hpp"
#include "rules/rule_set.hpp"

#include "require.hpp"

#include <sstream>
#include <string>

using namespace dyn;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  // The first line is also a host name; the whole input is the file.
  const std::string name = input.substr(0, input.find('\n'));
  const auto v4 = net::IpAddress::parse("203.0.113.7");
  try {
    std::istringstream in(input);
    for (const auto& r : rules::parse_rule_file(in, "fuzz.rules")) (void)r.matches(name, v4);
  } catch (const rules::Error& e) {
    require(*e.what() != '\0');
  }
  std::istringstream in(input);
  const auto table = rules::parse_pcre_table(in, "fuzz.pcre");  // never throws for content: bad lines are skipped
  require(table.lookup(name) == table.lookup_sequential(name));
  const rdns::NameWeights w;
  (void)rdns::name_signals(name, v4, w);
  (void)rdns::name_signals(name, net::IpAddress::parse("2001:db8::7"), w);
  return 0;
}
