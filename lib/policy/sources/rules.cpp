// The operator's rule files (--rules) and Postfix pcre_tables (--pcre-table), against the name
// the name checks judge; each hit is a signal whose reason names file:line.
#include "policy/evidence.hpp"

namespace dyn::policy {

namespace {

class RulesSource final : public Source {
 public:
  std::string_view name() const override { return "rules"; }
  void judge(const Context& c, const Answers&, Evidence& e) const override {
    const auto& rules = c.config.rules;
    if (!rules || rules->empty()) return;
    const std::string& judged = judged_name(c.facts);
    if (!rdns::plausible_host_name(judged)) return;
    for (const auto& hit : rules->evaluate(judged, c.facts.ip))
      e.signals.push_back(rdns::Signal{"rule:" + hit.rule, hit.weight, hit.reason + " (" + hit.where + ")"});
  }
};

}  // namespace

std::unique_ptr<const Source> make_rules_source() { return std::make_unique<RulesSource>(); }
// A rule's signal is "rule:NAME", its weight the rule's own: nothing to declare. The sender reads
// "generic reverse DNS name" for it (reply_text.cpp), as for pool words.
std::span<const SignalSpec> rules_signals() { return {}; }

}  // namespace dyn::policy
