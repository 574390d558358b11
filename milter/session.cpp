#include "session.hpp"

#include "util/log.hpp"

namespace dyn::milter {

Session::Session(std::shared_ptr<const config::Config> config, policy::ClientFacts facts, dns::Querier& querier,
                 const dnsbl::HealthBoard* health)
    : transaction_(std::move(config), std::move(facts), querier, health) {}

const policy::Verdict* Session::verdict_for(std::string_view recipient) {
  if (policy::is_role_recipient(recipient)) return nullptr;
  if (!transaction_.decided()) {
    const auto& v = transaction_.verdict();
    log::info("{}", policy::log_line(transaction_.facts(), v, transaction_.elapsed_ms(), transaction_.waited_ms()));
  }
  return &transaction_.verdict();
}

}  // namespace dyn::milter
