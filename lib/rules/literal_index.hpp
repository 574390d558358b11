// LiteralIndex: a prefilter for many patterns. From each regex it takes a literal the regex
// cannot match without (conservatively: a run of plain characters at the top level, outside
// groups, classes and alternations); all literals go into one Aho-Corasick automaton over the
// lower-cased name. One scan of the name gives the patterns that may match; the others cannot.
// Patterns without a usable literal are always candidates, so results never change, only cost.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dyn::rules {

// The longest literal (lower-cased, at least 3 characters) that every match of `regex` must
// contain; empty when none can be proven.
std::string required_literal(std::string_view regex, bool extended);

class LiteralIndex {
 public:
  // literals[i] empty means pattern i is always a candidate.
  explicit LiteralIndex(const std::vector<std::string>& literals);
  LiteralIndex() = default;

  // The patterns that may match `name`: their numbers, ascending and without repeats.
  void candidate_list(std::string_view name, std::vector<std::uint32_t>& out) const;
  std::size_t states() const { return fail_.size(); }

 private:
  static constexpr int kAlphabet = 40;  // a-z, 0-9, '.', '-', '_', other
  static int symbol(unsigned char c);
  std::vector<std::int32_t> next_;  // states x kAlphabet, full DFA
  std::vector<std::int32_t> fail_;
  std::vector<std::vector<std::uint32_t>> out_;  // patterns whose literal ends at a state (with suffix outputs merged)
  std::vector<std::uint32_t> always_;
  std::size_t patterns_ = 0;
};

}  // namespace dyn::rules
