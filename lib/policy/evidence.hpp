// The evidence seam. Every source of evidence about a client (each DNSBL, the reverse-DNS facts,
// the name checks, the operator's rule files, HELO, the PTR record's TTL, ...) is a small unit
// with two pure steps:
//   questions(): the DNS questions it needs for this client, at CONNECT or once HELO is known;
//   judge():     what it concludes from the answers to exactly those questions: list results
//                and signals, each with its weight and its reason.
// The transaction settles the client's reverse DNS first (PTR, forward confirmation), so that the
// facts a source plans with are the facts it is judged with; then it asks every source's
// questions at once (one deadline) and hands each source back the answers to its own questions;
// decide() only gates (exempt, allowlisted), sums and applies the actions.
// Adding a source: a new file in policy/sources/ and one line in the list in evidence.cpp.
// docs/evidence.md shows a source from end to end.
#pragma once

#include "config/config.hpp"
#include "dns/types.hpp"
#include "dnsbl/health.hpp"
#include "policy/facts.hpp"
#include "policy/signal.hpp"
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
  const Weights& weights;
};

// The answers to one source's questions, in the order it asked them, each found in the
// connection's AnswerBook (a question never asked reads as a Timeout: unknown, never evidence).
struct Answers {
  boost::container::small_vector<const dns::Answer*, 4> connect, helo;
  const dns::Answer& at(Stage stage, std::size_t i) const;
  // The question was asked at all (its answer may still be a timeout).
  bool asked(Stage stage, std::size_t i) const {
    const auto& set = stage == Stage::Connect ? connect : helo;
    return i < set.size() && set[i];
  }
};

// What a connection's lookups found: each question asked, with its answer. The answers belong to
// whoever asked them (the transaction's batches, a caller's vectors), which outlive the book.
// Sources never see the book: gather() hands each one the answers to exactly its own questions.
class AnswerBook {
 public:
  explicit AnswerBook() = default;  // explicit: a caller's "{}" means no answers in plan order
  // Questions and their answers, index for index (a missing answer counts as a Timeout).
  void add(std::span<const dns::Question> questions, std::span<const dns::Answer> answers);
  // The answer to `q`, or nullptr when it was never asked.
  const dns::Answer* find(const dns::Question& q) const;
  // What HELO-stage sources read is not believed (the resolver lies about names): their
  // questions read as not asked, even those CONNECT asked too.
  void distrust_helo() { helo_trusted_ = false; }
  bool helo_trusted() const { return helo_trusted_; }

 private:
  struct Entry {
    const dns::Question* question;
    const dns::Answer* answer;
  };
  boost::container::small_vector<Entry, 24> entries_;
  bool helo_trusted_ = true;
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
// stage: the sources and the signals' weights and classes. It refers into `config`, which must
// outlive it.
struct Prepared {
  std::vector<std::unique_ptr<const Source>> sources;
  Weights weights;
  Classes classes;  // which signals may refuse (primary) and which only support
};
Prepared prepare(const config::Config& config);

// A configuration with its Prepared, shared by every connection that starts under it (built when
// the configuration is loaded, not per connection).
struct PreparedConfig {
  explicit PreparedConfig(std::shared_ptr<const config::Config> c);
  std::shared_ptr<const config::Config> config;
  Prepared prepared;  // refers into *config
  // For each --domain-policy entry (same index): the configuration with its settings applied
  // (the lists, names and weights are the same: `prepared` serves them all).
  std::vector<std::shared_ptr<const config::Config>> domain_configs;
};

// The name the name checks and the rules judge: the verified or PTR name; the MTA's CONNECT name
// when it sent no reverse-DNS macros; none (empty) when there is no PTR or its lookup failed.
const std::string& judged_name(const ClientFacts& facts);  // a reference into `facts`, or to ""

}  // namespace dyn::policy
