// How many readiness checks one visitor may run: a token bucket per address (IPv6 by its /64, as
// one line holds a whole /64), `per_minute` a minute with a burst of as many. Bounded memory: past
// `max_visitors` addresses the table is cleared (a flood of addresses resets it, it never grows).
// Thread-safe; time is passed in.
#pragma once

#include "net/ip_address.hpp"

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace dyn::web {

class VisitorLimit {
 public:
  using Clock = std::chrono::steady_clock;
  explicit VisitorLimit(int per_minute, std::size_t max_visitors = 100000)
      : per_minute_(per_minute), max_visitors_(max_visitors) {}
  bool allow(const net::IpAddress& visitor, Clock::time_point now);

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point last;
  };
  const int per_minute_;
  const std::size_t max_visitors_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

// The key a visitor is counted under: the address, or its /64 for IPv6.
std::string visitor_key(const net::IpAddress& visitor);

}  // namespace dyn::web
