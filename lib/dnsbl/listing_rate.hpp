// The listing-rate guard. A list can go bad in ways its probes do not see: a re-registered list
// domain wildcarded to list nearly everything, a mirror serving a corrupted file. Then it lists
// a far larger share of the clients than it ever did. ListingRate keeps, for one list, the last
// `window` distinct clients it answered for (listed or not) and the `baseline` distinct clients
// before them; when the recent share listed exceeds `surge` while the baseline's stayed under
// `normal`, the list is surging: the daemon defers (never refuses) the clients whose refusal
// rests on it, until the recent share falls back under `recover`. A list whose usual share is
// already high (a botnet wave against a PBL that lists most of what connects) never trips it.
#pragma once

#include "net/ip_address.hpp"

#include <cstddef>
#include <deque>
#include <optional>
#include <set>
#include <string>

namespace dyn::dnsbl {

class ListingRate {
 public:
  struct Settings {
    std::size_t window = 200;     // recent distinct clients
    std::size_t baseline = 1000;  // distinct clients before them (at least `window` needed to judge)
    double surge = 0.9;           // recent share listed that trips the guard ...
    double normal = 0.5;          // ... when the baseline's share was under this
    double recover = 0.7;         // recent share under which it ends
  };
  ListingRate() : ListingRate(Settings{}) {}
  explicit ListingRate(Settings settings) : s_(settings) {}

  // One client's answer from this list. A client already among the recent or baseline ones
  // counts once (a client that retries is one client). Returns true when the list began
  // surging with this answer, false when it stopped, nullopt when nothing changed.
  std::optional<bool> note(const net::IpAddress& client, bool listed);

  bool surging() const { return surging_; }
  double recent_share() const;    // of the recent clients, 0 when none
  double baseline_share() const;  // of the baseline clients, 0 when none
  std::string describe() const;   // "lists 97% of the last 200 clients, 12% of the 1000 before"

 private:
  struct Seen {
    net::IpAddress ip;
    bool listed;
  };
  Settings s_;
  std::deque<Seen> recent_, baseline_;  // newest at the back
  std::size_t recent_listed_ = 0, baseline_listed_ = 0;
  std::set<net::IpAddress> known_;  // every client in recent_ and baseline_
  bool surging_ = false;
};

}  // namespace dyn::dnsbl
