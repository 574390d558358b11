// The evidence seam. Every source of evidence about a client (each DNSBL, the reverse-DNS facts,
// the name checks, the operator's rule files, HELO, the PTR record's TTL, ...) is a small unit
// with two pure steps:
//   questions(): the DNS questions it needs for this client, at CONNECT or once HELO is known;
//   judge():     what it concludes from the answers to exactly those questions: list results
//                and signals, each with its weight and its reason.
// The transaction asks every source's questions at once (one deadline) and hands each source back
// its own answers; decide() only gates (exempt, allowlisted), sums and applies the actions.
// Adding a source: a new file in policy/sources/ and one line in the list in evidence.cpp.
// docs/evidence.md shows a source from end to end.
#pragma once

#include "config/config.hpp"
#include "dns/types.hpp"
#include "dnsbl/health.hpp"
#include "policy/facts.hpp"
#include "rdns/classify.hpp"

#include <boost/container/small_vector.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace dyn::policy {

enum class Stage { Connect, Helo };

// What every source may read: the configuration, the client, and the lists' health.
struct Context {
  const config::Config& config;
  const ClientFacts& facts;
  const dnsbl::HealthMap& health;
  const rdns::NameWeights& weights;
};

// The answers to one source's questions, in the order it asked them (a missing one is a timeout).
struct Answers {
  std::span<const dns::Answer> connect;
  std::span<const dns::Answer> helo;
  const dns::Answer& at(Stage stage, std::size_t i) const;
};

// What one source concludes.
struct Evidence {
  std::vector<ListResult> lists;
  std::vector<rdns::Signal> signals;
  int could_add = 0;  // weight a temporary failure kept out (what --on-dns-error weighs)
};

class Source {
 public:
  virtual ~Source() = default;
  virtual std::string_view name() const = 0;
  // Both steps append to what they are given (the transaction's one list of questions, the
  // verdict's evidence), so that a connection's sources share one allocation for each.
  virtual void questions(const Context&, Stage, std::vector<dns::Question>&) const {}
  virtual void judge(const Context& context, const Answers& answers, Evidence& out) const = 0;
};

// Every source for this configuration, in the order their evidence is shown: the lists (one
// source each, as configured), reverse-DNS facts, name checks, rules, neighbours, HELO, PTR TTL,
// the DUHL rules (mx-confirmed, a-ttl-short).
std::vector<std::unique_ptr<const Source>> sources(const config::Config& config);

// What every connection's policy reads from the configuration, built once instead of at each
// stage: the sources and the name-check weights. It refers into `config`, which must outlive it.
struct Prepared {
  std::vector<std::unique_ptr<const Source>> sources;
  rdns::NameWeights weights;
};
Prepared prepare(const config::Config& config);

// A configuration with its Prepared, shared by every connection that starts under it (built when
// the configuration is loaded, not per connection).
struct PreparedConfig {
  explicit PreparedConfig(std::shared_ptr<const config::Config> c) : config(std::move(c)), prepared(prepare(*config)) {}
  std::shared_ptr<const config::Config> config;
  Prepared prepared;  // refers into *config
};

// How many questions each source asked at CONNECT and at HELO for one connection, as plan() and
// plan_helo() recorded them: gather() cuts the answers by these instead of planning again.
struct Asked {
  // Inline up to 24 sources (17 lists and the 7 other sources): no allocation per connection.
  using Counts = boost::container::small_vector<std::uint32_t, 24>;
  std::optional<Counts> connect, helo;
};

// The name the name checks and the rules judge: the verified or PTR name; the MTA's CONNECT name
// when it sent no reverse-DNS macros; none (empty) when there is no PTR or its lookup failed.
const std::string& judged_name(const ClientFacts& facts);  // a reference into `facts`, or to ""

}  // namespace dyn::policy
