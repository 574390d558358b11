#include "dnsbl/listing_rate.hpp"

#include <fmt/format.h>

namespace dyn::dnsbl {

std::optional<bool> ListingRate::note(const net::IpAddress& client, bool listed) {
  if (!known_.insert(client).second) return std::nullopt;
  recent_.push_back({client, listed});
  recent_listed_ += listed;
  if (recent_.size() > s_.window) {
    const Seen old = recent_.front();
    recent_.pop_front();
    recent_listed_ -= old.listed;
    if (surging_) {
      known_.erase(old.ip);  // a surge's clients never become the baseline it is judged against
    } else {
      baseline_.push_back(old);
      baseline_listed_ += old.listed;
      if (baseline_.size() > s_.baseline) {
        const Seen gone = baseline_.front();
        baseline_.pop_front();
        baseline_listed_ -= gone.listed;
        known_.erase(gone.ip);
      }
    }
  }
  if (!surging_ && recent_.size() >= s_.window && baseline_.size() >= s_.window && recent_share() > s_.surge &&
      baseline_share() < s_.normal) {
    surging_ = true;
    return true;
  }
  if (surging_ && recent_share() < s_.recover) {
    surging_ = false;
    return false;
  }
  return std::nullopt;
}

double ListingRate::recent_share() const {
  return recent_.empty() ? 0.0 : static_cast<double>(recent_listed_) / static_cast<double>(recent_.size());
}

double ListingRate::baseline_share() const {
  return baseline_.empty() ? 0.0 : static_cast<double>(baseline_listed_) / static_cast<double>(baseline_.size());
}

std::string ListingRate::describe() const {
  return fmt::format("lists {:.0f}% of the last {} clients, {:.0f}% of the {} before", 100 * recent_share(),
                     recent_.size(), 100 * baseline_share(), baseline_.size());
}

}  // namespace dyn::dnsbl
