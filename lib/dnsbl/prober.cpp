#include "dnsbl/prober.hpp"

#include "dns/batch.hpp"
#include "util/log.hpp"

namespace dyn::dnsbl {

Prober::Prober(dns::Querier& querier, HealthBoard& board, std::vector<ZoneSpec> zones,
               std::chrono::milliseconds timeout)
    : querier_(querier), board_(board), zones_(std::move(zones)), timeout_(timeout) {}

Prober::~Prober() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

HealthMap Prober::probe_once() {
  std::vector<dns::Question> questions;
  for (const auto& z : zones_)
    for (auto& q : probe_questions(z.zone)) questions.push_back(std::move(q));
  const auto deadline = dns::Clock::now() + timeout_;
  const auto answers = dns::Batch::start(querier_, questions, deadline)->wait_until(deadline);
  for (std::size_t i = 0; i < zones_.size(); ++i) {
    const auto verdict = judge_probe(answers[2 * i], answers[2 * i + 1]);
    const std::string shown = zones_[i].safe_name();
    if (!verdict) {
      log::debug("dnsbl {}: probe lookups failed; keeping its previous state", shown);
      continue;
    }
    if (board_.update(zones_[i].zone, *verdict)) {
      if (verdict->state == Health::Broken)
        log::warning("dnsbl {} is BROKEN and will be ignored: {}", shown, verdict->reason);
      else
        log::notice("dnsbl {} is healthy{}{}", shown, verdict->reason.empty() ? "" : "; warning: ", verdict->reason);
    }
  }
  return board_.snapshot();
}

void Prober::start(std::chrono::milliseconds interval) {
  thread_ = std::thread([this, interval] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      probe_once();
      lock.lock();
      if (interval.count() <= 0) break;  // probe at start only
      cv_.wait_for(lock, interval, [this] { return stopping_; });
    }
  });
}

}  // namespace dyn::dnsbl
