// libFuzzer target: any bytes as (1) a dynmilter rule file, (2) a Postfix pcre_table and (3) host
// names for the classifier and the table lookups. Loading must succeed or fail with a
// rules::Error, never crash or hang; the indexed lookup must equal the line-by-line lookup.
#include "rdns/classify.hpp"
#include "rules/rule_set.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

using namespace dyn;

namespace {
std::string temp_path() {
  static const std::string p = "/tmp/dynmilter-fuzz-" + std::to_string(::getpid());
  return p;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  // The first line is also a host name; the whole input is the file.
  const std::string name = input.substr(0, input.find('\n'));
  {
    std::ofstream(temp_path(), std::ios::trunc) << input;
  }
  try {
    for (const auto& r : rules::load_rule_file(temp_path())) (void)r.matches(name, net::IpAddress::parse("203.0.113.7"));
  } catch (const rules::Error&) {
  }
  const auto table = rules::load_pcre_table(temp_path());  // never throws for content: bad lines are skipped
  if (table.lookup(name) != table.lookup_sequential(name)) std::abort();
  const rdns::NameWeights w;
  (void)rdns::name_signals(name, net::IpAddress::parse("203.0.113.7"), w);
  (void)rdns::name_signals(name, net::IpAddress::parse("2001:db8::7"), w);
  return 0;
}
