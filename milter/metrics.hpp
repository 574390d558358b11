// Metrics: Prometheus text exposition over HTTP (prometheus-cpp's pull Exposer), off unless
// --metrics names an address. The only file that includes prometheus-cpp. Counters are bumped
// by the callbacks; the DNS cache and list health are read when Prometheus scrapes.
#pragma once

#include "dns/resolver.hpp"
#include "dnsbl/health.hpp"
#include "dnsbl/zone_spec.hpp"
#include "localzone/keeper.hpp"
#include "policy/policy.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dyn::milter {

class Metrics {
 public:
  // Listens on ADDR:PORT ("127.0.0.1:9394", "[::1]:9394"); throws StartError(1) if it cannot.
  explicit Metrics(const std::string& address);
  ~Metrics();

  // From now on scrapes also read these (which must outlive this object).
  void watch(const dns::CachingResolver& resolver, const dnsbl::HealthBoard& health);
  void watch(const localzone::Keeper& local);

  // The configured lists' counters start at 0 (so that rate() and dashboards see them before the
  // first hit); called at start and after each reload.
  void lists(const std::vector<dnsbl::ZoneSpec>& lists);

  void connection();
  void exempt_recipient(std::string_view why);  // "role", "bypass", "auth"
  void verdict(const policy::Verdict& verdict, double elapsed_ms);
  void reload(bool ok);
  void history_store(std::string_view result);  // a refusal to --history-redis: written, dropped, failed

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The action label is policy::disposition(). The reason label of a verdict: no-address, exempt-network, allowlisted, listed, rdns,
// dns-error or below-threshold.
std::string_view verdict_reason(const policy::Verdict& verdict);

}  // namespace dyn::milter
