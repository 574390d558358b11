#include "control/history.hpp"

namespace dyn::control {

void History::add(Record record) {
  if (capacity_ == 0) return;
  std::lock_guard lock(mutex_);
  if (records_.size() >= capacity_) records_.pop_front();
  records_.push_back(std::move(record));
}

std::optional<Record> History::by_id(std::string_view id) const {
  if (id.empty()) return std::nullopt;
  std::lock_guard lock(mutex_);
  for (auto it = records_.rbegin(); it != records_.rend(); ++it)
    if (it->facts.id == id) return *it;
  return std::nullopt;
}

std::vector<Record> History::by_client(const net::IpAddress& client, std::size_t n) const {
  std::vector<Record> out;
  std::lock_guard lock(mutex_);
  for (auto it = records_.rbegin(); it != records_.rend() && out.size() < n; ++it)
    if (it->facts.ip == client) out.push_back(*it);
  return out;
}

std::size_t History::size() const {
  std::lock_guard lock(mutex_);
  return records_.size();
}

}  // namespace dyn::control
