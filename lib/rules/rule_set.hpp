// Rule files, as operators write and tune them, compiled once into an immutable RuleSet:
//  - dynmilter rule files (dynmilter-rules(5)): named rules, each a pattern and/or a structural
//    check with a weight, a reason and example names checked when the file loads;
//  - Postfix pcre_table files as they are (e.g. fqrdns.pcre): if/endif, !negation, flags,
//    continuation lines; first match wins; REJECT (or a 4xx/5xx reply) counts with a configured
//    weight, DUNNO/OK and other results stop the table without counting.
// Errors name file:line.
#pragma once

#include "net/ip_address.hpp"
#include "rules/literal_index.hpp"
#include "rules/pattern.hpp"

#include <istream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dyn::rules {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Example {
  std::string name;
  std::optional<net::IpAddress> ip;
  int line = 0;
};

struct Rule {
  std::string name;
  std::string where;  // file:line of its header
  std::optional<Pattern> pattern;
  bool ip_in_name = false;  // structural check: the client's address is written into the name
  int weight = 0;
  std::string reason;
  std::string action;  // "reject", "tempfail", "tag", "log", or empty: the global --action
  std::vector<Example> must_match, must_not_match;

  bool matches(std::string_view name, const std::optional<net::IpAddress>& ip) const;
};

struct TableEntry {
  int line = 0;
  bool is_if = false, is_endif = false;
  std::optional<Pattern> pattern;
  bool negate = false;
  PatternOptions options;
  std::string result;  // for lookup lines
};

struct PcreTable {
  std::string file;
  std::vector<TableEntry> entries;
  // As Postfix does, a line whose pattern does not compile (or an endif without its if) is
  // skipped with a warning rather than refusing the table; each warning names file:line.
  std::vector<std::string> warnings;
  LiteralIndex index;       // built at load: which lines may match a name
  std::vector<int> parent;  // per entry: the innermost enclosing "if" entry, or -1

  // The result of the first matching line, and its line number; nullopt when none matches.
  // Uses the index: only lines whose required literal occurs in the name are tried.
  std::optional<std::pair<std::string, int>> lookup(std::string_view name) const;
  // The same, trying every line in order as Postfix does: the reference the index must equal.
  std::optional<std::pair<std::string, int>> lookup_sequential(std::string_view name) const;
};

struct RuleHit {
  std::string rule;   // rule name, or the pcre_table's file name
  std::string where;  // file:line
  int weight = 0;
  std::string reason;  // the rule's reason, or the table's result text
};

std::vector<Rule> load_rule_file(const std::string& path);  // throws Error
PcreTable load_pcre_table(const std::string& path);         // throws Error
// The same from text already read; `name` stands for the file in messages and hits.
std::vector<Rule> parse_rule_file(std::istream& in, const std::string& name);  // throws Error
PcreTable parse_pcre_table(std::istream& in, const std::string& name);         // throws Error only for I/O

class RuleSet {
 public:
  RuleSet() = default;
  // Throws Error naming file:line for any bad line or failed example.
  static RuleSet load(const std::vector<std::string>& rule_files, const std::vector<std::string>& pcre_tables,
                      int pcre_reject_weight);

  std::vector<RuleHit> evaluate(std::string_view name, const std::optional<net::IpAddress>& ip) const;
  bool empty() const { return rules_.empty() && tables_.empty(); }
  // A rule by its name, or a pcre_table by its file name as given.
  bool has_rule(std::string_view name) const;
  // The action= of the named rule; empty when it has none (or for a pcre_table).
  std::string_view action_of(std::string_view name) const;
  bool any_rule_with_action(std::string_view action) const;

 private:
  std::vector<Rule> rules_;
  std::vector<PcreTable> tables_;
  int reject_weight_ = 0;
};

// True when a pcre_table result rejects: REJECT..., or a 4xx/5xx reply code.
bool is_reject_result(std::string_view result);

}  // namespace dyn::rules
