// The PTR record's TTL, from our own lookup: below --ptr-ttl-min (43,200 s, the old SORBS DUHL
// rule for static space) it counts as a sign of dynamic space.
#include "policy/evidence.hpp"

namespace dyn::policy {

namespace {

constexpr SignalSpec kSignals[] = {
    {"ptr-ttl-short", 1, rdns::Strength::Supporting, "short DNS TTLs{ttl}"},  // below --ptr-ttl-min
};

class PtrTtlSource final : public Source {
 public:
  std::string_view name() const override { return "ptr-ttl"; }
  void judge(const Context& c, const Answers&, Evidence& e) const override {
    const auto min_ttl = std::chrono::duration_cast<std::chrono::seconds>(c.config.ptr_ttl_min.value).count();
    if (c.facts.ptr_ttl && *c.facts.ptr_ttl < min_ttl)
      e.signals.push_back(rdns::Signal{"ptr-ttl-short", c.weights.of(kSignals[0]),
                                       "the PTR record's TTL is " + std::to_string(*c.facts.ptr_ttl) + " s, under " +
                                           std::to_string(min_ttl) + " s"});
  }
};

}  // namespace

std::unique_ptr<const Source> make_ptr_ttl_source() { return std::make_unique<PtrTtlSource>(); }
std::span<const SignalSpec> ptr_ttl_signals() { return kSignals; }

}  // namespace dyn::policy
