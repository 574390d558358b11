// The name checks: what the client's name says by itself (its address written into it, pool
// words, a device ID), unless a server word cancels them (rdns/classify.hpp).
#include "policy/evidence.hpp"

namespace dyn::policy {

namespace {

// The weights reach rdns::name_signals as rdns::NameWeights (name_check_weights below).
constexpr SignalSpec kSignals[] = {
    // the whole address in the name, and a word label ("lightspeed", "subs")
    {"ip-in-name", 3, rdns::Strength::Primary, "your address appears in your host name {name}"},
    // the whole address is all the host part says ("1-2-3-4.isp.example")
    {"ip-in-name-bare", 2, rdns::Strength::Primary, "your address appears in your host name {name}"},
    // three octets (IPv4) or half the address (IPv6)
    {"ip-in-name-partial", 1, rdns::Strength::Supporting, "your address appears in your host name {name}"},
    // a word naming pools outright in the host part: dsl, dhcp, pool, cpe, ...
    {"dynamic-word", 3, rdns::Strength::Primary, "generic reverse DNS name {name}"},
    // a word common in pool names but also elsewhere: ip, home, user, access, ...
    {"generic-word", 1, rdns::Strength::Supporting, "generic reverse DNS name {name}"},
    // a pool word in the ISP's domain: skybroadband, shawcable, ...
    {"dynamic-domain", 1, rdns::Strength::Supporting, "generic reverse DNS name {name}"},
    // a modem's MAC address or serial in the first label: s01061cabc081bf83
    {"device-id", 2, rdns::Strength::Primary, "generic reverse DNS name {name}"},
};

class NameSource final : public Source {
 public:
  std::string_view name() const override { return "name"; }
  void judge(const Context& c, const Answers&, Evidence& e) const override {
    const std::string& judged = judged_name(c.facts);
    if (judged.empty()) return;
    rdns::name_signals(judged, c.facts.ip, c.weights.names(), e.signals);
  }
};

}  // namespace

std::unique_ptr<const Source> make_name_source() { return std::make_unique<NameSource>(); }
std::span<const SignalSpec> name_signals() { return kSignals; }

rdns::NameWeights name_check_weights(const Weights& w) {
  rdns::NameWeights n;
  n.ip_in_name = w.of(kSignals[0]);
  n.ip_in_name_bare = w.of(kSignals[1]);
  n.ip_in_name_partial = w.of(kSignals[2]);
  n.dynamic_word = w.of(kSignals[3]);
  n.generic_word = w.of(kSignals[4]);
  n.dynamic_domain = w.of(kSignals[5]);
  n.device_id = w.of(kSignals[6]);
  return n;
}

}  // namespace dyn::policy
