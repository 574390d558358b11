// Host-name matching speed: a Postfix pcre_table (fqrdns.pcre from ../shared/corpus, 1,528
// patterns) looked up through dynmilter's literal index, beside the same table tried line by
// line (how Postfix evaluates a pcre_table; the same PCRE2 JIT code, so only the index differs),
// on every labeled corpus name; plus the table's load time and the built-in checks' cost.
// Usage: build/bin/rules_bench [CORPUS_DIR]   (default ../shared/corpus; skips cleanly without it)
#include "rdns/classify.hpp"
#include "rules/rule_set.hpp"
#include "stats.hpp"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

using Clock = std::chrono::steady_clock;
using namespace dyn;

namespace {

std::vector<std::pair<std::string, std::string>> corpus_names(const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const char* f : {"/hostnames/dev-dynamic.tsv", "/hostnames/dev-static.tsv"}) {
    std::ifstream in(dir + f);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::istringstream fields(line);
      std::string label, name, ip;
      std::getline(fields, label, '\t');
      std::getline(fields, name, '\t');
      std::getline(fields, ip, '\t');
      out.emplace_back(name, ip);
    }
  }
  return out;
}

// Nanoseconds per call of f(name), one timing per name (each repeated `reps` times).
template <class F>
std::vector<double> per_name(const std::vector<std::pair<std::string, std::string>>& names, int reps, F&& f) {
  std::vector<double> ns;
  std::size_t sink = 0;
  for (const auto& [name, ip] : names) {
    const auto start = Clock::now();
    for (int r = 0; r < reps; ++r) sink += f(name, ip);
    ns.push_back(std::chrono::duration<double, std::nano>(Clock::now() - start).count() / reps);
  }
  if (sink == 0xdeadbeef) fmt::print(" ");
  return ns;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

}  // namespace

int main(int argc, char** argv) {
  const std::string corpus = argc > 1 ? argv[1] : "../shared/corpus";
  const std::string table_path = corpus + "/rules/fqrdns/fqrdns.pcre";
  if (!std::filesystem::exists(table_path)) {
    fmt::print("SKIP: no corpus table at {} (evaluation material, not part of the project)\n", table_path);
    return 0;
  }
  const auto names = corpus_names(corpus);

  std::vector<double> loads;
  rules::PcreTable table;
  for (int i = 0; i < 5; ++i) {
    const auto start = Clock::now();
    table = rules::load_pcre_table(table_path);
    loads.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::size_t differ = 0;
  for (const auto& [name, ip] : names) differ += table.lookup(name) != table.lookup_sequential(name);

  const auto indexed =
      per_name(names, 20, [&](const std::string& n, const std::string&) { return table.lookup(n).has_value(); });
  const auto sequential = per_name(
      names, 2, [&](const std::string& n, const std::string&) { return table.lookup_sequential(n).has_value(); });
  const rdns::NameWeights w;
  const auto builtin = per_name(names, 20, [&](const std::string& n, const std::string& ip) {
    return rdns::name_signals(n, net::IpAddress::parse(ip), w).size();
  });

  fmt::print("host-name matching, {} corpus names, fqrdns.pcre ({} lines, index of {} states)\n", names.size(),
             table.entries.size(), table.index.states());
  fmt::print(
      "   dynmilter, literal index:       p50 {:.0f} ns  p99 {:.0f} ns  mean {:.0f} ns per name  (target p50 <= "
      "1000)\n",
      bench::percentile(indexed, 50), bench::percentile(indexed, 99), mean(indexed));
  fmt::print("   peer, line by line as Postfix:  p50 {:.0f} ns  p99 {:.0f} ns  mean {:.0f} ns per name\n",
             bench::percentile(sequential, 50), bench::percentile(sequential, 99), mean(sequential));
  fmt::print("   speed-up: {:.0f}x at p50, {:.0f}x in mean (target >= 100x); results differing: {} of {}\n",
             bench::percentile(sequential, 50) / bench::percentile(indexed, 50), mean(sequential) / mean(indexed),
             differ, names.size());
  fmt::print("   table load (parse, compile + JIT 1,528 patterns, build index): median {:.1f} ms\n",
             bench::percentile(loads, 50));
  fmt::print("   built-in checks (address in name, words): p50 {:.0f} ns per name\n", bench::percentile(builtin, 50));
  return 0;
}
