// Cache: DNS answers keyed by (name, type), kept for their TTL (negative answers for the SOA
// minimum, RFC 2308), clamped to [min_ttl, max_ttl]; failures for error_ttl only. Bounded, with
// second-chance (CLOCK) eviction, close to least-recently-used but without relinking a list on
// every hit; sharded so that milter threads rarely wait on one another. Thread-safe. The clock is
// injected so tests move time without sleeping.
//
// Memory: one exact-size blob per entry (expiry, name, type, status and records, A/AAAA in
// binary), an 8-byte frame on the clock and an 8-byte slot in a half-full index
// (bench/cache_bench measures it at 1 million entries). A hit reads the index slot and the blob.
#pragma once

#include "dns/types.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace dyn::dns {

struct CacheOptions {
  std::size_t capacity = 100'000;  // entries, across all shards
  std::chrono::seconds min_ttl{60};
  std::chrono::seconds max_ttl{3600};
  std::chrono::seconds error_ttl{5};  // timeouts, SERVFAIL, REFUSED, malformed replies
  std::size_t shards = 16;            // a power of two
};

class Cache {
 public:
  using Now = std::function<Clock::time_point()>;

  // The default clock is the coarse monotonic clock (ms resolution, a few ns per read).
  static Clock::time_point coarse_now();
  explicit Cache(CacheOptions options, Now now = &Cache::coarse_now);
  ~Cache();
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  // The stored answer while it is fresh. Records carry the TTL the server gave, not a
  // decremented one (the rDNS checks judge a record by its own TTL).
  std::optional<Answer> get(const Question& question);
  void put(const Question& question, const Answer& answer);
  bool erase(const Question& question);  // true when an answer was held
  const CacheOptions& options() const { return options_; }
  // Starts loading the index slot where get(question) will look (no lock, nothing changes), and
  // returns the question's hash, which get(question, hash) then need not compute again.
  std::uint64_t prefetch(const Question& question) const;
  std::optional<Answer> get(const Question& question, std::uint64_t hash);  // hash: prefetch(question)'s

  struct Stats {
    std::uint64_t hits = 0, misses = 0, insertions = 0, evictions = 0, expired = 0;
    std::size_t size = 0;
  };
  Stats stats() const;

  // How long an answer is kept, by the rules above (exposed for tests and logs).
  std::chrono::seconds lifetime(const Answer& answer) const;

 private:
  struct Shard;
  std::optional<Answer> find(const std::uint8_t* key, std::size_t klen, std::uint64_t hash);  // both get()s
  CacheOptions options_;
  Now now_;
  Clock::time_point epoch_;
  std::vector<std::unique_ptr<Shard>> shards_;
  void* arena_ = nullptr;  // every shard's index and clock (see huge_alloc in cache.cpp)
  std::size_t arena_bytes_ = 0;
};

}  // namespace dyn::dns
