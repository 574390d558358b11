// Prober: probes every configured list at start and then every `interval`, on its own thread,
// through the transport directly (not the cache, so a list's recovery is seen at the next
// probe), and records the verdicts on the HealthBoard; with `check_resolver`, it also asks the
// resolver the two sanity questions (dns/sanity.hpp). State changes are logged loudly.
#pragma once

#include "dns/querier.hpp"
#include "dnsbl/health.hpp"
#include "dnsbl/zone_spec.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace dyn::dnsbl {

class Prober {
 public:
  // The board is keyed by each spec's full zone; logs show only safe names (no access keys).
  Prober(dns::Querier& querier, HealthBoard& board, std::vector<ZoneSpec> zones, std::chrono::milliseconds timeout,
         bool check_resolver = false);
  ~Prober();  // stops the thread

  // Probes every zone (and the resolver) once, waiting at most `timeout`; returns the board's lists.
  HealthMap probe_once();
  // A reload's list set: lists no longer configured leave the board; new ones are probed before
  // this returns (at most `timeout`), so that the new configuration starts with their verdicts.
  void reconfigure(std::vector<ZoneSpec> zones);
  // Runs probe_once() now and then every `interval` until destroyed. While a list is unprobed or
  // the resolver is not believed, it probes again within 10 s (also when `interval` is zero,
  // which otherwise means "at start only").
  void start(std::chrono::milliseconds interval);
  // Waits until start()'s first probe is done or `bound` has passed; true when it is done. The
  // daemon serves from its first second: it waits this long for the lists' first verdicts (on a
  // local resolver, milliseconds), then serves while a slow probe goes on (a list counts only
  // once found healthy; names only once the resolver is believed).
  bool wait_for_first_probe(std::chrono::milliseconds bound);
  // Asks the thread to probe now (the board's failure window found the resolver suspect).
  void probe_soon();

 private:
  HealthMap probe(const std::vector<ZoneSpec>& zones, bool with_resolver, std::string_view context);
  bool needs_retry() const;
  bool first_failure(const std::string& zone);  // true once per zone: its failed probes are warned about once

  dns::Querier& querier_;
  HealthBoard& board_;
  const std::chrono::milliseconds timeout_;
  const bool check_resolver_;
  mutable std::mutex mutex_;  // guards zones_, stopping_, soon_
  std::vector<ZoneSpec> zones_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool soon_ = false;
  bool first_done_ = false;
  std::set<std::string> warned_;
  std::thread thread_;
};

}  // namespace dyn::dnsbl
