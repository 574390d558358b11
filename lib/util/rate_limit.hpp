// RateLimit: at most one message per key per interval, counting what it held back, so a list
// that fails for every connection warns once every few minutes instead of flooding the log.
// Thread-safe; time is passed in, so tests need no clock.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace dyn::util {

class RateLimit {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimit(Clock::duration interval) : interval_(interval) {}

  // nullopt: stay quiet. Otherwise, log now; the value is how many were held back since the
  // last message for this key.
  std::optional<std::uint64_t> allow(const std::string& key, Clock::time_point now);

 private:
  struct Entry {
    Clock::time_point last;
    std::uint64_t held = 0;
  };
  Clock::duration interval_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace dyn::util
