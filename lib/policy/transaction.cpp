#include "policy/transaction.hpp"

namespace dyn::policy {

Transaction::Transaction(std::shared_ptr<const config::Config> config, ClientFacts facts, dns::Querier& querier)
    : config_(std::move(config)),
      facts_(std::move(facts)),
      started_(dns::Clock::now()),
      deadline_(started_ + config_->dns_timeout.value) {
  auto questions = plan(*config_, facts_);
  if (!questions.empty()) batch_ = dns::Batch::start(querier, std::move(questions), deadline_);
}

const Verdict& Transaction::verdict() {
  if (!verdict_) {
    const auto asked = dns::Clock::now();
    std::vector<dns::Answer> answers;
    if (batch_) answers = batch_->wait_until(deadline_);
    verdict_ = decide(*config_, facts_, answers);
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
