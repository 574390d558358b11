// Neighbours: when the client's own name says little (no server word, its name checks below the
// threshold), the PTR names of the two addresses next to it (asked at CONNECT with everything
// else, within the same deadline; the DNS cache keeps them by TTL for the rest of the block).
// Named alike, each with its own address in it, under the client's domain: a pool
// (neighbours-pooled). Anything else (servers, no PTR, a failed lookup) is shown with weight 0
// (dynmilter-check and the log say what the neighbours said) and never counts against the client.
#include "net/reverse.hpp"
#include "policy/evidence.hpp"
#include "smtp/reply.hpp"
#include "rdns/neighbours.hpp"

namespace dyn::policy {

namespace {

// The client's name, when it is worth asking about its neighbours: a name with no server word
// whose own checks stay below the threshold. Empty when the MTA has not said (asked anyway: our
// own PTR lookup may find such a name) or when the name already decides.
enum class Need { No, Yes, Maybe };

constexpr SignalSpec kSignals[] = {
    // the two adjacent addresses are named like a pool, the client's own name says little
    {"neighbours-pooled", 1, rdns::Strength::Supporting, "neighbouring addresses named like a dynamic pool"},
};

Need need(const Context& c, std::string* name) {
  if (c.weights.of(kSignals[0]) == 0 || !c.facts.ip) return Need::No;
  if (c.facts.rdns.status == rdns::RdnsStatus::Unknown && !rdns::plausible_host_name(c.facts.hostname))
    return Need::Maybe;
  *name = judged_name(c.facts);
  if (!rdns::plausible_host_name(*name)) return Need::No;
  const auto score = rdns::name_score(*name, c.facts.ip, c.weights.names());
  return score && *score < c.config.threshold ? Need::Yes : Need::No;
}

class NeighboursSource final : public Source {
 public:
  std::string_view name() const override { return "neighbours"; }

  void questions(const Context& c, Stage stage, std::vector<dns::Question>& out) const override {
    std::string name;
    if (stage != Stage::Connect || need(c, &name) == Need::No) return;
    const auto n = rdns::neighbours(*c.facts.ip);
    out.push_back(dns::Question{net::ptr_name(n[0]), dns::RrType::PTR});
    out.push_back(dns::Question{net::ptr_name(n[1]), dns::RrType::PTR});
  }

  void judge(const Context& c, const Answers& answers, Evidence& e) const override {
    std::string client;
    if (!answers.asked(Stage::Connect, 0) || need(c, &client) != Need::Yes) return;
    const auto ips = rdns::neighbours(*c.facts.ip);
    std::array<rdns::Neighbour, 2> n{rdns::Neighbour{ips[0], {}}, rdns::Neighbour{ips[1], {}}};
    for (int i = 0; i < 2; ++i) {
      const auto& a = answers.at(Stage::Connect, static_cast<std::size_t>(i));
      if (a.status == dns::Status::Ok && !a.records.empty())
        n[i].name = a.records.front().value;
      else if (a.status != dns::Status::NxDomain && a.status != dns::Status::NoData) {
        e.signals.push_back(
            rdns::Signal{"neighbours-pooled", 0,  // a failure says nothing; shown all the same
                         "neighbour " + ips[i].to_string() + " not known: " + std::string(dns::to_string(a.status))});
        return;
      }
    }
    std::string why;
    if (const auto pool = rdns::pool_around(client, n, &why))
      e.signals.push_back(rdns::Signal{"neighbours-pooled", c.weights.of(kSignals[0]),
                                       smtp::sanitized_within("the neighbours are named like a pool: ", *pool, 300)});
    else
      e.signals.push_back(rdns::Signal{"neighbours-pooled", 0, smtp::sanitized_within("neighbours asked: ", why, 300)});
  }
};

}  // namespace

std::unique_ptr<const Source> make_neighbours_source() { return std::make_unique<NeighboursSource>(); }
std::span<const SignalSpec> neighbours_signals() { return kSignals; }

}  // namespace dyn::policy
