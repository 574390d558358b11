// The name checks: what the client's name says by itself (its address written into it, pool
// words, a device ID), unless a server word cancels them (rdns/classify.hpp).
#include "policy/evidence.hpp"

namespace dyn::policy {

namespace {

class NameSource final : public Source {
 public:
  std::string_view name() const override { return "name"; }
  void judge(const Context& c, const Answers&, Evidence& e) const override {
    const std::string& judged = judged_name(c.facts);
    if (judged.empty()) return;
    rdns::name_signals(judged, c.facts.ip, c.weights, e.signals);
  }
};

}  // namespace

std::unique_ptr<const Source> make_name_source() { return std::make_unique<NameSource>(); }

}  // namespace dyn::policy
