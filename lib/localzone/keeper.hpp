// Keeper: the daemon's local zones over time. It loads a configuration's --local-zone specs
// (at start and at each reload, sharing data whose files did not change), logs what it loaded,
// and, called now and then, reads again the files that changed on disk: a bad new file keeps the
// old data and says file:line, once per change.
#pragma once

#include "localzone/zones.hpp"

#include <memory>
#include <string>
#include <vector>

namespace dyn::localzone {

class Keeper {
 public:
  // Loads `specs` without installing them (a reload installs them only once every step worked).
  // Throws LoadError.
  std::shared_ptr<const ZoneSet> prepare(const std::vector<Spec>& specs) const;
  void install(std::shared_ptr<const ZoneSet> set) { zones_.replace(std::move(set)); }

  // Reads again the datasets whose files changed; returns true when new data was installed.
  bool check_files();

  const LocalZones& zones() const { return zones_; }

 private:
  LocalZones zones_;
  std::string failed_files_;  // the files' state when they last failed to load: not read again until it changes
};

}  // namespace dyn::localzone
