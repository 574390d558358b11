// Session: one MTA connection's state, owned through smfi_setpriv. It pins the configuration
// snapshot it started with and the DNS transaction begun at CONNECT.
#pragma once

#include "policy/transaction.hpp"

#include <memory>
#include <string_view>

namespace dyn::milter {

class Session {
 public:
  Session(std::shared_ptr<const config::Config> config, policy::ClientFacts facts, dns::Querier& querier,
          const dnsbl::HealthBoard* health);

  // The verdict that applies to this recipient: nullptr when the recipient is exempt
  // (postmaster, abuse). The first non-exempt recipient waits for the lookups and logs the verdict.
  const policy::Verdict* verdict_for(std::string_view recipient);
  void on_helo(std::string_view name, dns::Querier& querier) { transaction_.helo(name, querier); }

 private:
  policy::Transaction transaction_;
};

}  // namespace dyn::milter
