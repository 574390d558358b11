// Session: one MTA connection's state, owned through smfi_setpriv. It pins the configuration
// snapshot it started with (and the sources prepared for it) and the DNS transaction begun at
// CONNECT.
#pragma once

#include "policy/transaction.hpp"
#include "control/history.hpp"
#include "store/redis.hpp"
#include "util/rate_limit.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace dyn::milter {

class Metrics;

// What a session reports to, besides the log; each may be null.
struct Observers {
  Metrics* metrics = nullptr;
  util::RateLimit* list_warnings = nullptr;  // one warning per failing list every few minutes
  control::History* history = nullptr;       // the recent verdicts "dynmilter-ctl why" reads
  store::HistoryWriter* shared = nullptr;    // --history-redis: refusals for every MX host's page
};

class Session {
 public:
  Session(std::shared_ptr<const policy::PreparedConfig> policy, policy::ClientFacts facts, dns::Querier& querier,
          const dnsbl::HealthBoard* health, Observers observers = {});
  ~Session();  // a decided connection goes to the history

  // MAIL FROM: a new message; `auth_login` is the MTA's {auth_authen} (SASL login) if any.
  void on_mail(std::optional<std::string> auth_login);

  // The verdict that applies to this recipient: nullptr when the recipient is exempt
  // (postmaster, abuse, a bypass address) or the sender authenticated. The first other
  // recipient waits for the lookups and logs the verdict.
  const policy::Verdict* verdict_for(std::string_view recipient);
  // HELO/EHLO: false once the connection has sent more than --max-helo of them (the MTA is then
  // told to try later, and no lookup is started for it).
  bool on_helo(std::string_view name, dns::Querier& querier) {
    if (++helos_ > transaction_.config().max_helo) return false;
    transaction_.helo(name, querier);
    return true;
  }

  // End of message: the X-Dynmilter header to add (--action tag), if any.
  std::optional<std::string> tag_header() const;
  // X-Dynmilter headers in the current message that the sender put there.
  void on_tag_header_from_sender() { ++forged_headers_; }
  int tag_headers_from_sender() const { return forged_headers_; }
  const std::string& id() const { return transaction_.facts().id; }

 private:
  void report(const policy::Verdict& verdict);

  policy::Transaction transaction_;
  Observers observers_;
  std::optional<std::string> auth_login_;  // of the current message
  int forged_headers_ = 0;                 // of the current message
  int helos_ = 0;                          // HELO/EHLO commands of this connection
};

}  // namespace dyn::milter
