#include "util/rate_limit.hpp"

namespace dyn::util {

std::optional<std::uint64_t> RateLimit::allow(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto [it, fresh] = entries_.try_emplace(key, Entry{now, 0});
  if (fresh) return 0;
  Entry& e = it->second;
  if (now - e.last < interval_) {
    ++e.held;
    return std::nullopt;
  }
  const auto held = e.held;
  e = Entry{now, 0};
  return held;
}

}  // namespace dyn::util
