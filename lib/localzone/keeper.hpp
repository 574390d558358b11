// Keeper: the daemon's local zones over time. It loads a configuration's --local-zone specs
// (at start and at each reload, sharing data whose files did not change), logs what it loaded,
// and, called now and then, reads again the files that changed on disk: a bad new file keeps the
// old data and says file:line, once per change.
#pragma once

#include "localzone/zones.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dyn::localzone {

class Keeper {
 public:
  // Loads `specs` without installing them (a reload installs them only once every step worked),
  // under `limits` (kept for the file checks that follow). Throws LoadError.
  std::shared_ptr<const ZoneSet> prepare(const std::vector<Spec>& specs, const Limits& limits);
  void install(std::shared_ptr<const ZoneSet> set) { zones_.replace(std::move(set)); }

  // Reads again the datasets whose files changed; returns true when new data was installed.
  bool check_files();

  const LocalZones& zones() const { return zones_; }
  // Changed files that could not be used (their old data kept), since start.
  std::uint64_t failed_loads() const { return failed_loads_.load(); }

 private:
  LocalZones zones_;
  std::atomic<std::uint64_t> failed_loads_{0};
  std::string failed_files_;
  Limits limits_;  // the files' state when they last failed to load: not read again until it changes
};

// For the tools (dynmilter-check, -replay, -autoreply): the configuration's local zones loaded
// once, answering in front of `upstream` as in the daemon. Throws LoadError.
class ToolZones {
 public:
  ToolZones(const std::vector<Spec>& specs, const Limits& limits, dns::Querier& upstream)
      : querier_(keeper_.zones(), upstream) {
    keeper_.install(keeper_.prepare(specs, limits));
  }
  dns::Querier& querier() { return querier_; }

 private:
  Keeper keeper_;
  LocalQuerier querier_;
};

}  // namespace dyn::localzone
