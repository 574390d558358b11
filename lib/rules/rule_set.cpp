#include "rules/rule_set.hpp"

#include "util/log.hpp"

#include <fmt/format.h>

namespace dyn::rules {

RuleSet RuleSet::load(const std::vector<std::string>& rule_files, const std::vector<std::string>& pcre_tables,
                      int pcre_reject_weight) {
  RuleSet s;
  for (const auto& f : rule_files)
    for (auto& r : load_rule_file(f)) s.rules_.push_back(std::move(r));
  for (const auto& f : pcre_tables) {
    s.tables_.push_back(load_pcre_table(f));
    for (const auto& w : s.tables_.back().warnings) log::warning("{}", w);
  }
  s.reject_weight_ = pcre_reject_weight;
  return s;
}

std::vector<RuleHit> RuleSet::evaluate(std::string_view name, const std::optional<net::IpAddress>& ip) const {
  std::vector<RuleHit> hits;
  for (const auto& r : rules_)
    if (r.matches(name, ip)) hits.push_back(RuleHit{r.name, r.where, r.weight, r.reason});
  for (const auto& t : tables_) {
    const auto found = t.lookup(name);
    if (found && is_reject_result(found->first))
      hits.push_back(RuleHit{t.file, fmt::format("{}:{}", t.file, found->second), reject_weight_, found->first});
  }
  return hits;
}

bool RuleSet::has_rule(std::string_view name) const {
  for (const auto& r : rules_)
    if (r.name == name) return true;
  for (const auto& t : tables_)
    if (t.file == name) return true;
  return false;
}

std::string_view RuleSet::action_of(std::string_view name) const {
  for (const auto& r : rules_)
    if (r.name == name) return r.action;
  return {};
}

bool RuleSet::any_rule_with_action(std::string_view action) const {
  for (const auto& r : rules_)
    if (r.action == action) return true;
  return false;
}

}  // namespace dyn::rules
