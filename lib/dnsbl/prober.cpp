#include "dnsbl/prober.hpp"

#include "dns/batch.hpp"
#include "util/log.hpp"

#include <pthread.h>

#include <algorithm>
#include <random>

namespace dyn::dnsbl {

namespace {

std::vector<std::string> zone_names(const std::vector<ZoneSpec>& zones) {
  std::vector<std::string> out;
  for (const auto& z : zones) out.push_back(z.zone);
  return out;
}

std::string nonce() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  for (int i = 0; i < 12; ++i) out += kAlphabet[rng() % (sizeof kAlphabet - 1)];
  return out;
}

}  // namespace

Prober::Prober(dns::Querier& querier, HealthBoard& board, std::vector<ZoneSpec> zones,
               std::chrono::milliseconds timeout, bool check_resolver)
    : querier_(querier), board_(board), timeout_(timeout), check_resolver_(check_resolver), zones_(std::move(zones)) {
  board_.track(zone_names(zones_));
  if (check_resolver_) {
    board_.set_on_suspect([this] { probe_soon(); });
    board_.set_checker(&querier_, timeout_);  // uncached, as the probes are
  }
}

Prober::~Prober() {
  if (check_resolver_) {
    board_.set_on_suspect(nullptr);
    board_.set_checker(nullptr, timeout_);
  }
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

HealthMap Prober::probe_once() {
  std::vector<ZoneSpec> zones;
  {
    std::lock_guard lock(mutex_);
    zones = zones_;
  }
  return probe(zones, check_resolver_, "");
}

HealthMap Prober::probe(const std::vector<ZoneSpec>& zones, bool with_resolver, std::string_view context) {
  std::vector<dns::Question> questions;
  const auto reserved = reserved_probe_address();  // new each probe: no cache, no list can guess it
  const std::string reserved_text = reserved.to_string();
  for (const auto& z : zones)
    for (auto& q : probe_questions(z.zone, reserved)) questions.push_back(std::move(q));
  const std::size_t list_questions = questions.size();
  if (with_resolver)
    for (auto& q : dns::sanity_questions(nonce())) questions.push_back(std::move(q));
  const auto deadline = dns::Clock::now() + timeout_;
  const auto answers = dns::Batch::start(querier_, questions, deadline)->wait_until(deadline);
  for (std::size_t i = 0; i < zones.size(); ++i) {
    const auto verdict = judge_probe(answers[3 * i], answers[3 * i + 1], answers[3 * i + 2], reserved_text);
    const std::string shown = zones[i].safe_name();
    if (!verdict) {
      if (board_.state(zones[i].zone) == Health::Unprobed && first_failure(zones[i].zone))
        log::warning("dnsbl {}{}: probe lookups failed; the list counts for nothing until a probe finds it healthy",
                     shown, context);
      else
        log::debug("dnsbl {}: probe lookups failed; keeping its previous state", shown);
      continue;
    }
    if (board_.update(zones[i].zone, *verdict)) {
      if (verdict->state == Health::Broken)
        log::warning("dnsbl {}{} is BROKEN and will be ignored: {}", shown, context, verdict->reason);
      else if (verdict->state == Health::Degraded)
        log::warning("dnsbl {}{} is DEGRADED (its listings still count): {}", shown, context, verdict->reason);
      else
        log::notice("dnsbl {}{} is healthy", shown, context);
    }
  }
  if (with_resolver) {
    if (const auto v = dns::judge_sanity(answers[list_questions], answers[list_questions + 1])) {
      if (board_.update_resolver(*v)) {
        if (v->sane)
          log::notice("the DNS resolver answers sanely again: reverse-DNS and HELO evidence count again");
        else
          log::warning(
              "the DNS resolver is NOT believed ({}): reverse-DNS and HELO evidence count as unknown "
              "until it recovers",
              v->reason);
      }
    }
  }
  return *board_.snapshot();
}

void Prober::reconfigure(std::vector<ZoneSpec> zones) {
  const auto added = board_.track(zone_names(zones));
  std::vector<ZoneSpec> fresh;
  for (const auto& z : zones)
    if (std::find(added.begin(), added.end(), z.zone) != added.end()) fresh.push_back(z);
  {
    std::lock_guard lock(mutex_);
    zones_ = std::move(zones);
  }
  if (!fresh.empty()) probe(fresh, false, " (new in this configuration)");
}

bool Prober::first_failure(const std::string& zone) {
  std::lock_guard lock(mutex_);
  return warned_.insert(zone).second;
}

bool Prober::needs_retry() const {
  if (check_resolver_ && !board_.resolver().sane) return true;
  const auto health = board_.snapshot();  // held: a range-for would drop the temporary at once
  for (const auto& [zone, h] : *health)
    if (h.state == Health::Unprobed) return true;
  return false;
}

void Prober::probe_soon() {
  {
    std::lock_guard lock(mutex_);
    soon_ = true;
  }
  cv_.notify_all();
}

bool Prober::wait_for_first_probe(std::chrono::milliseconds bound) {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, bound, [this] { return first_done_ || stopping_; }) && first_done_;
}

void Prober::start(std::chrono::milliseconds interval) {
  thread_ = std::thread([this, interval] {
    ::pthread_setname_np(::pthread_self(), "dyn-probe");
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      soon_ = false;
      lock.unlock();
      probe_once();
      lock.lock();
      if (!first_done_) {
        first_done_ = true;
        cv_.notify_all();
      }
      lock.unlock();
      auto wait = interval;
      if (needs_retry())
        wait = interval.count() > 0 ? std::min<std::chrono::milliseconds>(interval, std::chrono::seconds(10))
                                    : std::chrono::milliseconds(std::chrono::seconds(10));
      lock.lock();
      if (wait.count() <= 0) {  // probe at start only: still wake for probe_soon()
        cv_.wait(lock, [this] { return stopping_ || soon_; });
      } else {
        cv_.wait_for(lock, wait, [this] { return stopping_ || soon_; });
      }
    }
  });
}

}  // namespace dyn::dnsbl
