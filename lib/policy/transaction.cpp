#include "policy/transaction.hpp"

namespace dyn::policy {

Transaction::Transaction(std::shared_ptr<const config::Config> config, ClientFacts facts, dns::Querier& querier,
                         const dnsbl::HealthBoard* health)
    : config_(std::move(config)),
      facts_(std::move(facts)),
      started_(dns::Clock::now()),
      deadline_(started_ + config_->dns_timeout.value),
      health_(health) {
  auto questions = plan(*config_, facts_);
  if (questions.empty()) return;
  auto list_deadline = deadline_;
  if (config_->dnsbl_timeout.value.count() > 0) list_deadline = std::min(deadline_, started_ + config_->dnsbl_timeout.value);
  const std::vector<dns::Deadline> deadlines(questions.size(), list_deadline);
  batch_ = dns::Batch::start(querier, std::move(questions), deadlines);
}

void Transaction::helo(std::string_view name, dns::Querier& querier) {
  if (verdict_) return;
  facts_.helo = std::string(name.substr(0, 255));
  helo_batch_.reset();
  if (!facts_.ip || plan(*config_, facts_).empty()) return;  // exempt or address-less: nothing to ask
  auto questions = plan_helo(*config_, facts_.helo);
  if (!questions.empty()) helo_batch_ = dns::Batch::start(querier, std::move(questions), deadline_);
}

const Verdict& Transaction::verdict() {
  if (!verdict_) {
    const auto asked = dns::Clock::now();
    std::vector<dns::Answer> answers, helo_answers;
    if (batch_) answers = batch_->wait_until(deadline_);
    if (helo_batch_) helo_answers = helo_batch_->wait_until(deadline_);
    verdict_ = decide(*config_, facts_, answers, health_ ? health_->snapshot() : dnsbl::HealthMap{}, helo_answers);
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
