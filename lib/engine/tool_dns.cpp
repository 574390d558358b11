#include "engine/tool_dns.hpp"

#include "dnsbl/prober.hpp"

namespace dyn::engine {

ToolDns::ToolDns(const config::Config& config)
    : transport_(dns::TransportOptions{config.dns_servers, std::chrono::milliseconds(1000)}),
      zones_(config.local_zones, {config.local_zone_max_bytes.value, config.local_zone_max_shrink}, transport_) {
  // The daemon probes before it serves: a list counts only once found healthy, and names count
  // only while the resolver is believed.
  dnsbl::Prober(zones_.querier(), board_, config.dnsbls, config.dns_timeout.value, config.resolver_check).probe_once();
}

}  // namespace dyn::engine
