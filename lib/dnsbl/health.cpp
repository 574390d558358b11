#include "dnsbl/health.hpp"

#include "dnsbl/outcome.hpp"
#include "dnsbl/zone_spec.hpp"
#include "net/reverse.hpp"
#include "util/log.hpp"
#include "util/random.hpp"

namespace dyn::dnsbl {

std::string_view to_string(Health health) {
  switch (health) {
    case Health::Unprobed: return "unprobed";
    case Health::Healthy: return "healthy";
    case Health::Degraded: return "degraded";
    case Health::Broken: return "broken";
  }
  return "?";
}

std::vector<dns::Question> probe_questions(const std::string& zone, const net::IpAddress& reserved) {
  return {dns::Question{net::dnsbl_query_name(net::IpAddress::v4(127, 0, 0, 2), zone), dns::RrType::A},
          dns::Question{net::dnsbl_query_name(net::IpAddress::v4(127, 0, 0, 1), zone), dns::RrType::A},
          dns::Question{net::dnsbl_query_name(reserved, zone), dns::RrType::A}};
}

net::IpAddress reserved_probe_address() {
  unsigned char b[4];
  util::random_bytes(b, sizeof b);
  return net::IpAddress::v4(static_cast<std::uint8_t>(240 | (b[0] & 0x0f)), b[1], b[2],
                            static_cast<std::uint8_t>(b[3] | 1));
}

std::optional<ZoneHealth> judge_probe(const dns::Answer& test_point, const dns::Answer& must_not_list,
                                      const dns::Answer& reserved, std::string_view reserved_address) {
  ZoneSpec any;  // no filter: every 127/8 code counts, error codes and non-127 answers are Unknown
  any.zone = "probe.invalid";
  const Outcome t = interpret(any, test_point);
  const Outcome u = interpret(any, must_not_list);
  if (t.transient || u.transient) return std::nullopt;
  if (u.listing == Listing::Unknown) return ZoneHealth{Health::Broken, "probe 127.0.0.1: " + u.reason};
  if (t.listing == Listing::Unknown) return ZoneHealth{Health::Broken, "probe 127.0.0.2: " + t.reason};
  if (u.listing == Listing::Listed)
    return ZoneHealth{Health::Broken, "lists 127.0.0.1, so it answers 'listed' for every address"};
  if (interpret(any, reserved).listing == Listing::Listed)
    return ZoneHealth{Health::Broken,
                      "lists " + std::string(reserved_address) +
                          ", reserved space no list can list: it answers 'listed' for (nearly) everything"};
  if (t.listing == Listing::NotListed)
    return ZoneHealth{Health::Degraded,
                      "does not list the test point 127.0.0.2 (RFC 5782): wrong zone name, or the list is gone?"};
  return ZoneHealth{Health::Healthy, ""};
}

std::vector<std::string> HealthBoard::track(const std::vector<std::string>& zones) {
  std::lock_guard rates(rates_mutex_);
  std::erase_if(rates_, [&](const auto& r) { return std::find(zones.begin(), zones.end(), r.first) == zones.end(); });
  std::lock_guard lock(mutex_);
  std::vector<std::string> added;
  HealthMap next;
  for (const auto& z : zones) {
    if (auto it = zones_->find(z); it != zones_->end()) {
      next.insert(*it);
    } else if (next.emplace(z, ZoneHealth{}).second) {
      added.push_back(z);
    }
  }
  zones_ = std::make_shared<const HealthMap>(std::move(next));
  return added;
}

bool HealthBoard::update(const std::string& zone, const ZoneHealth& health) {
  std::lock_guard lock(mutex_);
  const auto it = zones_->find(zone);
  if (it == zones_->end()) return false;
  ZoneHealth merged = health;  // a probe says nothing about the listing rate: keep the guard's state
  merged.surging = it->second.surging;
  merged.surge = it->second.surge;
  if (it->second == merged) return false;
  const bool changed = it->second.state != merged.state;
  auto next = std::make_shared<HealthMap>(*zones_);
  (*next)[zone] = std::move(merged);
  zones_ = std::move(next);
  return changed;
}

Health HealthBoard::state(const std::string& zone) const {
  std::lock_guard lock(mutex_);
  const auto it = zones_->find(zone);
  return it == zones_->end() ? Health::Unprobed : it->second.state;
}

bool HealthBoard::update_resolver(const dns::ResolverVerdict& verdict) {
  std::lock_guard lock(mutex_);
  const bool changed = resolver_.sane != verdict.sane;
  resolver_ = verdict;
  return changed;
}

dns::ResolverVerdict HealthBoard::resolver() const {
  std::lock_guard lock(mutex_);
  return resolver_;
}

std::shared_ptr<const HealthMap> HealthBoard::snapshot() const {
  std::lock_guard lock(mutex_);
  return zones_;
}

}  // namespace dyn::dnsbl

namespace dyn::dnsbl {

void HealthBoard::note_lookup(dns::Status status) const {
  std::function<void()> hook;
  {
    std::lock_guard lock(mutex_);
    // At most one early probe per kSuspectPause: while the window stays failed (a wave of
    // clients without PTR records looks the same), every lookup would otherwise start one.
    const auto now = std::chrono::steady_clock::now();
    if (window_.record(status) && now - last_suspect_ >= kSuspectPause) {
      last_suspect_ = now;
      hook = on_suspect_;
    }
  }
  if (hook) hook();
}

void HealthBoard::set_on_suspect(std::function<void()> hook) {
  std::lock_guard lock(mutex_);
  on_suspect_ = std::move(hook);
}

void HealthBoard::note_listing(const std::string& zone, const net::IpAddress& client, bool listed) const {
  std::lock_guard rates(rates_mutex_);
  auto& rate = rates_[zone];
  const auto change = rate.note(client, listed);
  if (!change) return;
  const std::string words = rate.describe();
  {
    std::lock_guard lock(mutex_);
    const auto it = zones_->find(zone);
    if (it == zones_->end()) return;
    auto next = std::make_shared<HealthMap>(*zones_);
    (*next)[zone].surging = *change;
    (*next)[zone].surge = *change ? words : std::string();
    zones_ = std::move(next);
  }
  if (*change)
    log::warning(
        "dnsbl {} {}: far more than usual; clients whose refusal rests on it are deferred (4xx), not "
        "refused, until its rate falls back (a list gone bad, or a wave of listed clients: check the list)",
        safe_zone(zone), words);
  else
    log::notice("dnsbl {} {}: back to its usual rate, its listings refuse again", safe_zone(zone), words);
}

void HealthBoard::set_checker(dns::Querier* checker, std::chrono::milliseconds timeout) {
  std::lock_guard lock(mutex_);
  checker_ = checker;
  check_timeout_ = timeout;
  check_.reset();
  checked_sane_ = false;
}

std::shared_ptr<dns::Batch> HealthBoard::freshness_check() const {
  std::lock_guard lock(mutex_);
  if (!checker_) return nullptr;
  if (check_) return check_;  // one in flight: wait for it with the others
  const auto now = std::chrono::steady_clock::now();
  if (checked_sane_ && now - checked_at_ < kFreshFor && leaned_ < kNegativesPerCheck) {
    ++leaned_;
    return nullptr;
  }
  // A new label each time: no cache on the way can answer for the resolver as it is now.
  std::string nonce;
  unsigned char bytes[12];
  util::random_bytes(bytes, sizeof bytes);
  for (const unsigned char b : bytes) nonce += "abcdefghijklmnopqrstuvwxyz0123456789"[b % 36];
  check_ = dns::Batch::start(*checker_, dns::sanity_questions(nonce), now + check_timeout_);
  checked_at_ = now;
  return check_;
}

bool HealthBoard::take_check(const std::shared_ptr<dns::Batch>& check, dns::Deadline deadline) const {
  const auto& answers = check->wait_until(deadline);
  const bool complete = check->done();
  const auto verdict = complete ? dns::judge_sanity(answers[0], answers[1]) : std::nullopt;
  bool changed = false;
  std::string reason;
  bool believe = false;
  {
    std::lock_guard lock(mutex_);
    if (check_ == check && complete) {  // the first to see the answers records them
      check_.reset();
      checked_sane_ = verdict && verdict->sane;
      leaned_ = 0;
      if (verdict) {
        changed = resolver_.sane != verdict->sane;
        resolver_ = *verdict;
        reason = verdict->reason;
      }
    }
    ++leaned_;
    believe = verdict ? verdict->sane : resolver_.sane;  // no answer from the check: as it stood
  }
  if (changed && !believe)
    log::warning(
        "the DNS resolver is NOT believed ({}): found by a connection's freshness check; reverse-DNS and HELO "
        "evidence count as unknown until a probe finds it sane",
        reason);
  return believe;
}

}  // namespace dyn::dnsbl
