// Transaction: the DNS side of one SMTP connection. Constructed at CONNECT (lookups start at
// once, in parallel); verdict() is asked at the first RCPT and waits at most until the
// connection's one deadline, fixed at CONNECT as now + dns_timeout.
//
// The client's reverse DNS is settled before any source plans: the MTA's verified name is taken
// as it is; anything else the MTA says (Postfix's "unknown" is a missing PTR and a temporary
// failure alike) is only a hint, and dynmilter's own PTR lookup and forward confirmation decide.
// Until they are in, the sources' questions for the facts known so far are asked ahead (the
// lists' do not depend on the name); once settled, each source plans with the facts it will be
// judged with, and only what nobody asked yet is asked. The facts never change under a source.
#pragma once

#include "dns/batch.hpp"
#include "policy/policy.hpp"

#include <boost/container/small_vector.hpp>

#include <deque>
#include <memory>
#include <utility>
#include <vector>
#include <optional>

namespace dyn::policy {

class Transaction {
 public:
  // `health` (may be null) is read when the verdict is decided. `policy`: the configuration with
  // the sources every connection under it shares (the daemon builds one per configuration).
  Transaction(std::shared_ptr<const PreparedConfig> policy, ClientFacts facts, dns::Querier& querier,
              const dnsbl::HealthBoard* health = nullptr);
  // The same, preparing the sources for this one connection (tools and tests).
  Transaction(std::shared_ptr<const config::Config> config, ClientFacts facts, dns::Querier& querier,
              const dnsbl::HealthBoard* health = nullptr);

  // HELO/EHLO arrived: records it and starts its lookups (same deadline). Ignored once decided.
  void helo(std::string_view name, dns::Querier& querier);

  // The first call waits for the lookups (until the deadline) and decides; later calls reuse it.
  const Verdict& verdict();
  bool decided() const { return verdict_.has_value(); }
  const Verdict& verdict_if_decided() const { return *verdict_; }  // only when decided()
  // The verdict, moved out (only when decided(); the transaction is done with it: at its end).
  Verdict take_verdict() { return std::move(*verdict_); }
  ClientFacts take_facts() { return std::move(facts_); }  // the same, for the facts
  // The verdict for one recipient: with a --domain-policy entry, the same evidence judged with
  // that entry's action, threshold and reply (decided once per entry and kept); nullptr when the
  // entry says off (never refused); else verdict(). `*entry` (when given) is the entry used.
  const Verdict* verdict_for(std::string_view recipient, const config::DomainPolicy** entry = nullptr);

  const ClientFacts& facts() const { return facts_; }
  // What the MTA said about the client's reverse DNS, when it was not taken as settled.
  const rdns::RdnsFacts& mta_rdns() const { return mta_rdns_; }
  const config::Config& config() const { return config_; }
  double elapsed_ms() const;  // from CONNECT to the decision
  double waited_ms() const;   // how long verdict() blocked: the delay added to the SMTP dialogue

 private:
  // Moves on as far as the answers in allow: settles the names (waiting for them when `block`),
  // then asks the sources' questions for each stage known.
  void advance(bool block);
  bool settle(bool block);
  void take_ptr(const dns::Answer& ptr);
  // Starts a batch for the questions no batch of this connection has asked yet.
  void ask(std::vector<dns::Question> wanted, dns::Deadline until, Stage stage);
  dns::Deadline late_deadline() const;  // for questions asked after CONNECT: what is left of the budget

  std::shared_ptr<const PreparedConfig> policy_;
  const config::Config& config_;  // *policy_->config
  const Prepared& prepared_;      // policy_->prepared
  ClientFacts facts_;
  rdns::RdnsFacts mta_rdns_;  // the MTA's own result when it was only a hint
  dns::Clock::time_point started_;
  dns::Deadline deadline_;
  dns::Deadline source_deadline_;  // deadline_, or earlier with --dnsbl-timeout
  const dnsbl::HealthBoard* health_;
  dns::Querier& querier_;
  bool checked_ = false;  // the client is looked up at all (not exempt, has an address)
  bool settled_ = false;  // facts_.rdns is final: the sources may plan
  bool planned_connect_ = false, planned_helo_ = false;
  bool ptr_taken_ = false;
  // Every batch this connection started, with the stage it asked for (HELO answers can be
  // distrusted alone). Inline: a connection starts two to four.
  struct Asked {
    std::shared_ptr<dns::Batch> batch;
    Stage stage;
  };
  boost::container::small_vector<Asked, 4> batches_;
  // Our own PTR lookup: in its own batch while the names are unsettled, else in the first one.
  std::shared_ptr<dns::Batch> ptr_batch_;
  std::size_t ptr_index_ = 0;
  std::shared_ptr<dns::Batch> forward_batch_;  // the PTR name's A and AAAA (forward confirmation)
  dns::Deadline forward_until_{};
  // The resolver's freshness check, when a negative answer of ours would count (HealthBoard).
  std::shared_ptr<dns::Batch> check_;
  bool check_asked_ = false;
  std::optional<Verdict> verdict_;
  AnswerBook book_;                                      // the evidence verdict() decided on
  std::shared_ptr<const dnsbl::HealthMap> health_seen_;  // and the lists' health it saw
  std::deque<std::pair<std::size_t, Verdict>>
      domain_verdicts_;  // by --domain-policy entry (stable: pointers are handed out)
  dns::Clock::time_point decided_at_{};
  dns::Clock::duration waited_{};
};

}  // namespace dyn::policy
