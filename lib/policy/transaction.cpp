#include "policy/transaction.hpp"

#include "net/reverse.hpp"

#include <algorithm>
#include <span>

namespace dyn::policy {

namespace {
const std::vector<dns::Answer> kNoAnswers;  // for a stage that asked nothing

std::size_t position(std::span<const dns::Question> in, const dns::Question& q) {
  return static_cast<std::size_t>(std::find(in.begin(), in.end(), q) - in.begin());
}
}  // namespace

Transaction::Transaction(std::shared_ptr<const config::Config> config, ClientFacts facts, dns::Querier& querier,
                         const dnsbl::HealthBoard* health)
    : Transaction(std::make_shared<const PreparedConfig>(std::move(config)), std::move(facts), querier, health) {}

Transaction::Transaction(std::shared_ptr<const PreparedConfig> policy, ClientFacts facts, dns::Querier& querier,
                         const dnsbl::HealthBoard* health)
    : policy_(std::move(policy)),
      config_(*policy_->config),
      prepared_(policy_->prepared),
      facts_(std::move(facts)),
      planned_(facts_),
      started_(dns::Clock::now()),
      deadline_(started_ + config_.dns_timeout.value),
      health_(health),
      querier_(querier) {
  // Each source (a list, the PTR, the HELO name) gets at most --dnsbl-timeout, inside the deadline.
  source_deadline_ = deadline_;
  if (config_.dnsbl_timeout.value.count() > 0)
    source_deadline_ = std::min(deadline_, started_ + config_.dnsbl_timeout.value);
  if (!checked(config_, facts_)) return;  // exempt or address-less: nothing to ask, now or at HELO
  checked_ = true;
  auto questions = plan(config_, facts_, &prepared_, &asked_);
  // Our own PTR lookup: when the MTA told us nothing, or to learn the record's TTL. It goes last
  // in the same batch; the sources' shares of the answers (asked_) end before it.
  if (facts_.rdns.status == rdns::RdnsStatus::Unknown || prepared_.weights.ptr_ttl_short != 0) {
    own_ptr_at_ = questions.size();
    questions.push_back(dns::Question{net::ptr_name(*facts_.ip), dns::RrType::PTR});
  }
  if (questions.empty()) return;  // no list, and no source that needs to ask
  batch_ = dns::Batch::start(querier, std::move(questions), source_deadline_);
}

void Transaction::use_own_ptr(const dns::Answer& ptr) {
  if (health_) health_->note_lookup(ptr.status);
  if (ptr.status == dns::Status::Ok && !ptr.records.empty()) {
    std::uint32_t ttl = UINT32_MAX;
    for (const auto& r : ptr.records) ttl = std::min(ttl, r.ttl);
    facts_.ptr_ttl = ttl;
  }
  if (facts_.rdns.status != rdns::RdnsStatus::Unknown) return;  // the MTA's result stands
  std::vector<dns::Answer> forward;
  if (ptr.status == dns::Status::Ok && !ptr.records.empty()) {
    const std::string& name = ptr.records.front().value;
    // The second step of forward confirmation gets what is left of the PTR's budget.
    const auto until = std::max(source_deadline_, dns::Clock::now() + std::chrono::milliseconds(100));
    const auto limit = std::min(until, deadline_);
    forward = dns::Batch::start(querier_, {{name, dns::RrType::A}, {name, dns::RrType::AAAA}}, limit)->wait_until(limit);
    if (health_) health_->note_lookup(forward[0].status == dns::Status::Ok ? forward[0].status : forward[1].status);
  }
  const auto own = rdns::confirm(ptr, forward, *facts_.ip);
  if (own.status != rdns::RdnsStatus::Unknown) facts_.rdns = own;
}

void Transaction::helo(std::string_view name, dns::Querier& querier) {
  if (verdict_) return;
  facts_.helo = std::string(name.substr(0, 255));
  planned_.helo = facts_.helo;
  helo_batch_.reset();
  helo_from_.clear();
  if (!checked_) return;
  // A question asked already, at CONNECT or earlier in this list, is not asked again.
  static const std::vector<dns::Question> kNothing;
  const auto& at_connect = batch_ ? batch_->questions() : kNothing;
  auto planned = plan_helo(config_, planned_, &prepared_, &asked_);
  helo_from_.reserve(planned.size());
  // The questions to ask now are gathered at the front of `planned`, each once: planned[0, fresh).
  std::size_t fresh = 0;
  for (std::size_t k = 0; k < planned.size(); ++k) {
    if (const std::size_t i = position(at_connect, planned[k]); i < at_connect.size()) {
      helo_from_.push_back({true, i});
      continue;
    }
    const std::size_t j = position(std::span(planned.data(), fresh), planned[k]);
    helo_from_.push_back({false, j});
    if (j < fresh) continue;
    if (k != fresh) planned[fresh] = std::move(planned[k]);
    ++fresh;
  }
  planned.erase(planned.begin() + static_cast<std::ptrdiff_t>(fresh), planned.end());
  if (!planned.empty()) {
    const auto until = std::min(deadline_, dns::Clock::now() + (source_deadline_ - started_));
    helo_batch_ = dns::Batch::start(querier, std::move(planned), until);
  }
}

// The answers to the planned HELO questions, in their order.
std::vector<dns::Answer> Transaction::helo_answers(const std::vector<dns::Answer>& connect_answers) {
  const auto& own = helo_batch_ ? helo_batch_->wait_until(deadline_) : kNoAnswers;
  std::vector<dns::Answer> all;
  all.reserve(helo_from_.size());
  for (const auto& from : helo_from_) {
    const auto& set = from.from_connect ? connect_answers : own;
    all.push_back(from.index < set.size() ? set[from.index]
                                          : dns::Answer::failure(dns::Status::Timeout, "no answer within the transaction deadline"));
  }
  return all;
}

// The resolver is not believed (it answers NXDOMAIN or an address for everything): what the
// client's names say, from the MTA's lookups or ours, is unknown, never evidence against it.
void Transaction::distrust_names(std::vector<dns::Answer>& helo_answers) {
  facts_.rdns = rdns::RdnsFacts{rdns::RdnsStatus::TempFail, ""};
  facts_.ptr_ttl.reset();
  helo_answers.clear();
}

const Verdict& Transaction::verdict() {
  if (!verdict_) {
    const auto asked = dns::Clock::now();
    const auto& answers = batch_ ? batch_->wait_until(deadline_) : kNoAnswers;
    std::vector<dns::Answer> helo = helo_answers(answers);
    if (own_ptr_at_) use_own_ptr(answers.at(*own_ptr_at_));
    if (health_ && !health_->resolver().sane) distrust_names(helo);
    static const dnsbl::HealthMap kNone;
    const auto health = health_ ? health_->snapshot() : nullptr;
    verdict_ = decide(config_, facts_, answers, health ? *health : kNone, helo, &planned_, &prepared_,
                      checked_ ? &asked_ : nullptr);
    decided_at_ = dns::Clock::now();
    waited_ = decided_at_ - asked;
  }
  return *verdict_;
}

double Transaction::elapsed_ms() const {
  const auto end = verdict_ ? decided_at_ : dns::Clock::now();
  return std::chrono::duration<double, std::milli>(end - started_).count();
}

double Transaction::waited_ms() const { return std::chrono::duration<double, std::milli>(waited_).count(); }

}  // namespace dyn::policy
