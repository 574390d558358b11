// The reverse-DNS facts, from the MTA's macros or our own lookup (policy/transaction.cpp): no PTR
// record at all, or a PTR name that does not resolve back to the address. A temporary failure,
// or nothing known, says nothing about the client.
#include "policy/evidence.hpp"

namespace dyn::policy {

namespace {

constexpr SignalSpec kSignals[] = {
    // our own PTR lookup found none, from a resolver we trust (the MTA's "unknown" is only a hint)
    {"no-ptr", 3, rdns::Strength::Primary, "no reverse DNS name"},
    // the PTR name does not resolve back to the address
    {"forged", 2, rdns::Strength::Supporting, "reverse DNS name {name} does not resolve back to your address"},
};

class RdnsFactsSource final : public Source {
 public:
  std::string_view name() const override { return "rdns"; }
  void judge(const Context& c, const Answers&, Evidence& e) const override {
    const auto& f = c.facts.rdns;
    if (f.status == rdns::RdnsStatus::NoPtr)
      e.signals.push_back(rdns::Signal{"no-ptr", c.weights.of(kSignals[0]), "the address has no reverse DNS name"});
    if (f.status == rdns::RdnsStatus::Forged)
      e.signals.push_back(rdns::Signal{"forged", c.weights.of(kSignals[1]),
                                       "the reverse DNS name " + f.name + " does not resolve back to the address"});
  }
};

}  // namespace

std::unique_ptr<const Source> make_rdns_facts_source() { return std::make_unique<RdnsFactsSource>(); }
std::span<const SignalSpec> rdns_facts_signals() { return kSignals; }

}  // namespace dyn::policy
