// List health (RFC 5782 section 5): 127.0.0.2 must be listed and 127.0.0.1 must not. A list
// that lists 127.0.0.1 answers "listed" for everything; one that answers error codes or
// addresses outside 127/8 is refusing us or gone. Either is marked broken: its answers are
// ignored until a later probe finds it healthy again.
#pragma once

#include "dns/types.hpp"

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace dyn::dnsbl {

enum class Health { Unprobed, Healthy, Broken };
std::string_view to_string(Health health);

struct ZoneHealth {
  Health state = Health::Unprobed;
  std::string reason;  // why broken; for a healthy list, a warning if any (e.g. no 127.0.0.2)
  bool operator==(const ZoneHealth&) const = default;
};

using HealthMap = std::map<std::string, ZoneHealth>;  // zone -> health

// The two probe questions: the test point 127.0.0.2 (first) and 127.0.0.1 (second).
std::vector<dns::Question> probe_questions(const std::string& zone);

// Judges a zone from the answers to probe_questions(). nullopt when a probe lookup failed
// (timeout, SERVFAIL): that says nothing about the list, so its previous state stands.
std::optional<ZoneHealth> judge_probe(const dns::Answer& test_point, const dns::Answer& must_not_list);

// The daemon's current view, shared by the prober (writer) and every connection (readers).
class HealthBoard {
 public:
  // Returns true when the zone's state changed.
  bool update(const std::string& zone, const ZoneHealth& health);
  HealthMap snapshot() const;

 private:
  mutable std::mutex mutex_;
  HealthMap zones_;
};

}  // namespace dyn::dnsbl
