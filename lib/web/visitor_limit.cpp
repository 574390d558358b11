#include "web/visitor_limit.hpp"

#include <algorithm>

namespace dyn::web {

std::string visitor_key(const net::IpAddress& visitor) {
  if (visitor.is_v4()) return visitor.to_string();
  auto bytes = visitor.bytes();
  std::fill(bytes.begin() + 8, bytes.end(), std::uint8_t{0});
  return net::IpAddress::v6(bytes).to_string() + "/64";
}

bool VisitorLimit::allow(const net::IpAddress& visitor, Clock::time_point now) {
  if (per_minute_ <= 0) return false;
  std::lock_guard lock(mutex_);
  if (buckets_.size() >= max_visitors_) buckets_.clear();
  const auto key = visitor_key(visitor);
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{static_cast<double>(per_minute_), now});
  Bucket& b = it->second;
  const double minutes = std::chrono::duration<double>(now - b.last).count() / 60.0;
  b.tokens = std::min<double>(per_minute_, b.tokens + minutes * per_minute_);
  b.last = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

}  // namespace dyn::web
