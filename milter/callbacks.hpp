// The libmilter callback table and the daemon state the callbacks reach.
#pragma once

#include "config/config.hpp"
#include "dns/querier.hpp"
#include "dnsbl/health.hpp"
#include "session.hpp"

#include <libmilter/mfapi.h>

#include <memory>

namespace dyn::milter {

struct DaemonState {
  std::shared_ptr<const config::Config> config;
  dns::Querier* querier = nullptr;
  const dnsbl::HealthBoard* health = nullptr;
  Observers observers;
};

// Set once before smfi_main; read by every callback thread.
void set_daemon_state(DaemonState state);

// Swaps the configuration snapshot (SIGUSR1 reload). Connections already open keep theirs.
void replace_config(std::shared_ptr<const config::Config> config);
// The configuration new connections start with.
std::shared_ptr<const config::Config> current_config();

smfiDesc callback_table();

}  // namespace dyn::milter
