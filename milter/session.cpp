#include "session.hpp"

#include "metrics.hpp"
#include "control/public_record.hpp"
#include "util/log.hpp"

#include <chrono>

namespace dyn::milter {

Session::Session(std::shared_ptr<const policy::PreparedConfig> policy, policy::ClientFacts facts, dns::Querier& querier,
                 const dnsbl::HealthBoard* health, Observers observers)
    : transaction_(std::move(policy), std::move(facts), querier, health), observers_(observers) {
  if (observers_.metrics) observers_.metrics->connection();
}

// A decided connection goes to the history (for "dynmilter-ctl why"), its verdict moved, not copied.
// A refusal also goes to the shared store, as the refused sender's page shows it.
Session::~Session() {
  const bool keep = observers_.history && observers_.history->capacity() > 0;
  if ((!keep && !observers_.shared) || !transaction_.decided() ||
      transaction_.verdict_if_decided().basis != policy::Basis::Scored)
    return;
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  const double elapsed = transaction_.elapsed_ms(), waited = transaction_.waited_ms();
  try {
    control::Record record{now.count(), transaction_.take_facts(), transaction_.take_verdict(), elapsed, waited};
    if (observers_.shared && record.verdict.reply)
      if (const auto p = control::public_record(record)) observers_.shared->publish(*p);
    if (keep) observers_.history->add(std::move(record));
  } catch (const std::exception&) {  // out of memory: the connection's end must not throw
  }
}

// The verdict line, the metrics, and a rate-limited warning for each list that failed.
void Session::report(const policy::Verdict& v) {
  if (log::enabled(log::Level::Info))  // the line is built only to be logged
    log::info("{}", policy::log_line(transaction_.facts(), v, transaction_.elapsed_ms(), transaction_.waited_ms()));
  if (observers_.metrics) observers_.metrics->verdict(v, transaction_.elapsed_ms());
  if (!observers_.list_warnings) return;
  for (const auto& l : v.lists) {
    if (l.outcome.listing != dnsbl::Listing::Unknown) continue;
    if (const auto held = observers_.list_warnings->allow(l.zone, util::RateLimit::Clock::now()))
      log::warning("list {} gave no usable answer: {}{}", l.zone, l.outcome.reason,
                   *held ? fmt::format(" ({} more since the last warning)", *held) : std::string());
  }
}

std::optional<std::string> Session::tag_header() const {
  if (!transaction_.decided() || auth_login_) return std::nullopt;
  const auto& v = transaction_.verdict_if_decided();
  if (!v.tag) return std::nullopt;
  return policy::tag_header(transaction_.facts(), v, transaction_.config().threshold);
}

void Session::on_mail(std::optional<std::string> auth_login) {
  forged_headers_ = 0;
  auth_login_ = std::move(auth_login);
  if (auth_login_ && auth_login_->empty()) auth_login_.reset();
}

const policy::Verdict* Session::verdict_for(std::string_view recipient) {
  if (auth_login_) {
    log::debug("authenticated sender {}: recipient {} accepted", *auth_login_, recipient);
    if (observers_.metrics) observers_.metrics->exempt_recipient("auth");
    return nullptr;  // the operator's own users relay through this MTA
  }
  if (const auto why = policy::exempt_recipient(transaction_.config(), recipient); !why.empty()) {
    log::debug("recipient {} accepted ({})", recipient, why);
    if (observers_.metrics) observers_.metrics->exempt_recipient(why);
    return nullptr;
  }
  if (!transaction_.decided()) report(transaction_.verdict());
  const config::DomainPolicy* entry = nullptr;
  const policy::Verdict* v = transaction_.verdict_for(recipient, &entry);
  if (entry && !v) {
    log::debug("recipient {} accepted (domain policy {} at {}: off)", recipient, entry->key, entry->where);
    if (observers_.metrics) observers_.metrics->exempt_recipient("domain-off");
    return nullptr;
  }
  if (entry && v && v->action != transaction_.verdict().action && log::enabled(log::Level::Info))
    log::info("{}recipient={} domain-policy={} action={}",
              transaction_.facts().id.empty() ? "" : "id=" + transaction_.facts().id + " ",
              smtp::sanitize_reply_text(recipient, 255), entry->key, policy::disposition(*v));
  return v;
}

}  // namespace dyn::milter
