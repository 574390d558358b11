// What every tool sets up to judge clients as the daemon does, in one place: the transport to the
// configured resolvers, the --local-zone data in front of it, and one probe of every list's
// health and (with --resolver-check, as in the daemon) of the resolver's sanity. dynmilter-check,
// -replay and -autoreply start their DNS here, so none of them can judge with less than the
// daemon knows at its first client.
#pragma once

#include "config/config.hpp"
#include "dns/transport.hpp"
#include "dnsbl/health.hpp"
#include "localzone/keeper.hpp"

namespace dyn::engine {

class ToolDns {
 public:
  explicit ToolDns(const config::Config& config);
  ToolDns(const ToolDns&) = delete;
  ToolDns& operator=(const ToolDns&) = delete;

  dns::Querier& querier() { return zones_.querier(); }
  const dnsbl::HealthBoard& board() const { return board_; }              // as the start-up probe left it
  std::uint64_t queries_sent() const { return transport_.stats().sent; }  // datagrams to the servers so far

 private:
  dns::Transport transport_;
  localzone::ToolZones zones_;
  dnsbl::HealthBoard board_;
};

}  // namespace dyn::engine
