// The HELO/EHLO argument: an address instead of a name, or a name with no address record (asked,
// A and AAAA, once HELO arrives; NXDOMAIN or no data for both, never a failure).
#include "policy/evidence.hpp"
#include "smtp/reply.hpp"

namespace dyn::policy {

namespace {

bool helo_is_address(std::string_view helo) {
  if (helo.size() > 2 && helo.front() == '[' && helo.back() == ']') {
    auto inner = helo.substr(1, helo.size() - 2);
    if (inner.rfind("IPv6:", 0) == 0 || inner.rfind("ipv6:", 0) == 0) inner.remove_prefix(5);
    return net::IpAddress::parse(inner).has_value();
  }
  return net::IpAddress::parse(helo).has_value();
}

constexpr SignalSpec kSignals[] = {
    // HELO/EHLO gives an address ([192.0.2.1] or a bare 192.0.2.1), not a name
    {"helo-ip", 1, rdns::Strength::Supporting, "a HELO that gives an address, not a name"},
    // the HELO name has no A or AAAA record (NXDOMAIN or no data, not a failure)
    {"helo-unresolvable", 1, rdns::Strength::Supporting, "an unresolvable HELO name"},
};

class HeloSource final : public Source {
 public:
  std::string_view name() const override { return "helo"; }

  void questions(const Context& c, Stage stage, std::vector<dns::Question>& out) const override {
    const std::string& helo = c.facts.helo;
    if (stage != Stage::Helo || helo_is_address(helo) || !rdns::plausible_host_name(helo)) return;
    if (c.weights.of(kSignals[1]) == 0) return;
    std::string name = dns::canonical_name(helo);
    out.push_back(dns::Question{name, dns::RrType::A});
    out.push_back(dns::Question{std::move(name), dns::RrType::AAAA});
  }

  void judge(const Context& c, const Answers& answers, Evidence& e) const override {
    const std::string& helo = c.facts.helo;
    if (helo.empty()) return;
    if (helo_is_address(helo)) {
      e.signals.push_back(rdns::Signal{"helo-ip", c.weights.of(kSignals[0]),
                                       smtp::sanitized_within("HELO gives an address (", helo, 100, "), not a name")});
      return;
    }
    // Not asked, or no longer believed: a Timeout, which says nothing.
    auto none = [](const dns::Answer& a) {
      return a.status == dns::Status::NxDomain || a.status == dns::Status::NoData;
    };
    if (none(answers.at(Stage::Helo, 0)) && none(answers.at(Stage::Helo, 1)))
      e.signals.push_back(rdns::Signal{"helo-unresolvable", c.weights.of(kSignals[1]),
                                       smtp::sanitized_within("the HELO name ", helo, 100, " has no address record")});
  }
};

}  // namespace

std::unique_ptr<const Source> make_helo_source() { return std::make_unique<HeloSource>(); }
std::span<const SignalSpec> helo_signals() { return kSignals; }

}  // namespace dyn::policy
