#include "dns/resolver.hpp"

#include <boost/container/small_vector.hpp>

#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace dyn::dns {

struct CachingResolver::Core {
  Core(CacheOptions o, Cache::Now n) : now(std::move(n)), cache_(std::make_shared<Cache>(o, now)) {}
  Cache::Now now;
  // The cache, replaced whole by replace_cache(). A plain mutex around the pointer: libstdc++ 12's
  // std::atomic<std::shared_ptr> is a data race as far as TSan can tell.
  std::shared_ptr<Cache> cache() const {
    std::lock_guard lock(cache_mutex_);
    return cache_;
  }
  void replace_cache(std::shared_ptr<Cache> fresh) {
    std::lock_guard lock(cache_mutex_);
    cache_ = std::move(fresh);
  }
  mutable std::mutex cache_mutex_;
  std::shared_ptr<Cache> cache_;
  std::mutex mutex;  // guards in_flight
  std::unordered_map<std::string, std::vector<Querier::Callback>> in_flight;
  std::atomic<std::uint64_t> hits{0}, coalesced{0}, upstream{0};
};

namespace {
std::string flight_key(const Question& q) { return q.name + '/' + std::to_string(static_cast<unsigned>(q.type)); }
}  // namespace

CachingResolver::CachingResolver(Querier& upstream, CacheOptions cache_options,
                                 std::chrono::milliseconds query_lifetime, Cache::Now now)
    : upstream_(upstream),
      query_lifetime_ms_(query_lifetime.count()),
      core_(std::make_shared<Core>(cache_options, std::move(now))) {}

CachingResolver::~CachingResolver() = default;

namespace {
// Questions are usually canonical already (the policy builds them so): no copy then.
std::optional<Answer> cached(Cache& cache, const Question& q) {
  return is_canonical(q.name) ? cache.get(q) : cache.get(Question{canonical_name(q.name), q.type});
}
}  // namespace

std::optional<Answer> CachingResolver::answer_now(const Question& question) {
  auto hit = cached(*core_->cache(), question);
  if (hit) ++core_->hits;
  return hit;
}

void CachingResolver::answer_known(std::span<const Question> questions, std::span<Answer> answers,
                                   std::span<std::uint8_t> known) {
  const auto cache = core_->cache();  // one look at the current cache for all of them
  // Each canonical question's slot starts loading now; its hash is kept for the lookup below.
  boost::container::small_vector<std::optional<std::uint64_t>, 16> hashes(questions.size());
  for (std::size_t i = 0; i < questions.size(); ++i)
    if (!known[i] && is_canonical(questions[i].name)) hashes[i] = cache->prefetch(questions[i]);
  std::uint64_t hits = 0;
  fill_known(questions, answers, known, [&](const Question& q, std::size_t i) {
    auto hit = hashes[i] ? cache->get(q, *hashes[i]) : cached(*cache, q);
    hits += hit.has_value();
    return hit;
  });
  if (hits) core_->hits += hits;
}

void CachingResolver::async_query(const Question& question, Deadline, Callback done) {
  if (auto hit = answer_now(question)) {
    done(std::move(*hit));
    return;
  }
  const Question q{canonical_name(question.name), question.type};
  const std::string key = flight_key(q);
  {
    std::lock_guard lock(core_->mutex);
    auto [it, fresh] = core_->in_flight.try_emplace(key);
    it->second.push_back(std::move(done));
    if (!fresh) {
      ++core_->coalesced;
      return;
    }
  }
  ++core_->upstream;
  const std::chrono::milliseconds lifetime(query_lifetime_ms_.load());
  upstream_.async_query(q, Clock::now() + lifetime, [core = core_, q, key](Answer answer) {
    core->cache()->put(q, answer);
    std::vector<Querier::Callback> waiters;
    {
      std::lock_guard lock(core->mutex);
      auto it = core->in_flight.find(key);
      if (it != core->in_flight.end()) {
        waiters = std::move(it->second);
        core->in_flight.erase(it);
      }
    }
    for (auto& w : waiters) w(answer);
  });
}

CachingResolver::Stats CachingResolver::stats() const {
  Stats s;
  s.cache_hits = core_->hits;
  s.coalesced = core_->coalesced;
  s.upstream = core_->upstream;
  {
    std::lock_guard lock(core_->mutex);
    s.in_flight = core_->in_flight.size();
  }
  s.cache = core_->cache()->stats();
  return s;
}

void CachingResolver::replace_cache(CacheOptions cache_options) {
  core_->replace_cache(std::make_shared<Cache>(cache_options, core_->now));
}

void CachingResolver::flush() { replace_cache(core_->cache()->options()); }

bool CachingResolver::forget(const Question& question) { return core_->cache()->erase(question); }

void CachingResolver::set_query_lifetime(std::chrono::milliseconds query_lifetime) {
  query_lifetime_ms_.store(query_lifetime.count());
}

}  // namespace dyn::dns
