// List health (RFC 5782 section 5): 127.0.0.2 must be listed and 127.0.0.1 must not. A list
// that lists 127.0.0.1 answers "listed" for everything; one that answers error codes or
// addresses outside 127/8 is refusing us or gone. Either is marked broken: its answers are
// ignored until a later probe finds it healthy again. A list that does not list 127.0.0.2 is
// degraded: not healthy (a wrong zone name, a list that is gone, a resolver that answers NXDOMAIN
// to everything), though its listings, if any, still count.
#pragma once

#include "dns/batch.hpp"
#include "dns/querier.hpp"
#include "dns/sanity.hpp"
#include "dnsbl/listing_rate.hpp"
#include "dns/types.hpp"
#include "net/ip_address.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace dyn::dnsbl {

enum class Health { Unprobed, Healthy, Degraded, Broken };
// Its answers count: healthy, or degraded (listings still count, with a warning).
inline bool counts(Health h) { return h == Health::Healthy || h == Health::Degraded; }
std::string_view to_string(Health health);

struct ZoneHealth {
  ZoneHealth() = default;
  ZoneHealth(Health s, std::string why = {}) : state(s), reason(std::move(why)) {}  // NOLINT: a state is a health
  Health state = Health::Unprobed;
  std::string reason;  // why broken or degraded
  // The listing-rate guard (listing_rate.hpp): the list lists a far larger share of clients than
  // it did; refusals that rest on it are deferred instead. Kept across probes.
  bool surging = false;
  std::string surge;  // the shares, in words
  bool operator==(const ZoneHealth&) const = default;
};

using HealthMap = std::map<std::string, ZoneHealth>;  // zone -> health

// The probe questions: the test point 127.0.0.2 (first), 127.0.0.1 (second), and `reserved`, an
// address no real list can list (drawn per probe from 240.0.0.0/4, reserved space that no host
// sends from): a list that lists everything but 127.0.0.1 (a wildcarded re-registered domain, a
// corrupted mirror) is caught by it.
std::vector<dns::Question> probe_questions(const std::string& zone, const net::IpAddress& reserved);
// A new address in 240.0.0.0/4 for each probe.
net::IpAddress reserved_probe_address();

// Judges a zone from the answers to probe_questions(). nullopt when a probe lookup of the test
// points failed (timeout, SERVFAIL): that says nothing about the list, so its previous state
// stands. A failed lookup of the reserved address is no verdict on it either.
std::optional<ZoneHealth> judge_probe(const dns::Answer& test_point, const dns::Answer& must_not_list,
                                      const dns::Answer& reserved = dns::Answer::failure(dns::Status::Timeout,
                                                                                         "not asked"),
                                      std::string_view reserved_address = {});

// The daemon's current view of its DNS sources, shared by the prober (writer) and every
// connection (readers): each list's health and whether the resolver can be believed.
class HealthBoard {
 public:
  // The lists of a configuration (at start, and at each reload): a list new to the board starts
  // Unprobed, which counts for nothing until a probe finds it healthy; lists no longer
  // configured are dropped. Returns the zones that are new.
  std::vector<std::string> track(const std::vector<std::string>& zones);
  // Returns true when the zone's state changed. A zone the board does not track is ignored
  // (a probe that ends after a reload removed its list).
  bool update(const std::string& zone, const ZoneHealth& health);
  // The current map, shared: a reader holds it as long as it likes; a writer replaces it
  // (copy on write, only when a probe or a reload changes something), so readers never copy it.
  std::shared_ptr<const HealthMap> snapshot() const;
  Health state(const std::string& zone) const;  // Unprobed for a zone it does not track

  // One client's answer from a list (listed or not listed; unknown answers are not noted): the
  // listing-rate guard. A change of its state is logged (a warning when it begins) and shows in
  // the map (ZoneHealth::surging) and in the metrics.
  void note_listing(const std::string& zone, const net::IpAddress& client, bool listed) const;

  // Returns true when the resolver's state changed.
  bool update_resolver(const dns::ResolverVerdict& verdict);
  dns::ResolverVerdict resolver() const;

  // The outcome of one of the daemon's own name lookups (PTR, forward confirmation). When nearly
  // all recent ones failed, `on_suspect` (set by the prober) is called to probe the resolver now:
  // at most once every 10 seconds.
  void note_lookup(dns::Status status) const;
  void set_on_suspect(std::function<void()> hook);

  // Freshness of "it does not exist". A resolver that turns into a liar mid-run (NXDOMAIN for
  // everything) would make every client "no PTR" until the next probe; so a connection about to
  // count such an answer (no PTR, a PTR that does not resolve back) first asks freshness_check().
  // nullptr: believe it now (a check answered sanely within kFreshFor, and fewer than
  // kNegativesPerCheck negative answers have leaned on it since; or no checker is set). Else a
  // batch of the two sanity questions asked through `checker` (uncached: a cache would answer
  // for a resolver that has since begun to lie), shared by every connection that asks meanwhile;
  // take_check() then says whether to believe the answer. Set by the prober (--resolver-check).
  void set_checker(dns::Querier* checker, std::chrono::milliseconds timeout);
  std::shared_ptr<dns::Batch> freshness_check() const;
  // The check's answers (waiting for them until `deadline`): true when the negative answer may be
  // believed. A check that proves the resolver wrong marks it not believed (logged, as a probe
  // would); one that proves nothing (both questions failed) leaves the resolver's state as it is.
  bool take_check(const std::shared_ptr<dns::Batch>& check, dns::Deadline deadline) const;
  static constexpr std::chrono::milliseconds kFreshFor{500};
  static constexpr int kNegativesPerCheck = 2;

 private:
  mutable std::mutex mutex_;
  mutable std::shared_ptr<const HealthMap> zones_ = std::make_shared<const HealthMap>();  // the guard writes it too
  mutable dns::ResolverVerdict resolver_;  // mutable: a connection's freshness check may condemn it
  mutable dns::FailureWindow window_;      // bookkeeping of what readers saw, under mutex_
  static constexpr std::chrono::seconds kSuspectPause{10};
  mutable std::chrono::steady_clock::time_point last_suspect_{};
  std::function<void()> on_suspect_;
  // Freshness checks, under mutex_ (mutable: connections see the board as const).
  dns::Querier* checker_ = nullptr;
  std::chrono::milliseconds check_timeout_{0};
  mutable std::shared_ptr<dns::Batch> check_;                   // in flight, shared
  mutable std::chrono::steady_clock::time_point checked_at_{};  // when the last sane check was asked
  mutable bool checked_sane_ = false;
  mutable int leaned_ = 0;          // negative answers believed on the last check
  mutable std::mutex rates_mutex_;  // the guard's bookkeeping (taken before mutex_, never inside it)
  mutable std::map<std::string, ListingRate> rates_;
};

}  // namespace dyn::dnsbl
