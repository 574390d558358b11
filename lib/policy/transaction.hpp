// Transaction: the DNS side of one SMTP connection. Constructed at CONNECT (lookups start at
// once, in parallel); verdict() is asked at the first RCPT and waits at most until the
// connection's one deadline, fixed at CONNECT as now + dns_timeout.
#pragma once

#include "dns/batch.hpp"
#include "policy/policy.hpp"

#include <boost/container/small_vector.hpp>

#include <memory>
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

  const ClientFacts& facts() const { return facts_; }
  const config::Config& config() const { return config_; }
  double elapsed_ms() const;  // from CONNECT to the decision
  double waited_ms() const;   // how long verdict() blocked: the delay added to the SMTP dialogue

 private:
  // Takes the PTR record's TTL, and (when the MTA sent nothing) forward-confirms the PTR name.
  void use_own_ptr(const dns::Answer& ptr);
  void distrust_names(std::vector<dns::Answer>& helo_answers);
  std::vector<dns::Answer> helo_answers(const std::vector<dns::Answer>& connect_answers);

  std::shared_ptr<const PreparedConfig> policy_;
  const config::Config& config_;      // *policy_->config
  const Prepared& prepared_;          // policy_->prepared
  Asked asked_;                       // how many questions each source asked
  ClientFacts facts_;
  ClientFacts planned_;  // the facts the questions were planned with (CONNECT, then HELO)
  dns::Clock::time_point started_;
  dns::Deadline deadline_;
  dns::Deadline source_deadline_;  // deadline_, or earlier with --dnsbl-timeout
  const dnsbl::HealthBoard* health_;
  bool checked_ = false;  // the client is looked up at all (not exempt, has an address)
  std::shared_ptr<dns::Batch> batch_;
  std::shared_ptr<dns::Batch> helo_batch_;  // the HELO questions not already asked at CONNECT
  // Where each planned HELO question's answer comes from: the CONNECT batch (a HELO name that is
  // the verified name asks what the DUHL source asked at CONNECT) or the HELO batch.
  struct HeloAnswer {
    bool from_connect;
    std::size_t index;
  };
  boost::container::small_vector<HeloAnswer, 4> helo_from_;  // inline: the HELO and DUHL sources ask four
  std::optional<std::size_t> own_ptr_at_;  // where batch_ asks our own PTR lookup (no macros, or for its TTL)
  dns::Querier& querier_;
  std::optional<Verdict> verdict_;
  dns::Clock::time_point decided_at_{};
  dns::Clock::duration waited_{};
};

}  // namespace dyn::policy
