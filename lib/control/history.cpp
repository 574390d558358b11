#include "control/history.hpp"

namespace dyn::control {

void History::add(Record record) {
  if (capacity_ == 0) return;
  std::lock_guard lock(mutex_);
  if (ring_.size() < capacity_) {
    ring_.push_back(std::move(record));
    return;
  }
  ring_[next_] = std::move(record);  // the oldest goes; its vectors' memory goes with it
  next_ = (next_ + 1) % capacity_;
}

// Calls fn(record) from the newest to the oldest until it returns false.
template <class F>
static void newest_first(const std::vector<Record>& ring, std::size_t next, F&& fn) {
  const std::size_t n = ring.size();
  for (std::size_t k = 0; k < n; ++k)
    if (!fn(ring[(next + n - 1 - k) % n])) return;
}

std::optional<Record> History::by_id(std::string_view id) const {
  if (id.empty()) return std::nullopt;
  std::lock_guard lock(mutex_);
  std::optional<Record> out;
  newest_first(ring_, ring_.size() < capacity_ ? 0 : next_, [&](const Record& r) {
    if (r.facts.id != id) return true;
    out = r;
    return false;
  });
  return out;
}

std::vector<Record> History::by_client(const net::IpAddress& client, std::size_t n) const {
  std::vector<Record> out;
  std::lock_guard lock(mutex_);
  newest_first(ring_, ring_.size() < capacity_ ? 0 : next_, [&](const Record& r) {
    if (r.facts.ip == client) out.push_back(r);
    return out.size() < n;
  });
  return out;
}

std::size_t History::size() const {
  std::lock_guard lock(mutex_);
  return ring_.size();
}

}  // namespace dyn::control
