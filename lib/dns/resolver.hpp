// CachingResolver: the Querier the policy uses. Answers from the cache when it can; otherwise
// asks upstream (the UDP/TCP transport), with one wire query per (name, type) in flight however
// many connections wait for it (coalescing). Every answer fills the cache, including one that
// arrives after all of its waiters have given up.
#pragma once

#include "dns/cache.hpp"
#include "dns/querier.hpp"

#include <atomic>
#include <chrono>
#include <memory>

namespace dyn::dns {

class CachingResolver final : public Querier {
 public:
  // `upstream` must outlive this object. An upstream query lives `query_lifetime` from its
  // start, independent of the deadlines of the callers that wait for it. `now` is the cache's
  // clock (expiry in whole seconds: the coarse clock, no TSC read, unless a test gives its own).
  CachingResolver(Querier& upstream, CacheOptions cache_options, std::chrono::milliseconds query_lifetime,
                  Cache::Now now = &Cache::coarse_now);
  ~CachingResolver() override;

  void async_query(const Question& question, Deadline deadline, Callback done) override;
  std::optional<Answer> answer_now(const Question& question) override;  // the cache's answer
  // The cache's answers, their index slots loaded together before any is read.
  void answer_known(std::span<const Question> questions, std::span<Answer> answers,
                    std::span<std::uint8_t> known) override;

  struct Stats {
    std::uint64_t cache_hits = 0;
    std::uint64_t coalesced = 0;  // callers that joined a query already in flight
    std::uint64_t upstream = 0;   // queries handed to the transport
    std::size_t in_flight = 0;
    Cache::Stats cache;
  };
  Stats stats() const;

  // A reload changed the cache settings: from now on a new, empty cache with these options.
  // Answers still in flight go to the new cache.
  void replace_cache(CacheOptions cache_options);
  // dynmilter-ctl flush: a new, empty cache with the same options; or one question's answer forgotten.
  void flush();
  bool forget(const Question& question);
  // A reload changed dns-timeout: upstream queries started from now on live this long.
  void set_query_lifetime(std::chrono::milliseconds query_lifetime);

 private:
  struct Core;
  Querier& upstream_;
  std::atomic<std::chrono::milliseconds::rep> query_lifetime_ms_;
  std::shared_ptr<Core> core_;  // shared with callbacks still pending in the transport
};

}  // namespace dyn::dns
