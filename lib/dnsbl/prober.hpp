// Prober: probes every configured list at start and then every `interval`, on its own thread,
// through the transport directly (not the cache, so a list's recovery is seen at the next
// probe), and records the verdicts on the HealthBoard. State changes are logged loudly.
#pragma once

#include "dns/querier.hpp"
#include "dnsbl/health.hpp"
#include "dnsbl/zone_spec.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace dyn::dnsbl {

class Prober {
 public:
  // The board is keyed by each spec's full zone; logs show only safe names (no access keys).
  Prober(dns::Querier& querier, HealthBoard& board, std::vector<ZoneSpec> zones, std::chrono::milliseconds timeout);
  ~Prober();  // stops the thread

  // Probes every zone once, waiting at most `timeout`; returns the board afterwards.
  HealthMap probe_once();
  // Runs probe_once() now and then every `interval` (once only if it is zero) until destroyed.
  void start(std::chrono::milliseconds interval);

 private:
  dns::Querier& querier_;
  HealthBoard& board_;
  const std::vector<ZoneSpec> zones_;
  const std::chrono::milliseconds timeout_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace dyn::dnsbl
